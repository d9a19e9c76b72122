#!/usr/bin/env node
/**
 * Bundles preload/preload.ts (with the IPC contract it imports) into dist/preload/preload.cjs.
 *
 * A sandboxed preload can only `require('electron')` (and a few Node polyfills), not other
 * files, so the contract must be inlined. `electron` stays external: the sandbox provides it.
 *
 *   node scripts/build-preload.mjs [--outfile <path>]
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve } from 'node:path';
import { statSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTFILE = join(root, 'dist', 'preload', 'preload.cjs');

export async function buildPreload({ minify = false, outfile = DEFAULT_OUTFILE } = {}) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'preload', 'preload.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    // Electron 45 ships Chromium 140; chrome130 keeps the output conservative.
    target: ['chrome130'],
    external: ['electron'],
    sourcemap: false,
    minify,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  // Only the preload, the contract and nothing else may end up in the bundle.
  const inputs = Object.keys(result.metafile.inputs);
  const unexpected = inputs.filter((input) => !/^preload\/[\w-]+\.ts$/.test(input.replaceAll('\\', '/')));
  if (unexpected.length > 0) {
    throw new Error(`The preload bundle pulled in unexpected modules: ${unexpected.join(', ')}`);
  }
  return { outfile, inputs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const at = process.argv.indexOf('--outfile');
    const outfile = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : DEFAULT_OUTFILE;
    const { outfile: out, inputs } = await buildPreload({ outfile });
    console.log(`preload: ${relative(root, out)} (${statSync(out).size} bytes, from ${inputs.join(', ')})`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
