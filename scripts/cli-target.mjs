// Where `npm run package:cli` writes the single executable for a system (shared by the
// packaging script, the tests and the benchmark).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OS_NAMES = { linux: 'linux', darwin: 'macos', win32: 'windows' };

export const CLI_OUT_DIR = join(root, 'release', 'cli');

/** `torus-token-linux-x64`, `torus-token-macos-arm64`, `torus-token-windows-x64` (no extension). */
export function cliTargetName(platform = process.platform, arch = process.arch) {
  const os = OS_NAMES[platform];
  if (!os) throw new Error(`The single executable is built for Linux, macOS and Windows, not ${platform}.`);
  return `torus-token-${os}-${arch}`;
}

/** release/cli/torus-token-<os>-<arch>[.exe] */
export function cliExecutablePath(platform = process.platform, arch = process.arch) {
  return join(CLI_OUT_DIR, `${cliTargetName(platform, arch)}${platform === 'win32' ? '.exe' : ''}`);
}
