import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real `torus-token` as a child process, the way a trading script would: the npm CLI
 * (`node bin/torus-token.cjs`) by default, or the single executable when TORUS_TOKEN_CLI names
 * it (test/cli-executable.test.ts runs the CLI tests that way).
 */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliBin = fileURLToPath(new URL('../../bin/torus-token.cjs', import.meta.url));

/** The single executable under test, or undefined for the npm CLI. */
export function cliExecutable(): string | undefined {
  const exe = process.env.TORUS_TOKEN_CLI?.trim();
  return exe ? exe : undefined;
}

/** The program and arguments that run `torus-token ARGS`. */
export function cliCommand(args: string[]): { file: string; args: string[] } {
  const exe = cliExecutable();
  return exe ? { file: exe, args } : { file: process.execPath, args: [cliBin, ...args] };
}

/** The newest modification time of the sources the CLI is built from. */
function newestSource(): number {
  let newest = 0;
  for (const dir of ['main/cli', 'main/core']) {
    for (const name of readdirSync(join(repoRoot, dir), { recursive: true })) {
      const path = join(repoRoot, dir, String(name));
      if (path.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

export function ensureBuilt(): void {
  const exe = cliExecutable();
  if (exe) {
    // `npm test` has just built it; a test run by hand after an edit rebuilds it (a few seconds).
    if (!existsSync(exe) || statSync(exe).mtimeMs < newestSource()) execFileSync('npm', ['run', 'package:cli'], { cwd: repoRoot, stdio: 'inherit' });
    return;
  }
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/torus-token.cjs', import.meta.url)))) {
    execFileSync('npm', ['run', 'build:node'], { cwd: repoRoot, stdio: 'inherit' });
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const command = cliCommand(args);
    const child = spawn(command.file, command.args, {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
