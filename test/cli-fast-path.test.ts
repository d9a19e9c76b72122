import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { EXIT } from '../main/core/errors.js';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { fingerprint } from '../main/core/domain/redact.js';
import type { TokenMeta } from '../main/core/domain/settings-schema.js';
import { SETTINGS_VERSION } from '../main/core/domain/settings-schema.js';
import type { CliIo } from '../main/cli/io.js';
import { runCli } from '../main/cli/program.js';
import { runTorusToken } from '../main/cli/entry.js';
import { tryFastPath } from '../main/cli/fast/fast-path.js';
import { parseQuickRequest } from '../main/cli/fast/request.js';
import { QUICK_SETTINGS_VERSION } from '../main/cli/fast/quick-settings.js';
import { buildNpmCli } from '../scripts/build-cli.mjs';
import { tempDir } from './helpers/core-fixtures.js';

/**
 * `get`, `exec` and `wait` answer from a fast path (one file read, one keychain read) when a
 * valid token is stored, and from the full CLI otherwise. A bot must not be able to tell which
 * one answered: for each case, the CLI as shipped (fast path, then full CLI) and the full CLI
 * alone give the same stdout, stderr and exit code, on the real keychain.
 */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let config: { path: string; remove: () => void };
let service: string;
let core: Core;
const HOUR = 3_600_000;

function io(extraEnv: NodeJS.ProcessEnv = {}): { io: CliIo; out: () => { stdout: string; stderr: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const env = {
    ...process.env,
    TORUS_TOKEN_CONFIG_DIR: config.path,
    TORUS_TOKEN_KEYCHAIN_SERVICE: service,
    TORUS_BASE_URL: '',
    TORUS_TOTP_BASE_URL: '',
    ...extraEnv,
  };
  return { io: { stdin: Readable.from([]), stdout, stderr, env }, out: () => ({ stdout: out, stderr: err }) };
}

async function shipped(argv: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const { io: streams, out } = io(env);
  const code = await runTorusToken(argv, streams);
  return { code, ...out() };
}

async function fullOnly(argv: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const { io: streams, out } = io(env);
  const code = await runCli(argv, streams);
  return { code, ...out() };
}

/** Whether the fast path answered by itself (it writes nothing when it declines). */
async function fastAnswers(argv: string[], env?: NodeJS.ProcessEnv): Promise<boolean> {
  const { io: streams, out } = io(env);
  const code = await tryFastPath(argv, streams);
  if (code === null) expect(out()).toEqual({ stdout: '', stderr: '' });
  return code !== null;
}

async function expectSameAnswer(argv: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const full = await fullOnly(argv, env);
  const fast = await shipped(argv, env);
  expect(fast).toEqual(full);
  return fast;
}

function meta(token: string, expiresAt: number): TokenMeta {
  return {
    issuedAt: Date.now() - HOUR,
    expiresAt,
    expirySource: 'daily-cutoff',
    jwtExpiresAt: null,
    source: 'request-token',
    fingerprint: fingerprint(token),
    exportRetracted: false,
  };
}

async function addTraderProfile(name = 'Trader One'): Promise<string> {
  let id = '';
  await core.settings.update((draft) => {
    id = addProfile(draft, { name }).id;
  });
  return id;
}

/** Stores a token as a refresh does: the keychain item with its expiry, and the settings' record. */
async function storeToken(id: string, expiresAt: number, token = `tok-${randomBytes(12).toString('hex')}`): Promise<string> {
  await core.vault.setToken(id, token, meta(token, expiresAt));
  await core.settings.update((draft) => {
    draft.tokens[id] = meta(token, expiresAt);
  });
  return token;
}

beforeAll(() => {
  service = `Torus Token fast-path test ${randomBytes(4).toString('hex')}`;
});
beforeEach(async () => {
  config = tempDir('torus-fast-path');
  core = await createCore({ configDir: config.path, keychainService: service });
  return async () => {
    for (const profile of core.settings.read().profiles) await core.vault.deleteProfile(profile.id);
    config.remove();
  };
});

describe('fast path: a valid token is answered at once, exactly as the full CLI answers', () => {
  it('get, get --json, --refresh-if-stale, by name or id, with global options before or after the command', async () => {
    const id = await addTraderProfile();
    const expiresAt = Date.now() + 8 * HOUR;
    const token = await storeToken(id, expiresAt);
    const cases = [
      ['get'],
      ['get', '--json'],
      ['get', '--refresh-if-stale'],
      ['get', '--profile', 'trader one'],
      ['get', `--profile=${id}`, '--json'],
      ['get', '-p', 'TRADER ONE', '--refresh-if-stale', '--json'],
      ['--timeout', '5', 'get', '--yes'],
      ['get', '--base-url', 'https://connects.torusdigital.com', '--timeout', '30'],
      ['wait', '--profile', id],
    ];
    for (const argv of cases) {
      expect(await fastAnswers(argv), argv.join(' ')).toBe(true);
      const run = await expectSameAnswer(argv);
      expect(run.code, argv.join(' ')).toBe(EXIT.ok);
      expect(run.stderr).toBe('');
      if (argv.includes('--json')) expect(JSON.parse(run.stdout)).toEqual({ token, expiresAt, profile: id });
      else expect(run.stdout).toBe(`${token}\n`);
    }
  });

  it('the warning about a base URL that is not Torus is given by both', async () => {
    const id = await addTraderProfile();
    await storeToken(id, Date.now() + HOUR);
    const env = { TORUS_BASE_URL: 'https://collector.example' };
    expect(await fastAnswers(['get'], env)).toBe(true);
    const run = await expectSameAnswer(['get'], env);
    expect(run.stderr).toBe('torus-token: warning: using https://collector.example, which is not a Torus server; credentials are sent there.\n');
    const viaFlag = await expectSameAnswer(['get', '--totp-base-url', 'http://10.0.0.1:8080']);
    expect(viaFlag.stderr).toContain('http://10.0.0.1:8080, which is not a Torus server');
  });

  it('exec hands the token to the command and exits with its status; a missing command is exit 2 with the same words', async () => {
    const id = await addTraderProfile();
    const token = await storeToken(id, Date.now() + HOUR);
    const seen = join(config.path, 'seen.txt');
    const child = ['exec', '--', process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], process.env.TORUS_ACCESS_TOKEN); process.exit(7)', seen];
    expect(await fastAnswers(['exec', '--profile', id, '--', process.execPath, '-e', 'process.exit(0)'])).toBe(true);
    const fast = await shipped(child);
    expect(fast).toEqual({ code: 7, stdout: '', stderr: '' });
    expect(readFileSync(seen, 'utf8')).toBe(token);
    writeFileSync(seen, '');
    expect(await fullOnly(child)).toEqual(fast);
    expect(readFileSync(seen, 'utf8')).toBe(token);

    const missing = await expectSameAnswer(['exec', 'torus-no-such-command-here']);
    expect(missing).toEqual({ code: EXIT.usage, stdout: '', stderr: 'torus-token: Command not found: torus-no-such-command-here\n' });
  });
});

