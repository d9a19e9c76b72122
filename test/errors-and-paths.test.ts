import { describe, it, expect } from 'vitest';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { EXIT, ERROR_KINDS, TorusError, exitCodeFor, fileSystemError, fsErrorCode, isTransientKind, messages, toTorusError } from '../main/core/errors.js';
import { configDir } from '../main/core/paths.js';

/**
 * Two small contracts other programs rely on: the CLI's exit codes and error texts (scripts
 * branch on them), and where the settings live (the app's Electron `userData` folder, which
 * the CLI must find on its own).
 */
const errno = (code: string, path?: string) => Object.assign(new Error(`${code}: something, '${path ?? ''}'`), { code, ...(path ? { path } : {}) });

describe('exit codes, as documented for scripts', () => {
  const expected: Record<(typeof ERROR_KINDS)[number], number> = {
    rejected: 4,
    'rate-limited': 5,
    'server-error': 5,
    network: 5,
    timeout: 5,
    cancelled: 5,
    'export-failed': 5,
    'invalid-response': 7,
    'not-configured': 3,
    'keychain-unavailable': 6,
    'invalid-input': 2,
    filesystem: 8,
    unexpected: 1,
  };
  it.each(ERROR_KINDS.map((kind) => [kind, expected[kind]] as const))('%s exits with %i', (kind, code) => {
    expect(exitCodeFor(new TorusError(kind, 'x'))).toBe(code);
  });

  it('the named codes are the numbers the README lists', () => {
    expect(EXIT).toEqual({ ok: 0, unexpected: 1, usage: 2, notConfigured: 3, rejected: 4, transient: 5, keychain: 6, invalidResponse: 7, filesystem: 8 });
  });

  it('only the network, timeouts, Torus errors and rate limits are worth retrying by themselves', () => {
    expect(ERROR_KINDS.filter(isTransientKind)).toEqual(['rate-limited', 'server-error', 'network', 'timeout']);
    expect(isTransientKind(undefined)).toBe(false);
    expect(new TorusError('timeout', 'x').transient).toBe(true);
    expect(new TorusError('rejected', 'x').transient).toBe(false);
  });
});

describe('errors carry what callers need, and no more', () => {
  it('a TorusError keeps its kind, status, Torus message, sign-in need, wait and cause', () => {
    const cause = new Error('socket hang up');
    const error = new TorusError('rejected', 'Sign in again.', {
      status: 401,
      torusMessage: 'Token expired',
      needsSignIn: true,
      retryAfterSeconds: 5,
      retryAt: 99,
      cause,
    });
    expect(error).toMatchObject({
      name: 'TorusError',
      kind: 'rejected',
      message: 'Sign in again.',
      status: 401,
      torusMessage: 'Token expired',
      needsSignIn: true,
      retryAfterSeconds: 5,
      retryAt: 99,
    });
    expect(error.cause).toBe(cause);
    const plain = new TorusError('network', 'Offline.');
    expect(plain).toMatchObject({ needsSignIn: false, status: undefined, retryAt: undefined });
    expect('cause' in plain).toBe(false);
  });

  it('anything unknown becomes "unexpected" without its own text, which may hold a secret', () => {
    const wrapped = toTorusError(new Error('apiSecret=hunter2 was rejected'));
    expect(wrapped.kind).toBe('unexpected');
    expect(wrapped.message).toBe('Something unexpected went wrong. Try again; if it keeps failing, run with --debug and report it.');
    expect(toTorusError('a string').kind).toBe('unexpected');
    expect(toTorusError(null).kind).toBe('unexpected');
    const known = new TorusError('timeout', 'Slow.');
    expect(toTorusError(known)).toBe(known);
  });

  it('a file-system failure says what could not be done, where, and why in plain words', () => {
    expect(fileSystemError(errno('ENOSPC'), 'write the settings folder', '/home/a/.config/Torus Token', 'Free some space.').message).toBe(
      'Could not write the settings folder /home/a/.config/Torus Token: no space left on the device (ENOSPC). Free some space.',
    );
    expect(fileSystemError(errno('EROFS'), 'write', '/x').message).toBe('Could not write /x: the file system is read-only (EROFS).');
    expect(fileSystemError(errno('EXDEV'), 'move', '/x').message).toBe('Could not move /x: a file-system error (EXDEV).');
    expect(fileSystemError(new Error('odd'), 'read', '/x').message).toBe('Could not read /x: a file-system error (error).');
    expect(fileSystemError(errno('EIO'), 'read', '/x').kind).toBe('filesystem');
  });

  it('disk, quota, permission and path problems are file-system errors; others are not', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EISDIR', 'ENOTDIR']) expect(fsErrorCode(errno(code))).toBe(code);
    for (const value of [errno('ENOENT'), errno('ECONNREFUSED'), new Error('x'), null, undefined, 'ENOSPC']) expect(fsErrorCode(value)).toBeUndefined();
    expect(toTorusError(errno('EACCES', '/etc/torus/config.json')).message).toBe('Could not use /etc/torus/config.json: permission denied (EACCES).');
    expect(toTorusError(errno('EDQUOT')).message).toBe('Could not use a file: the disk quota is used up (EDQUOT).');
  });

  it('the shared messages name the next step', () => {
    expect(messages.notConfigured('API key', 'main')).toBe(
      'No API key saved for profile "main". Run "torus-token login --profile main" or open Settings in the app.',
    );
    expect(messages.keychainUnavailable('no D-Bus session')).toMatch(
      /^The system keychain is not available \(no D-Bus session\)\. On Linux install and unlock .* never stores secrets in plain text\.$/,
    );
  });
});

describe('the settings folder is the one the app uses', () => {
  const home = '/home/trader';
  it.each([
    ['linux', { HOME: home }, join(home, '.config', 'Torus Token')],
    ['linux', { HOME: home, XDG_CONFIG_HOME: '/xdg' }, join('/xdg', 'Torus Token')],
    ['linux', { HOME: home, XDG_CONFIG_HOME: '' }, join(home, '.config', 'Torus Token')],
    ['darwin', { HOME: home }, join(home, 'Library', 'Application Support', 'Torus Token')],
    ['win32', { HOME: home, APPDATA: 'C:\\Users\\t\\AppData\\Roaming' }, join('C:\\Users\\t\\AppData\\Roaming', 'Torus Token')],
    ['win32', { HOME: home }, join(home, 'AppData', 'Roaming', 'Torus Token')],
  ] as const)('%s with %o: %s', (platform, env, expected) => {
    expect(configDir(env, platform)).toBe(expected);
  });

  it('without HOME, the account home folder', () => {
    expect(configDir({ HOME: '' }, 'linux')).toBe(join(homedir(), '.config', 'Torus Token'));
    expect(configDir({}, 'linux')).toBe(join(homedir(), '.config', 'Torus Token'));
  });

  it('TORUS_TOKEN_CONFIG_DIR wins, trimmed and made absolute; a blank one is ignored', () => {
    expect(configDir({ HOME: home, TORUS_TOKEN_CONFIG_DIR: ' /srv/torus ' }, 'linux')).toBe('/srv/torus');
    expect(configDir({ HOME: home, TORUS_TOKEN_CONFIG_DIR: 'rel/dir' }, 'linux')).toBe(resolve('rel/dir'));
    expect(configDir({ HOME: home, TORUS_TOKEN_CONFIG_DIR: '   ' }, 'linux')).toBe(join(home, '.config', 'Torus Token'));
  });
});
