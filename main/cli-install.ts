import type { CommandLineToolView } from '../preload/contract.js';
import { accessSync, constants, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join, win32 } from 'node:path';

/**
 * Settings → "Command-line tool": is `torus-token` (the CLI for scripts and bots, a separate
 * download) installed, and how to install it on this system. Electron-free: the main process
 * calls it and sends the view to the popover.
 *
 * A GUI app does not see the user's shell PATH (macOS starts it with /usr/bin:/bin:/usr/sbin:/sbin),
 * so the login shell's PATH can be passed in (see loginShellPath), and a few usual install
 * folders are looked at too: a CLI found only there is reported as not on PATH.
 */
export const RELEASES_URL = 'https://github.com/torus-token/torus-token/releases/latest';
export const CLI_COMMAND = 'torus-token';

export interface CliInstallDeps {
  platform: NodeJS.Platform;
  arch: string;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  /** The PATH of the user's login shell, when known (macOS and Linux). */
  shellPath?: string | null;
  /** Whether `path` is a file this user can run (tests inject a fake file system). */
  isExecutable?: (path: string) => boolean;
  releasesUrl?: string;
}

/** The view is the IPC contract's (defined once there). */
export type CliInstallView = CommandLineToolView;

const OS_NAMES: Partial<Record<NodeJS.Platform, string>> = { linux: 'linux', darwin: 'macos', win32: 'windows' };

/** The release download for a system (as scripts/package-cli.mjs names it), or null where none is built. */
export function cliDownloadName(platform: NodeJS.Platform, arch: string): string | null {
  const os = OS_NAMES[platform];
  if (!os) return null;
  return `torus-token-${os}-${arch}${platform === 'win32' ? '.zip' : '.tar.gz'}`;
}

function defaultIsExecutable(platform: NodeJS.Platform): (path: string) => boolean {
  return (path) => {
    try {
      if (!statSync(path).isFile()) return false;
      if (platform !== 'win32') accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/** The names `torus-token` may have in one folder: on Windows with PATHEXT's extensions (npm link makes a .cmd). */
function candidateNames(platform: NodeJS.Platform, env: CliInstallDeps['env']): string[] {
  if (platform !== 'win32') return [CLI_COMMAND];
  const exts = (envValue(env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e.length > 0);
  return exts.map((ext) => `${CLI_COMMAND}${ext.toLowerCase()}`);
}

function usualFolders(deps: CliInstallDeps): string[] {
  if (deps.platform === 'win32') {
    const local = envValue(deps.env, 'LOCALAPPDATA') ?? win32.join(deps.homeDir, 'AppData', 'Local');
    return [win32.join(local, 'Programs', 'torus-token')];
  }
  return [join(deps.homeDir, '.local', 'bin'), '/usr/local/bin', '/opt/homebrew/bin'];
}

export function findCli(deps: CliInstallDeps): CliInstallView['found'] {
  const delimiter = deps.platform === 'win32' ? ';' : ':';
  const join2 = deps.platform === 'win32' ? win32.join : join;
  const isExecutable = deps.isExecutable ?? defaultIsExecutable(deps.platform);
  const names = candidateNames(deps.platform, deps.env);
  const onPath = [envValue(deps.env, 'PATH'), deps.shellPath ?? undefined]
    .filter((p): p is string => typeof p === 'string')
    .flatMap((p) => p.split(delimiter))
    .map((dir) => dir.trim().replace(/^"(.*)"$/, '$1'))
    .filter((dir) => dir.length > 0);
  const look = (dirs: string[]): string | null => {
    for (const dir of dirs) for (const name of names) if (isExecutable(join2(dir, name))) return join2(dir, name);
    return null;
  };
  const onPathHit = look([...new Set(onPath)]);
  if (onPathHit) return { path: onPathHit, onPath: true };
  const elsewhere = look(usualFolders(deps).filter((dir) => !onPath.includes(dir)));
  return elsewhere ? { path: elsewhere, onPath: false } : null;
}

function installCommands(deps: CliInstallDeps, fileName: string): CliInstallView['install'] {
  if (deps.platform === 'win32') {
    return {
      shell: 'powershell',
      commands: [
        `$dir = "$env:LOCALAPPDATA\\Programs\\torus-token"`,
        `Expand-Archive -Force "$HOME\\Downloads\\${fileName}" $dir`,
        `[Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + ";$dir", 'User')`,
        '# Open a new terminal, then: torus-token status',
      ],
    };
  }
  const profile = deps.platform === 'darwin' ? '~/.zprofile' : '~/.profile';
  return {
    shell: 'sh',
    commands: [
      'mkdir -p ~/.local/lib/torus-token ~/.local/bin',
      `tar -xzf ~/Downloads/${fileName} -C ~/.local/lib/torus-token`,
      'ln -sf ~/.local/lib/torus-token/torus-token ~/.local/bin/torus-token',
      `# If ~/.local/bin is not on your PATH yet: echo 'export PATH="$HOME/.local/bin:$PATH"' >> ${profile}, then open a new terminal.`,
      'torus-token status',
    ],
  };
}

export function commandLineTool(deps: CliInstallDeps): CliInstallView {
  const fileName = cliDownloadName(deps.platform, deps.arch) ?? `torus-token-<system>-${deps.arch}.tar.gz`;
  const download = { fileName, url: deps.releasesUrl ?? RELEASES_URL };
  const found = findCli(deps);
  let summary: string;
  if (found?.onPath) summary = `The torus-token command is installed (${found.path}): scripts and bots can run it.`;
  else if (found) summary = `torus-token is at ${found.path}, but that folder is not on your PATH. Add it (see below), or run it by its full path.`;
  else if (!cliDownloadName(deps.platform, deps.arch)) summary = 'The torus-token command is not built for this system.';
  else summary = `The torus-token command is not installed. It is a separate download, ${fileName}, which needs no Node.js.`;
  return { found, summary, download, install: installCommands(deps, fileName) };
}

/**
 * The PATH the user's login shell sets up (where a CLI installed by hand or by Homebrew is),
 * or null. Runs `$SHELL -lc` once, with a timeout; never on Windows (the GUI has the user's PATH).
 */
export function loginShellPath(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform, timeoutMs = 3_000): Promise<string | null> {
  if (platform === 'win32') return Promise.resolve(null);
  const shell = env['SHELL'] && env['SHELL'].startsWith('/') ? env['SHELL'] : '/bin/sh';
  return new Promise((resolve) => {
    execFile(shell, ['-lc', 'printf "%s" "$PATH"'], { timeout: timeoutMs, env: { ...env }, encoding: 'utf8' }, (error, stdout) => {
      resolve(error || stdout.length === 0 ? null : stdout.trim());
    });
  });
}
