// Bundles the torus-token CLI into one ESM file. Trading scripts call `torus-token get`
// often; one file instead of hundreds of small modules cuts its start-up time by ~40 %
// (see `npm run bench`). keytar stays external: it is a native module.
import { build } from 'esbuild';

await build({
  entryPoints: ['main/cli/main.ts'],
  outfile: 'dist/cli/torus-token.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['keytar'],
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give ESM output a real one.
  banner: { js: "import { createRequire as __torusCreateRequire } from 'node:module'; const require = __torusCreateRequire(import.meta.url);" },
});
