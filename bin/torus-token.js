#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli/ by `npm install` (prepare) or `npm run build:node`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/torus-token.mjs', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('torus-token: not built yet. Run "npm run build:node" in the Torus Token folder.\n');
  process.exit(2);
}
await import(entry.href);