describe('fast path: everything else goes to the full CLI, with the same answer', () => {
  it('no settings file, no profile, an unknown profile, no token', async () => {
    expect(await fastAnswers(['get'])).toBe(false);
    expect((await expectSameAnswer(['get'])).code).toBe(EXIT.notConfigured);
    const id = await addTraderProfile();
    for (const argv of [['get'], ['get', '--profile', 'nobody'], ['get', '--json'], ['exec', '--', 'true'], ['wait', '-p', id]]) {
      expect(await fastAnswers(argv), argv.join(' ')).toBe(false);
    }
    expect((await expectSameAnswer(['get'])).stderr).toContain('No access token for "Trader One" yet');
    expect((await expectSameAnswer(['get', '--profile', 'nobody'])).stderr).toContain('There is no profile named "nobody"');
  });

  it('an expired token (by the keychain item, or by the settings record of this very token), and a legacy item', async () => {
    const id = await addTraderProfile();
    await storeToken(id, Date.now() - HOUR);
    expect(await fastAnswers(['get'])).toBe(false);
    const expired = await expectSameAnswer(['get']);
    expect(expired.code).toBe(EXIT.notConfigured);
    expect(expired.stderr).toMatch(/^torus-token: The token for "Trader One" expired at .+--refresh-if-stale\.\n$/);

    // The keychain says valid, but the settings' record of the same token says expired: expired.
    const token = `tok-${randomBytes(8).toString('hex')}`;
    await core.vault.setToken(id, token, meta(token, Date.now() + HOUR));
    await core.settings.update((draft) => {
      draft.tokens[id] = meta(token, Date.now() - 60_000);
    });
    expect(await fastAnswers(['get'])).toBe(false);
    expect((await expectSameAnswer(['get'])).code).toBe(EXIT.notConfigured);

    // A record of another (older) token does not count: the keychain item's own expiry does.
    await core.settings.update((draft) => {
      draft.tokens[id] = { ...meta('an-older-token', Date.now() - 60_000) };
    });
    expect(await fastAnswers(['get'])).toBe(true);
    expect(await expectSameAnswer(['get'])).toEqual({ code: EXIT.ok, stdout: `${token}\n`, stderr: '' });

    // A raw token written by an older version carries no expiry of its own.
    await core.vault.set(id, 'accessToken', 'legacy-raw-token');
    await core.settings.update((draft) => {
      delete draft.tokens[id];
    });
    expect(await fastAnswers(['get'])).toBe(false);
    expect((await expectSameAnswer(['get'])).code).toBe(EXIT.notConfigured);
  });

  it('a damaged, older or newer settings file is left to the full CLI, which repairs and reports it', async () => {
    const id = await addTraderProfile();
    await storeToken(id, Date.now() + HOUR);
    const file = join(config.path, 'config.json');
    const good = readFileSync(file, 'utf8');
    const variants = [
      '{"profiles": [ not json',
      good.replace(`"schemaVersion": ${SETTINGS_VERSION}`, '"schemaVersion": 1'),
      good.replace(`"schemaVersion": ${SETTINGS_VERSION}`, `"schemaVersion": ${SETTINGS_VERSION + 1}`),
      good.replace(/"fingerprint": "[0-9a-f]{8}"/, '"fingerprint": "NOT-HEX"'),
      good.replace(`"id": "${id}"`, '"id": "Not An Id"'),
    ];
    for (const text of variants) {
      writeFileSync(file, text);
      expect(await fastAnswers(['get']), text.slice(0, 60)).toBe(false);
    }
    // The full CLI's answer (a warning about the damaged file) is what the shipped CLI gives.
    writeFileSync(file, '{"profiles": [ not json');
    const damaged = await shipped(['get']);
    expect(damaged.code).toBe(EXIT.notConfigured);
    expect(damaged.stderr).toContain('damaged');
  });

  it('help, --debug, a bad --timeout, extra arguments, repeated or unknown options', async () => {
    const id = await addTraderProfile();
    await storeToken(id, Date.now() + HOUR);
    const cases: Array<[string[], number]> = [
      [['get', '--debug'], EXIT.ok],
      [['get', '--timeout', '0'], EXIT.usage],
      [['get', '--timeout', 'soon'], EXIT.usage],
      [['get', 'extra'], EXIT.usage],
      [['get', '--colour'], EXIT.usage],
      [['get', '-p', id, '-p', id], EXIT.ok],
      [['get', '--help'], EXIT.ok],
      [['--profile', id, 'get'], EXIT.usage],
      [['exec'], EXIT.usage],
    ];
    for (const [argv, code] of cases) {
      expect(await fastAnswers(argv), argv.join(' ')).toBe(false);
      expect((await expectSameAnswer(argv)).code, argv.join(' ')).toBe(code);
    }
  });
});

