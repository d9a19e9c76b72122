#!/usr/bin/env node
/**
 * `npm run package:cli`: the torus-token CLI as one self-contained executable (Node's single
 * executable applications), so traders and their bots need no Node.js. Built for the system it
 * runs on (macOS and Windows builds run on those systems; see .github/workflows/release.yml).
 *
 * Writes to release/cli/:
 *   torus-token-<os>-<arch>[.exe]   the executable (Node's own binary with the CLI injected)
 *   keytar.node                     the keychain addon: native code cannot be embedded, so it
 *                                   ships beside the executable, which loads it from there
 *   torus-token-<os>-<arch>.sha256  SHA-256 sums of the files above (sha256sum -c format)
 * With --archive, also torus-token-<os>-<arch>.tar.gz (.zip on Windows) holding `torus-token`
 * and keytar.node side by side: the release download. --archive-only archives (and sums) what
 * an earlier run built, for the release workflow, which signs the files in between.
 *
 * macOS: the signature is removed before injection and the result is signed again, with
 * $MACOS_CODESIGN_IDENTITY (a Developer ID, hardened runtime) when set, else ad hoc.
 * Windows: node.exe's signature is removed first when signtool is available; the release
 * workflow signs the result.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSeaBundle, SEA_BUNDLE } from './build-cli.mjs';
import { CLI_OUT_DIR, cliExecutablePath, cliTargetName } from './cli-target.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
}

function has(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The files `package:cli` wrote for this system, their archive (with --archive) and the sums file. */
function finish(exe, addon, archive, log) {
  const target = cliTargetName();
  const files = [exe, addon];
  if (archive) files.push(makeArchive(target, exe, addon));
  const sums = join(CLI_OUT_DIR, `${target}.sha256`);
  writeFileSync(sums, files.map((file) => `${sha256(file)}  ${basename(file)}\n`).join(''));
  for (const file of [...files, sums]) log(`${file}  ${(readFileSync(file).length / 1024 / 1024).toFixed(1)} MiB`);
  return { exe, addon, sums, files };
}

export async function packageCli({ archive = false, log = (line) => console.log(line) } = {}) {
  const exe = cliExecutablePath();
  const blob = join(dirname(SEA_BUNDLE), 'torus-token.blob');
  mkdirSync(CLI_OUT_DIR, { recursive: true });

  // 1. The CLI as one CommonJS file, then Node's preparation blob (with a code cache: faster start).
  await buildSeaBundle();
  const config = join(dirname(SEA_BUNDLE), 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: SEA_BUNDLE, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2));
  run(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

  // 2. A copy of this Node binary (it must carry the SEA fuse: official builds do).
  const node = readFileSync(process.execPath);
  if (!node.includes(SEA_FUSE)) throw new Error(`${process.execPath} cannot become a single executable (no SEA fuse). Use an official Node.js build.`);
  rmSync(exe, { force: true });
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  if (process.platform === 'linux' && has('strip')) run('strip', ['--strip-all', exe]); // debug symbols: ~12 MB nobody needs
  if (process.platform === 'darwin') run('codesign', ['--remove-signature', exe]);
  if (process.platform === 'win32' && has('signtool')) run('signtool', ['remove', '/s', exe]);

  // 3. Inject the blob.
  const { inject } = require('postject');
  await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: SEA_FUSE,
    ...(process.platform === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
  });

  // 4. keytar's addon beside it.
  const keytarAddon = join(dirname(require.resolve('keytar/package.json')), 'build', 'Release', 'keytar.node');
  const addon = join(CLI_OUT_DIR, 'keytar.node');
  copyFileSync(keytarAddon, addon);

  if (process.platform === 'darwin') {
    const identity = process.env.MACOS_CODESIGN_IDENTITY?.trim();
    const entitlements = join(root, 'assets', 'build', 'entitlements.cli.mac.plist');
    for (const file of [addon, exe]) {
      run(
        'codesign',
        identity
          ? ['--sign', identity, '--force', '--timestamp', '--options', 'runtime', '--entitlements', entitlements, file]
          : ['--sign', '-', '--force', file],
      );
    }
  }

  // 5. It runs (a broken injection fails here, not on a trader's machine).
  const smoke = spawnSync(exe, ['--help'], { encoding: 'utf8' });
  if (smoke.status !== 0 || !smoke.stdout.includes('Usage: torus-token')) {
    throw new Error(`The built executable does not run (exit ${smoke.status}): ${smoke.stderr || smoke.error?.message}`);
  }
  return finish(exe, addon, archive, log);
}

/** --archive-only: archives and sums what an earlier run built (the release signs the files in between). */
export function archiveCli({ log = (line) => console.log(line) } = {}) {
  const exe = cliExecutablePath();
  const addon = join(CLI_OUT_DIR, 'keytar.node');
  for (const file of [exe, addon]) if (!existsSync(file)) throw new Error(`${file} is missing: run npm run package:cli first.`);
  return finish(exe, addon, true, log);
}

/** The release download: the executable as plain `torus-token` with keytar.node beside it. */
function makeArchive(target, exe, addon) {
  const windows = process.platform === 'win32';
  const stage = join(CLI_OUT_DIR, `.stage-${target}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const staged = join(stage, windows ? 'torus-token.exe' : 'torus-token');
  try {
    linkSync(exe, staged);
  } catch {
    copyFileSync(exe, staged);
  }
  copyFileSync(addon, join(stage, 'keytar.node'));
  const out = join(CLI_OUT_DIR, `${target}${windows ? '.zip' : '.tar.gz'}`);
  rmSync(out, { force: true });
  // bsdtar (macOS, Windows 10+) and GNU tar both do this; -a picks zip from the name on Windows.
  run('tar', windows ? ['-a', '-cf', out, '-C', stage, basename(staged), 'keytar.node'] : ['-czf', out, '-C', stage, basename(staged), 'keytar.node']);
  rmSync(stage, { recursive: true, force: true });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  if (process.argv.includes('--archive-only')) archiveCli();
  else await packageCli({ archive: process.argv.includes('--archive') });
  console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
