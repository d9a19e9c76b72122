import { describe, it, expect } from 'vitest';
import {
  HISTORY_LIMIT,
  MAX_PROFILES,
  SETTINGS_VERSION,
  defaultSettings,
  describeIssues,
  hhmmSchema,
  migrate,
  profileIdSchema,
  settingsSchema,
  type Settings,
} from '../main/core/domain/settings-schema.js';
import { DEFAULT_BASE_URL, DEFAULT_TOTP_BASE_URL } from '../main/core/domain/base-url.js';

/**
 * What the settings file may hold, field by field, at the edges of each range: the file is
 * shared with hand edits and other versions, so every value is checked when read and before
 * it is written, and a problem is described in words a trader can act on.
 */
const profile = (over: Record<string, unknown> = {}) => ({ id: 'main', name: 'Main', ...over });
const token = (over: Record<string, unknown> = {}) => ({
  issuedAt: 1,
  expiresAt: 2,
  expirySource: 'jwt',
  source: 'totp',
  fingerprint: '0123abcd',
  ...over,
});
const attempt = (over: Record<string, unknown> = {}) => ({ at: 1, reason: 'manual', outcome: 'success', message: 'Refreshed.', latencyMs: 5, ...over });

/** The problem the schema reports for `raw`, or null when it is valid. */
function problem(raw: Record<string, unknown>): string | null {
  const parsed = settingsSchema.safeParse(raw);
  return parsed.success ? null : describeIssues(parsed.error);
}

describe('defaults: an empty file is a valid first run', () => {
  it('every field has its documented default', () => {
    expect(defaultSettings()).toEqual({
      schemaVersion: SETTINGS_VERSION,
      activeProfileId: null,
      profiles: [],
      refresh: { atLogin: true, cutoffTime: '06:00', cutoffZone: 'Asia/Kolkata', timeoutSeconds: 15, marginMinutes: 30 },
      clipboard: { autoClearSeconds: 30 },
      app: { startAtLogin: false, copyShortcut: null },
      hookTimeoutSeconds: 10,
      tokens: {},
      history: {},
      refusals: {},
      exportIssues: {},
    });
  });

  it('a profile needs only an id and a name', () => {
    expect(settingsSchema.parse({ profiles: [profile({ name: '  Main  ' })] }).profiles[0]).toEqual({
      id: 'main',
      name: 'Main',
      mode: 'request-token',
      baseUrl: DEFAULT_BASE_URL,
      totpBaseUrl: DEFAULT_TOTP_BASE_URL,
      export: { filePath: null, hookCommand: null },
      readyBy: '08:45',
      signInAtReadyBy: false,
      redirectOrigin: null,
    });
    expect(settingsSchema.parse({ tokens: { main: token() } }).tokens.main).toMatchObject({ jwtExpiresAt: null, exportRetracted: false });
    expect(settingsSchema.parse({ history: { main: [attempt()] } }).history.main![0]).toMatchObject({ needsSignIn: false, retryAt: null });
  });
});

