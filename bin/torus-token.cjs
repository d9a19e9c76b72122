#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli/ by `npm install` (prepare) or `npm run build:node`.
// CommonJS on purpose: bots start `torus-token get` many times a day, and CommonJS starts sooner.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'cli', 'torus-token.cjs');
if (!existsSync(entry)) {
  process.stderr.write('torus-token: not built yet. Run "npm run build:node" in the Torus Token folder.\n');
  process.exit(2);
}
require(entry);
