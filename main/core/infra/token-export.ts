import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TorusError } from '../errors.js';
import { redact } from '../domain/redact.js';
import { expandHome } from '../domain/export-target.js';

/**
 * Hands a fresh token to trading bots: a file only the user can read, and/or a hook command
 * that receives the token on stdin (never in argv, where `ps` would show it).
 */

/** Atomic: a reader sees the old token or the new one, never a half-written file. */
export function writeTokenFile(path: string, token: string): string {
  const target = resolve(expandHome(path));
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeSync(fd, `${token}\n`);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(temp, 0o600);
    renameSync(temp, target);
    return target;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new TorusError('export-failed', `Could not write the token file ${target} (${code}). Check that the folder exists and is writable.`, {
      cause: error,
    });
  }
}

/** Deletes the token file (a bot must not read a dead token). Returns true when one was removed. */
export function removeTokenFile(path: string): boolean {
  const target = resolve(expandHome(path));
  try {
    unlinkSync(target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return false;
    throw new TorusError(
      'export-failed',
      `Could not delete the expired token file ${target} (${code}). Delete it by hand; it holds a token that no longer works.`,
      {
        cause: error,
      },
    );
  }
}

export interface HookResult {
  exitCode: number;
}

export function runHook(command: string, token: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<HookResult> {
  return new Promise((resolvePromise, reject) => {
    // Its own process group (POSIX), so a timeout stops the whole hook: with `shell: true`
    // the child is the shell, and killing only it would leave what it started running.
    const group = process.platform !== 'win32';
    const child = spawn(command, { shell: true, stdio: ['pipe', 'ignore', 'pipe'], env: { ...env }, windowsHide: true, detached: group });
    let stderr = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      try {
        if (group && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      finish(() => reject(new TorusError('export-failed', `The token hook did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`)));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) =>
      finish(() =>
        reject(new TorusError('export-failed', `The token hook could not start (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { cause: error })),
      ),
    );
    child.on('close', (code) => {
      finish(() => {
        if (code === 0) resolvePromise({ exitCode: 0 });
        else {
          const tail = redact(stderr.trim().split('\n').slice(-1)[0] ?? '', [token]).slice(0, 200);
          reject(new TorusError('export-failed', `The token hook exited with status ${code ?? 'unknown'}${tail ? `: ${tail}` : ''}.`));
        }
      });
    });
    child.stdin.on('error', () => undefined); // the hook may not read stdin at all
    // An empty input tells the hook that the token is gone (expired, logged out, removed).
    child.stdin.end(token === '' ? '' : `${token}\n`);
  });
}
