import { createRequire as nodeCreateRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * `node:module` as seen by the code bundled into the single executable (scripts/build-cli.mjs
 * maps every import of it here). A single executable cannot embed a native addon, so keytar's
 * `keytar.node` ships beside the executable, and a `require('keytar')` (the core's keychain
 * backend does one, lazily) loads that file. Every other request goes to Node's own require.
 * Only createRequire is provided: a bundled module that wants more fails the build, loudly.
 */

interface NativeModule {
  exports: unknown;
}

/** The keytar addon beside the executable (process.execPath is the real path, symlinks resolved). */
export const KEYTAR_ADDON = 'keytar.node';

function loadKeytarBesideExecutable(): unknown {
  const addon: NativeModule = { exports: {} };
  // The addon exports getPassword/setPassword/deletePassword (promises), as keytar's own wrapper does.
  process.dlopen(addon, join(dirname(process.execPath), KEYTAR_ADDON));
  return addon.exports;
}

let keytar: unknown;

export function createRequire(from: string | URL): NodeJS.Require {
  const nodeRequire = nodeCreateRequire(from);
  const seaRequire = ((id: string): unknown => {
    if (id !== 'keytar') return nodeRequire(id);
    keytar ??= loadKeytarBesideExecutable();
    return keytar;
  }) as NodeJS.Require;
  return Object.assign(seaRequire, { resolve: nodeRequire.resolve, cache: nodeRequire.cache, extensions: nodeRequire.extensions, main: nodeRequire.main });
}
