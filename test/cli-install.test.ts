import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliDownloadName, commandLineTool, loginShellPath, type CliInstallDeps } from '../main/cli-install.js';
import { cliTargetName } from '../scripts/cli-target.mjs';

/** Settings → "Command-line tool": whether `torus-token` is installed, and how to install it. */
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'torus-cli-install-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function executable(dir: string, name = 'torus-token', mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, mode);
  return file;
}

const linux = (overrides: Partial<CliInstallDeps> = {}): CliInstallDeps => ({
  platform: 'linux',
  arch: 'x64',
  env: { PATH: join(home, 'empty') },
  homeDir: home,
  ...overrides,
});

describe('command-line tool: detection', () => {
  it('not installed: says so, names the download for this system and gives the commands to install it', () => {
    const view = commandLineTool(linux());
    expect(view.found).toBeNull();
    expect(view.summary).toBe('The torus-token command is not installed. It is a separate download, torus-token-linux-x64.tar.gz, which needs no Node.js.');
    expect(view.download).toEqual({ fileName: 'torus-token-linux-x64.tar.gz', url: 'https://github.com/torus-token/torus-token/releases/latest' });
    expect(view.install.shell).toBe('sh');
    expect(view.install.commands).toContain('tar -xzf ~/Downloads/torus-token-linux-x64.tar.gz -C ~/.local/lib/torus-token');
    // keytar.node stays beside the real executable; PATH gets a link to it.
    expect(view.install.commands).toContain('ln -sf ~/.local/lib/torus-token/torus-token ~/.local/bin/torus-token');
  });

  it('installed on PATH: reports where', () => {
    const bin = join(home, 'bin');
    const file = executable(bin);
    const view = commandLineTool(linux({ env: { PATH: `${join(home, 'empty')}:${bin}` } }));
    expect(view.found).toEqual({ path: file, onPath: true });
    expect(view.summary).toBe(`The torus-token command is installed (${file}): scripts and bots can run it.`);
  });

  it('a file that cannot be run, or a folder, does not count', () => {
    const bin = join(home, 'bin');
    executable(bin, 'torus-token', 0o644);
    mkdirSync(join(home, 'dir', 'torus-token'), { recursive: true });
    expect(commandLineTool(linux({ env: { PATH: `${bin}:${join(home, 'dir')}` } })).found).toBeNull();
  });

  it('the login shell PATH counts (a GUI app starts with a minimal PATH)', () => {
    const brew = join(home, 'homebrew', 'bin');
    const file = executable(brew);
    const view = commandLineTool(linux({ platform: 'darwin', arch: 'arm64', env: { PATH: '/usr/bin:/bin' }, shellPath: `/usr/bin:${brew}` }));
    expect(view.found).toEqual({ path: file, onPath: true });
    expect(view.download.fileName).toBe('torus-token-macos-arm64.tar.gz');
    expect(view.install.commands.join('\n')).toContain('~/.zprofile');
  });

  it('in ~/.local/bin while PATH lacks it: found, but reported as not on PATH', () => {
    const file = executable(join(home, '.local', 'bin'));
    const view = commandLineTool(linux());
    expect(view.found).toEqual({ path: file, onPath: false });
    expect(view.summary).toMatch(/not on your PATH/);
  });

  it('Windows: PATHEXT names (npm link makes torus-token.cmd), a case-insensitive Path, PowerShell commands', () => {
    const dir = 'C:\\Users\\t\\AppData\\Roaming\\npm';
    const seen: string[] = [];
    const view = commandLineTool({
      platform: 'win32',
      arch: 'x64',
      env: { Path: `C:\\Windows;${dir}`, PATHEXT: '.COM;.EXE;.CMD' },
      homeDir: 'C:\\Users\\t',
      isExecutable: (path) => {
        seen.push(path);
        return path === `${dir}\\torus-token.cmd`;
      },
    });
    expect(view.found).toEqual({ path: `${dir}\\torus-token.cmd`, onPath: true });
    expect(seen).toContain('C:\\Windows\\torus-token.exe');
    expect(view.download.fileName).toBe('torus-token-windows-x64.zip');
    expect(view.install.shell).toBe('powershell');
    expect(view.install.commands.join('\n')).toContain('Expand-Archive');
  });

  it('names the downloads exactly as npm run package:cli names them', () => {
    for (const [platform, arch] of [
      ['linux', 'x64'],
      ['darwin', 'arm64'],
      ['darwin', 'x64'],
      ['win32', 'x64'],
    ] as const) {
      expect(cliDownloadName(platform, arch)).toBe(`${cliTargetName(platform, arch)}${platform === 'win32' ? '.zip' : '.tar.gz'}`);
    }
    expect(cliDownloadName('freebsd', 'x64')).toBeNull();
    expect(commandLineTool(linux({ platform: 'freebsd' })).summary).toBe('The torus-token command is not built for this system.');
  });
});

describe('command-line tool: the login shell PATH', () => {
  it('reads the PATH a login shell sets up', async () => {
    const path = await loginShellPath({ SHELL: '/bin/sh', PATH: '/usr/bin:/bin', HOME: home }, 'linux');
    expect(path).toContain('/usr/bin');
  });

  it('gives null rather than waiting on a shell that fails, and never runs one on Windows', async () => {
    expect(await loginShellPath({ SHELL: '/nonexistent/shell', HOME: home }, 'linux')).toBeNull();
    expect(await loginShellPath({ SHELL: '/bin/sh' }, 'win32')).toBeNull();
  });
});
