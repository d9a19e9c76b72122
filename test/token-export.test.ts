import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTokenFile, runHook, writeTokenFile } from '../main/core/infra/token-export.js';
import { TorusError } from '../main/core/errors.js';
import { rejectionOf, tempDir } from './helpers/core-fixtures.js';

/**
 * The token file and the hook, the two ways bots get a fresh token: what lands on disk (and
 * never half of it), what the hook sees (stdin, never argv), and how each failure is told.
 * Real files and real shell processes.
 */
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cmFkZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('torus-export');
});
afterEach(() => {
  vi.unstubAllEnvs();
  dir.remove();
});

async function exportError(run: () => Promise<unknown>): Promise<TorusError> {
  const error = await rejectionOf(run);
  expect(error).toBeInstanceOf(TorusError);
  expect((error as TorusError).kind).toBe('export-failed');
  return error as TorusError;
}

describe('the token file', () => {
  it('holds the token and a newline, readable by the user only, and replaces the previous token whole', () => {
    const path = join(dir.path, 'token.txt');
    writeFileSync(path, 'old-token\n', { mode: 0o644 });
    expect(writeTokenFile(path, TOKEN)).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe(`${TOKEN}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir.path)).toEqual(['token.txt']); // no temp file left
  });

  it('~ is the home folder, as in a shell', () => {
    vi.stubEnv('HOME', dir.path);
    expect(writeTokenFile('~/token.txt', TOKEN)).toBe(join(dir.path, 'token.txt'));
    expect(readFileSync(join(dir.path, 'token.txt'), 'utf8')).toBe(`${TOKEN}\n`);
    expect(removeTokenFile('~/token.txt')).toBe(true);
  });

  it('a missing folder is an export failure that names the file and the fix, and leaves nothing behind', async () => {
    const path = join(dir.path, 'no-such-folder', 'token.txt');
    const error = await exportError(async () => writeTokenFile(path, TOKEN));
    expect(error.message).toBe(`Could not write the token file ${path} (ENOENT). Check that the folder exists and is writable.`);
    expect(error.message).not.toContain(TOKEN);
    // `--debug` prints the cause chain: the file system's own error stays attached.
    expect(error.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('a folder where the file should be: the temp file is removed and the folder is untouched', async () => {
    const path = join(dir.path, 'token.txt');
    mkdirSync(path);
    writeFileSync(join(path, 'keep'), 'x');
    const error = await exportError(async () => writeTokenFile(path, TOKEN));
    expect(error.message).toMatch(/^Could not write the token file .*token\.txt \(EISDIR\)\./);
    expect(readdirSync(dir.path)).toEqual(['token.txt']);
    expect(readdirSync(path)).toEqual(['keep']);
  });

  it('taking it back deletes it; a file already gone is not an error', () => {
    const path = join(dir.path, 'token.txt');
    writeTokenFile(path, TOKEN);
    expect(removeTokenFile(path)).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(removeTokenFile(path)).toBe(false);
  });

  it('a token file that cannot be deleted says so, and that it holds a dead token', async () => {
    const path = join(dir.path, 'token.txt');
    mkdirSync(path);
    const error = await exportError(async () => removeTokenFile(path));
    expect(error.message).toMatch(
      new RegExp(
        `^Could not delete the expired token file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((EISDIR|EPERM)\\)\\. Delete it by hand; it holds a token that no longer works\\.$`,
      ),
    );
    expect(error.cause).toMatchObject({ code: expect.stringMatching(/^(EISDIR|EPERM)$/) as unknown });
  });
});

describe('the hook', () => {
  it('gets the token on its input, followed by a newline, and never in its arguments', async () => {
    const seen = join(dir.path, 'seen');
    await expect(runHook(`cat > '${seen}'; echo "$0 $*" >> '${seen}.args'`, TOKEN, 10_000)).resolves.toEqual({ exitCode: 0 });
    expect(readFileSync(seen, 'utf8')).toBe(`${TOKEN}\n`);
    expect(readFileSync(`${seen}.args`, 'utf8')).not.toContain(TOKEN);
  });

  it('an empty input means "no token any more" (expiry, logout)', async () => {
    const seen = join(dir.path, 'seen');
    await runHook(`wc -c > '${seen}'`, '', 10_000);
    expect(readFileSync(seen, 'utf8').trim()).toBe('0');
  });

  it('runs with the environment it is given', async () => {
    const seen = join(dir.path, 'seen');
    await runHook(`printf %s "$BOT_NAME" > '${seen}'`, TOKEN, 10_000, { ...process.env, BOT_NAME: 'nifty-bot' });
    expect(readFileSync(seen, 'utf8')).toBe('nifty-bot');
  });

  it('a hook that does not read its input is fine', async () => {
    await expect(runHook('true', TOKEN, 10_000)).resolves.toEqual({ exitCode: 0 });
  });

  it("a failing hook's status and last line of errors are told, with the token blanked out", async () => {
    const error = await exportError(() => runHook('read t; echo "starting" >&2; echo "broker refused $t" >&2; exit 3', TOKEN, 10_000));
    expect(error.message).toBe('The token hook exited with status 3: broker refused [redacted].');
    const quiet = await exportError(() => runHook('exit 9', TOKEN, 10_000));
    expect(quiet.message).toBe('The token hook exited with status 9.');
  });

  it('a token that does not look like a JWT is blanked out of its errors too', async () => {
    // Torus does not document the token's format: the hook's own token is scrubbed by value.
    const opaque = 'sess_4f1c9e2a7b3d';
    const error = await exportError(() => runHook('read t; echo "rejected $t" >&2; exit 2', opaque, 10_000));
    expect(error.message).toBe('The token hook exited with status 2: rejected [redacted].');
  });

  it('a very long error line is cut short', async () => {
    const error = await exportError(() => runHook(`printf '%0500d\\n' 0 >&2; exit 1`, TOKEN, 10_000));
    expect(error.message).toBe(`The token hook exited with status 1: ${'0'.repeat(200)}.`);
  });

  it('a hook that hangs is stopped at its time limit, with everything it started', async () => {
    const pidFile = join(dir.path, 'pid');
    const error = await exportError(() => runHook(`sleep 30 & echo $! > '${pidFile}'; wait`, TOKEN, 1_000));
    expect(error.message).toBe('The token hook did not finish within 1 s and was stopped.');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await expect.poll(() => processAlive(pid)).toBe(false);
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