describe('each value at the edges of its range', () => {
  it.each([
    ['00:00', true],
    ['23:59', true],
    ['09:05', true],
    ['24:00', false],
    ['9:05', false],
    ['09:60', false],
    ['09:5', false],
    ['x09:05', false],
    ['09:05x', false],
  ])('HH:MM %s → %s', (value, ok) => {
    expect(hhmmSchema.safeParse(value).success).toBe(ok);
  });

  it.each([
    ['main', true],
    ['a', true],
    ['0-day', true],
    [`a${'b'.repeat(39)}`, true],
    [`a${'b'.repeat(40)}`, false],
    ['-main', false],
    ['Main', false],
    ['main_x', false],
    ['', false],
    ['x main', false],
    ['main x', false],
  ])('profile id %j → %s', (value, ok) => {
    expect(profileIdSchema.safeParse(value).success).toBe(ok);
  });

  it.each([
    [{ refresh: { timeoutSeconds: 1 } }, null],
    [{ refresh: { timeoutSeconds: 120 } }, null],
    [{ refresh: { timeoutSeconds: 0 } }, 'refresh.timeoutSeconds'],
    [{ refresh: { timeoutSeconds: 121 } }, 'refresh.timeoutSeconds'],
    [{ refresh: { timeoutSeconds: 1.5 } }, 'refresh.timeoutSeconds'],
    [{ refresh: { marginMinutes: 1 } }, null],
    [{ refresh: { marginMinutes: 720 } }, null],
    [{ refresh: { marginMinutes: 0 } }, 'refresh.marginMinutes'],
    [{ refresh: { marginMinutes: 721 } }, 'refresh.marginMinutes'],
    [{ refresh: { cutoffZone: 'Europe/London' } }, null],
    [{ refresh: { cutoffZone: 'Mars/Base' } }, 'refresh.cutoffZone must be an IANA time zone such as Asia/Kolkata'],
    [{ refresh: { cutoffTime: '25:00' } }, 'refresh.cutoffTime must be HH:MM (24-hour)'],
    [{ clipboard: { autoClearSeconds: 0 } }, null],
    [{ clipboard: { autoClearSeconds: 3600 } }, null],
    [{ clipboard: { autoClearSeconds: -1 } }, 'clipboard.autoClearSeconds'],
    [{ clipboard: { autoClearSeconds: 3601 } }, 'clipboard.autoClearSeconds'],
    [{ hookTimeoutSeconds: 1 }, null],
    [{ hookTimeoutSeconds: 300 }, null],
    [{ hookTimeoutSeconds: 0 }, 'hookTimeoutSeconds'],
    [{ hookTimeoutSeconds: 301 }, 'hookTimeoutSeconds'],
    [{ app: { copyShortcut: 'x'.repeat(60) } }, null],
    [{ app: { copyShortcut: 'x'.repeat(61) } }, 'app.copyShortcut'],
    [{ profiles: [profile({ name: 'x'.repeat(40) })] }, null],
    [{ profiles: [profile({ name: 'x'.repeat(41) })] }, 'profiles.0.name must be at most 40 characters'],
    [{ profiles: [profile({ name: '   ' })] }, 'profiles.0.name must not be empty'],
    [{ profiles: [profile({ id: 'Main' })] }, 'profiles.0.id must be lower-case letters, digits and dashes'],
    [{ profiles: [profile({ mode: 'password' })] }, 'profiles.0.mode'],
    [{ profiles: [profile({ baseUrl: 'http://example.com' })] }, 'profiles.0.baseUrl must be an https:// URL (http only for loopback)'],
    [{ profiles: [profile({ totpBaseUrl: 'http://127.0.0.1:9' })] }, null],
    [{ profiles: [profile({ readyBy: '8:45' })] }, 'profiles.0.readyBy must be HH:MM (24-hour)'],
    [{ profiles: [profile({ redirectOrigin: 'https://trader.example' })] }, null],
    [
      { profiles: [profile({ redirectOrigin: 'https://trader.example/cb' })] },
      'profiles.0.redirectOrigin must be an http(s) origin such as https://example.com',
    ],
    [{ profiles: [profile({ redirectOrigin: `https://${'a'.repeat(510)}.x` })] }, 'profiles.0.redirectOrigin'],
    [{ profiles: [profile({ export: { filePath: '/t', hookCommand: 'cat' } })] }, null],
    [{ profiles: [profile({ export: { filePath: '' } })] }, 'profiles.0.export.filePath'],
    [{ profiles: [profile({ export: { filePath: `/${'a'.repeat(1024)}` } })] }, 'profiles.0.export.filePath'],
    [{ profiles: [profile({ export: { hookCommand: 'x'.repeat(2048) } })] }, null],
    [{ profiles: [profile({ export: { hookCommand: 'x'.repeat(2049) } })] }, 'profiles.0.export.hookCommand'],
    [{ profiles: Array.from({ length: MAX_PROFILES }, (_, n) => profile({ id: `p${n}` })) }, null],
    [{ profiles: Array.from({ length: MAX_PROFILES + 1 }, (_, n) => profile({ id: `p${n}` })) }, 'profiles'],
    [{ activeProfileId: 'Main' }, 'activeProfileId'],
    [{ tokens: { main: token({ fingerprint: '0123ABCD' }) } }, 'tokens.main.fingerprint'],
    [{ tokens: { main: token({ fingerprint: '0123abc' }) } }, 'tokens.main.fingerprint'],
    [{ tokens: { main: token({ issuedAt: -1 }) } }, 'tokens.main.issuedAt'],
    [{ tokens: { main: token({ expiresAt: 2.5 }) } }, 'tokens.main.expiresAt'],
    [{ tokens: { main: token({ expirySource: 'guess' }) } }, 'tokens.main.expirySource'],
    [{ tokens: { main: token({ source: 'password' }) } }, 'tokens.main.source'],
    [{ tokens: { 'Not An Id': token() } }, 'tokens.Not An Id'],
    [{ history: { main: Array.from({ length: HISTORY_LIMIT }, () => attempt()) } }, null],
    [{ history: { main: Array.from({ length: HISTORY_LIMIT + 1 }, () => attempt()) } }, 'history.main'],
    [{ history: { main: [attempt({ outcome: 'timeout' })] } }, null],
    [{ history: { main: [attempt({ outcome: 'maybe' })] } }, 'history.main.0.outcome'],
    [{ history: { main: [attempt({ reason: 'x'.repeat(41) })] } }, 'history.main.0.reason'],
    [{ history: { main: [attempt({ message: 'x'.repeat(601) })] } }, 'history.main.0.message'],
    [{ history: { main: [attempt({ message: 'x'.repeat(600) })] } }, null],
    [{ refusals: { main: { credentialSet: '0123456789abcdef', at: 1, message: 'No.', needsSignIn: true } } }, null],
    [{ refusals: { main: { credentialSet: '0123456789abcde', at: 1, message: 'No.', needsSignIn: true } } }, 'refusals.main.credentialSet'],
    [{ refusals: { main: { credentialSet: '0123456789abcdef', at: 1, message: 'x'.repeat(601), needsSignIn: true } } }, 'refusals.main.message'],
    [{ exportIssues: { main: { at: 1, message: 'x'.repeat(601) } } }, 'exportIssues.main.message'],
    [{ schemaVersion: 1 }, 'schemaVersion'],
  ] as Array<[Record<string, unknown>, string | null]>)('%o → %s', (raw, expected) => {
    const found = problem(raw);
    if (expected === null) expect(found).toBeNull();
    else expect(found).toContain(expected);
  });
});

