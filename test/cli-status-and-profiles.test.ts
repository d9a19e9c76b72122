import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { PassThrough } from 'node:stream';
import { runCli } from '../main/cli/program.js';
import type { CliIo } from '../main/cli/io.js';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { formatInstant } from '../main/cli/format.js';
import { fingerprint } from '../main/core/domain/redact.js';
import type { Profile, TokenMeta } from '../main/core/domain/settings-schema.js';
import { EXIT } from '../main/core/errors.js';
import { tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/**
 * What a trader reads from `status`, `profiles`, `get`, `wait` and `logout`, line by line, with the
 * facts set up directly in the real settings file and keychain. In-process (the spawned-CLI
 * tests run the same commands end to end against the simulator).
 */
const MIN = 60_000;
const HOUR = 60 * MIN;

let dir: ReturnType<typeof tempDir>;
let core: Core;
const ids: string[] = [];

beforeEach(async () => {
  dir = tempDir('torus-cli-status');
  core = await createCore({ configDir: dir.path });
});
afterEach(async () => {
  for (const id of ids.splice(0)) await core.vault.deleteProfile(id);
  dir.remove();
});

async function cli(argv: string[], stdinText?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  const io: CliIo = { stdin, stdout, stderr, env: { TORUS_TOKEN_CONFIG_DIR: dir.path } };
  const code = await runCli(argv, io);
  return { code, stdout: out, stderr: err };
}

async function addProfile(name: string, over: Partial<Profile> = {}): Promise<string> {
  const id = uniqueProfileId(name.toLowerCase());
  ids.push(id);
  await core.settings.update((d) => {
    d.profiles.push({
      id,
      name,
      mode: 'request-token',
      baseUrl: 'https://connects.torusdigital.com',
      totpBaseUrl: 'https://oapi-cug.torusdigital.com',
      export: { filePath: null, hookCommand: null },
      readyBy: '08:45',
      signInAtReadyBy: false,
      redirectOrigin: null,
      ...over,
    });
    d.activeProfileId ??= id;
  });
  return id;
}

async function holdToken(id: string, issuedAt: number, expiresAt: number, source: TokenMeta['expirySource'] = 'jwt'): Promise<TokenMeta> {
  const token = `token-${id}`;
  const meta: TokenMeta = {
    issuedAt,
    expiresAt,
    expirySource: source,
    jwtExpiresAt: source === 'jwt' ? expiresAt : null,
    source: 'request-token',
    fingerprint: fingerprint(token),
    exportRetracted: false,
  };
  await core.vault.setToken(id, token, meta);
  await core.settings.update((d) => void (d.tokens[id] = meta));
  return meta;
}

describe('status, as a trader reads it', () => {
  it('every fact about a profile with a token, a later failure, a refusal and an export problem, one per line', async () => {
    const id = await addProfile('Main');
    await core.vault.set(id, 'apiKey', 'k');
    await core.vault.set(id, 'apiSecret', 's');
    const now = Date.now();
    const meta = await holdToken(id, now - 2 * HOUR, now + 5 * HOUR);
    const failedAt = now - HOUR;
    await core.settings.update((d) => {
      d.history[id] = [
        { at: failedAt, reason: 'manual', outcome: 'network', message: 'Torus could not be reached.', latencyMs: 5, needsSignIn: false, retryAt: null },
      ];
      d.refusals[id] = { credentialSet: '0123456789abcdef', at: failedAt, message: 'No.', needsSignIn: false };
      d.exportIssues[id] = { at: failedAt, message: 'Could not write the token file /x (EACCES).' };
    });
    const { code, stdout, stderr } = await cli(['status']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([
      `Profile:  Main (${id}) [active]`,
      'Mode:     request-token',
      'Base URL: https://connects.torusdigital.com',
      'Status:   fresh',
      `Issued:   ${formatInstant(meta.issuedAt)} (2 h 0 min ago)`,
      `Expires:  ${formatInstant(meta.expiresAt)} (in 5 h 0 min, from the token)`,
      `Token:    fingerprint ${meta.fingerprint}`,
      `Last error (${formatInstant(failedAt)}): Torus could not be reached.`,
      'Refused:  Torus refused these credentials; they are not sent again until they change.',
      'Export:   Could not write the token file /x (EACCES).',
      'Ready by: 08:45 (Asia/Kolkata)',
      'Keychain: apiKey, apiSecret',
      '',
    ]);
    expect(stdout).not.toContain(`token-${id}`);
  });

  it('a TOTP profile without a token or secrets: its TOTP server, no token lines, nothing saved', async () => {
    await addProfile('Main');
    const algo = await addProfile('Algo', { mode: 'totp', readyBy: '09:15' });
    const { stdout } = await cli(['status', '--profile', 'algo']);
    expect(stdout.split('\n')).toEqual([
      `Profile:  Algo (${algo})`,
      'Mode:     totp',
      'Base URL: https://oapi-cug.torusdigital.com',
      'Status:   none',
      'Ready by: 09:15 (Asia/Kolkata)',
      'Keychain: nothing saved',
      '',
    ]);
  });

  it('a TOTP token is refreshed by the app before it expires: when, is said', async () => {
    const id = await addProfile('Algo', { mode: 'totp' });
    const now = Date.now();
    const meta = await holdToken(id, now - HOUR, now + 5 * HOUR);
    const next = (await cli(['status'])).stdout.split('\n').find((line) => line.startsWith('Next:'));
    expect(next).toBe(`Next:     automatic refresh ${formatInstant(meta.expiresAt - 30 * MIN)} (in 4 h 30 min, while the app runs)`);
  });

  it('a token that expires at the daily cutoff says so', async () => {
    const id = await addProfile('Main');
    const now = Date.now();
    await holdToken(id, now - HOUR, now + 3 * HOUR, 'daily-cutoff');
    expect((await cli(['status'])).stdout).toContain('from the daily cutoff)');
  });

  it('--json: the documented fields, the last error without its retry time, and no token', async () => {
    const id = await addProfile('Main');
    await core.vault.set(id, 'totpSecret', 'JBSWY3DPEHPK3PXP');
    const meta = await holdToken(id, 1_000, 2_000); // long expired
    await core.settings.update((d) => {
      d.history[id] = [{ at: 1_500, reason: 'cli', outcome: 'rejected', message: 'Sign in again.', latencyMs: 5, needsSignIn: true, retryAt: 9 }];
    });
    const { stdout } = await cli(['status', '--json']);
    expect(JSON.parse(stdout)).toEqual({
      profile: {
        id,
        name: 'Main',
        mode: 'request-token',
        baseUrl: 'https://connects.torusdigital.com',
        totpBaseUrl: 'https://oapi-cug.torusdigital.com',
        readyBy: '08:45',
      },
      status: 'needs-sign-in',
      token: { issuedAt: 1_000, expiresAt: 2_000, expirySource: 'jwt', source: 'request-token', fingerprint: meta.fingerprint },
      lastError: { kind: 'rejected', message: 'Sign in again.', at: 1_500, needsSignIn: true },
      refused: false,
      exportProblem: null,
      nextRefreshAt: null,
      credentials: { apiKey: false, apiSecret: false, requestToken: false, totpSecret: true },
    });
  });
});

describe('profiles', () => {
  it('one line each: the active one starred, id, name, mode and status, tab-separated', async () => {
    const main = await addProfile('Main');
    const algo = await addProfile('Algo', { mode: 'totp' });
    const now = Date.now();
    await holdToken(algo, now - HOUR, now + 5 * HOUR);
    const { stdout } = await cli(['profiles']);
    expect(stdout).toBe(`* ${main}\tMain\trequest-token\tnone\n  ${algo}\tAlgo\ttotp\tfresh\n`);
    const json = await cli(['profiles', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { id: main, name: 'Main', mode: 'request-token', active: true, status: 'none' },
      { id: algo, name: 'Algo', mode: 'totp', active: false, status: 'fresh' },
    ]);
  });

  it('--use makes another one active and says so', async () => {
    await addProfile('Main');
    const algo = await addProfile('Algo');
    const { code, stdout, stderr } = await cli(['profiles', '--use', 'ALGO']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toBe('Active profile is now "Algo".\n');
    expect(stdout.split('\n')[1]).toBe(`* ${algo}\tAlgo\trequest-token\tnone`);
    expect(core.settings.read().activeProfileId).toBe(algo);
  });

  it('none yet: says how to add one, on stderr; --json is an empty list', async () => {
    expect(await cli(['profiles'])).toEqual({ code: EXIT.ok, stdout: '', stderr: 'No profiles yet. Run "torus-token login" to add one.\n' });
    expect((await cli(['profiles', '--json'])).stdout).toBe('[]\n');
  });
});

describe('get and wait without a usable token', () => {
  it('no token yet, or an expired one: exit 3 with what to run', async () => {
    const id = await addProfile('Main');
    expect(await cli(['get'])).toEqual({
      code: EXIT.notConfigured,
      stdout: '',
      stderr: 'torus-token: No access token for "Main" yet. Run "torus-token refresh".\n',
    });
    const meta = await holdToken(id, 1_000, 2_000);
    expect((await cli(['get'])).stderr).toBe(
      `torus-token: The token for "Main" expired at ${formatInstant(meta.expiresAt)}. Run "torus-token refresh", or use --refresh-if-stale.\n`,
    );
  });

  it('get --json gives the token, its expiry and the profile', async () => {
    const id = await addProfile('Main');
    const now = Date.now();
    const meta = await holdToken(id, now - HOUR, now + HOUR);
    expect((await cli(['get', '--json'])).stdout).toBe(`${JSON.stringify({ token: `token-${id}`, expiresAt: meta.expiresAt, profile: id })}\n`);
  });

  it('wait gives up at its time limit with the reason; a bad limit is a usage error', async () => {
    expect(await cli(['wait', '--timeout', '0'])).toEqual({
      code: EXIT.notConfigured,
      stdout: '',
      stderr:
        'torus-token: No usable token after waiting 0 s: No profile is set up yet. Run "torus-token login" or open the app to add your Torus credentials.\n',
    });
    await addProfile('Main');
    expect((await cli(['wait', '--timeout', '0'])).stderr).toBe(
      'torus-token: No usable token after waiting 0 s: there is no access token for "Main" yet. Sign in to Torus (app: Sign in; CLI: "torus-token request-token"), or run "torus-token refresh".\n',
    );
    for (const bad of ['soon', ' ']) {
      expect(await cli(['wait', '--timeout', bad])).toEqual({
        code: EXIT.usage,
        stdout: '',
        stderr: `torus-token: wait --timeout must be a number of seconds, 0 or more (got "${bad}").\n`,
      });
    }
  });

  it('wait prints a usable token at once', async () => {
    const id = await addProfile('Main');
    const now = Date.now();
    await holdToken(id, now - HOUR, now + HOUR);
    expect(await cli(['wait', '--timeout', '5'])).toEqual({ code: EXIT.ok, stdout: `token-${id}\n`, stderr: '' });
  });
});

describe('login and logout', () => {
  it('login with no terminal and no --stdin says how to send the values', async () => {
    expect((await cli(['login'])).stderr).toBe(
      'torus-token: No terminal to prompt on. Pass --stdin and send the API key, API secret and request token as three lines.\n',
    );
    expect((await cli(['login', '--mode', 'totp'])).stderr).toBe(
      'torus-token: No terminal to prompt on. Pass --stdin and send the API key, API secret and TOTP secret as three lines.\n',
    );
  });

  it('logout says what it removed; --remove-profile also deletes the profile', async () => {
    const main = await addProfile('Main');
    await addProfile('Algo');
    await core.vault.set(main, 'apiKey', 'k');
    expect(await cli(['logout', '--profile', 'main'])).toEqual({
      code: EXIT.ok,
      stdout: '',
      stderr: 'Removed the credentials and token of "Main" from the keychain.\n',
    });
    expect(await core.vault.get(main, 'apiKey')).toBeNull();
    expect(core.settings.read().profiles.map((p) => p.name)).toEqual(['Main', 'Algo']);
    expect((await cli(['logout', '--profile', 'main', '--remove-profile'])).stderr).toBe(
      'Removed the credentials and token of "Main" from the keychain and deleted the profile.\n',
    );
    expect(core.settings.read().profiles.map((p) => p.name)).toEqual(['Algo']);
  });
});
