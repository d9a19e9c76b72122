#!/usr/bin/env node
/**
 * Bundles the torus-token CLI.
 *
 * - npm CLI (`node scripts/build-cli.mjs`, part of `npm run build:node`): CommonJS in dist/cli/,
 *   launched by bin/torus-token.cjs. Two files: torus-token.cjs holds the fast path (`get`,
 *   `exec`, `wait` with a valid token: a few kB), and torus-token-full.cjs the full CLI
 *   (commander, zod, conf, the HTTP client), required only on the paths that need it.
 *   CommonJS because bots start it many times a day: it starts ~6 ms sooner than ESM.
 * - Single executable (`buildSeaBundle`, used by scripts/package-cli.mjs): one CommonJS file,
 *   as Node's single executable applications require. keytar's native addon cannot be embedded;
 *   inside the executable, `require('keytar')` loads `keytar.node` from beside it (see
 *   main/cli/sea/node-module.ts).
 * keytar stays external in both: it is a native module.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NPM_CLI_DIR = join(root, 'dist', 'cli');
export const SEA_BUNDLE = join(root, 'dist', 'sea', 'torus-token.cjs');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['keytar'],
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // CommonJS has no import.meta: a module's URL is its file's (the executable's, in the SEA).
  define: { 'import.meta.url': '__torusModuleUrl' },
  banner: { js: "const __torusModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

export const FULL_CLI_FILE = 'torus-token-full.cjs';

/** The entry leaves the full CLI (main/cli/program.ts) to its own file, required when needed. */
const fullCliApart = {
  name: 'full-cli-apart',
  setup(pluginBuild) {
    const entry = join(root, 'main', 'cli', 'entry.ts');
    pluginBuild.onResolve({ filter: /^\.\/program\.js$/ }, (args) =>
      resolve(args.importer) === entry ? { path: `./${FULL_CLI_FILE}`, external: true } : undefined,
    );
  },
};

/** The npm CLI; returns esbuild's results (their metafiles say which modules each file holds). */
export async function buildNpmCli({ outdir = NPM_CLI_DIR } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const entry = await build({
    ...common,
    entryPoints: [join(root, 'main', 'cli', 'main.ts')],
    outfile: join(outdir, 'torus-token.cjs'),
    plugins: [fullCliApart],
  });
  const full = await build({ ...common, entryPoints: [join(root, 'main', 'cli', 'program.ts')], outfile: join(outdir, FULL_CLI_FILE) });
  return { entry, full };
}

/** Inside the executable, every `node:module` import gets the executable-aware createRequire. */
const seaNodeModule = {
  name: 'sea-node-module',
  setup(pluginBuild) {
    const shim = join(root, 'main', 'cli', 'sea', 'node-module.ts');
    pluginBuild.onResolve({ filter: /^(node:)?module$/ }, (args) =>
      resolve(args.importer) === shim ? { path: 'node:module', external: true } : { path: shim },
    );
  },
};

export async function buildSeaBundle() {
  return build({
    ...common,
    entryPoints: [join(root, 'main', 'cli', 'main.ts')],
    outfile: SEA_BUNDLE,
    // In the executable `__filename` is the executable itself: the place modules resolve from.
    plugins: [seaNodeModule],
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildNpmCli();
}