describe('problems are described in words', () => {
  it('at most three, each with the path to the field', () => {
    const text = problem({ hookTimeoutSeconds: 0, refresh: { timeoutSeconds: 0, marginMinutes: 0, cutoffTime: 'x' } })!;
    expect(text.split('; ')).toHaveLength(3);
    expect(text).toBe(
      'refresh.cutoffTime must be HH:MM (24-hour); refresh.timeoutSeconds Too small: expected number to be >=1; refresh.marginMinutes Too small: expected number to be >=1',
    );
  });

  it('a problem with the whole file is "(root)"', () => {
    expect(problem([] as unknown as Record<string, unknown>)).toMatch(/^\(root\) /);
  });
});

describe('migrations', () => {
  it('a file of the current version is left exactly as it is', () => {
    const current = { ...defaultSettings(), custom: 1 } as unknown as Record<string, unknown>;
    expect(migrate(current)).toBe(current);
  });

  it('version 0 (no schemaVersion) becomes the current version, through every step', () => {
    const migrated = migrate({ refresh: { dailyRefreshTime: '08:00', atLogin: false } });
    expect(migrated).toEqual({ refresh: { atLogin: false }, tokens: {}, schemaVersion: SETTINGS_VERSION });
    expect(settingsSchema.parse(migrated).refresh.atLogin).toBe(false);
  });

  it("v1 → v2 keeps a JWT token's expiry as its own exp, and gives a daily-cutoff token none", () => {
    const migrated = migrate({
      schemaVersion: 1,
      tokens: { a: { expirySource: 'jwt', expiresAt: 7 }, b: { expirySource: 'daily-cutoff', expiresAt: 9 } },
    }) as Settings;
    expect(migrated.tokens).toEqual({
      a: { expirySource: 'jwt', expiresAt: 7, jwtExpiresAt: 7 },
      b: { expirySource: 'daily-cutoff', expiresAt: 9, jwtExpiresAt: null },
    });
    expect(migrated.schemaVersion).toBe(2);
  });

  it('a v1 file without refresh settings or tokens still migrates', () => {
    expect(migrate({ schemaVersion: 1 })).toEqual({ schemaVersion: 2, tokens: {} });
    expect(migrate({ schemaVersion: 1, refresh: null, tokens: null })).toEqual({ schemaVersion: 2, refresh: null, tokens: {} });
  });

  it('a version with no migration is an error (a file edited to a version that never existed)', () => {
    expect(() => migrate({ schemaVersion: -1 })).toThrow('no migration from settings version -1');
    expect(() => migrate({ schemaVersion: 1.5 })).toThrow('no migration from settings version 1.5');
  });
});