describe('fast path: what it reads and loads', () => {
  it('its small validator expects the settings version the schema writes', () => {
    expect(QUICK_SETTINGS_VERSION).toBe(SETTINGS_VERSION);
  });

  it('parses only the command lines it can answer exactly', () => {
    expect(parseQuickRequest(['get', '-p', 'x', '--json'])).toEqual({ command: 'get', profile: 'x', json: true, refreshIfStale: false, globals: {} });
    expect(parseQuickRequest(['--base-url', 'https://a.example', 'exec', '--profile=x', 'python', 'bot.py', '--json'])).toEqual({
      command: 'exec',
      profile: 'x',
      argv: ['python', 'bot.py', '--json'],
      globals: { baseUrl: 'https://a.example' },
    });
    expect(parseQuickRequest(['exec', '--', '--weird-name'])).toMatchObject({ argv: ['--weird-name'] });
    // `wait --timeout` is how long to wait (the full CLI's business), not the per-call timeout.
    expect(parseQuickRequest(['wait', '--timeout', '60'])).toBeNull();
    expect(parseQuickRequest(['get', '--profile'])).toBeNull();
    expect(parseQuickRequest(['get', '--profile', '--json'])).toBeNull();
    expect(parseQuickRequest(['status'])).toBeNull();
  });

  it('the npm CLI entry holds neither the command parser, nor the schema library, nor the HTTP client: they load only when needed', async () => {
    const out = tempDir('torus-cli-bundle');
    try {
      const { entry, full } = await buildNpmCli({ outdir: join(out.path, 'cli') });
      const modulesOf = (result: typeof entry) => Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
      const eager = modulesOf(entry);
      const heavy = /node_modules\/(commander|zod|conf|ajv)\/|main\/core\/infra\/(session-client|settings-file)\.ts|settings-schema\.ts|main\/cli\/program\.ts/;
      expect(eager.filter((input) => heavy.test(input))).toEqual([]);
      expect(eager).toContain('main/cli/fast/fast-path.ts');
      // The entry reaches the full CLI only through a require() made when it is needed.
      const imports = Object.values(entry.metafile.outputs).flatMap((output) => output.imports);
      expect(imports.filter((i) => i.path.includes('torus-token-full')).map((i) => i.kind)).toEqual(['dynamic-import']);
      // The check has teeth: the full CLI does hold them.
      const lazy = modulesOf(full);
      for (const module of ['node_modules/commander/', 'node_modules/zod/', 'main/core/infra/session-client.ts']) {
        expect(
          lazy.some((input) => input.includes(module)),
          module,
        ).toBe(true);
      }
      const entryBytes = Object.values(entry.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
      // `npm run mutation` builds from Stryker's instrumented sources (every mutant in one
      // bundle): that build is larger by design, and the budget is for the shipped one.
      const instrumented = readFileSync(join(out.path, 'cli', 'torus-token.cjs'), 'utf8').includes('stryMutAct_9fa48');
      if (!instrumented) expect(entryBytes).toBeLessThan(64 * 1024);
    } finally {
      out.remove();
    }
  });
});
