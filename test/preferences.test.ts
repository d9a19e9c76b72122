import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { checkPreferences, sensitivePreferenceChanges, updatePreferences } from '../main/core/use-cases/preferences.js';
import { TorusError } from '../main/core/errors.js';
import type { Profile, TokenMeta } from '../main/core/domain/settings-schema.js';
import { fingerprint } from '../main/core/domain/redact.js';
import { rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/**
 * App-wide preferences (Settings view, `torus-token settings set`): what each one changes, that a
 * bad patch changes nothing, and that a new daily cutoff moves the expiry of the tokens already
 * held, in the settings file and in the keychain copy that `get` trusts. Real settings file,
 * real (throwaway) keychain.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2025-01-15 06:30 IST (01:00 UTC). */
const ISSUED = Date.UTC(2025, 0, 15, 1, 0);
/** The default 06:00 IST cutoff after ISSUED: 2025-01-16 00:30 UTC. */
const NEXT_0600_IST = Date.UTC(2025, 0, 16, 0, 30);

let dir: ReturnType<typeof tempDir>;
let core: Core;
const profilesToClean: string[] = [];
const logs: string[] = [];

beforeEach(async () => {
  dir = tempDir('torus-preferences');
  logs.length = 0;
  core = await createCore({ configDir: dir.path, log: (line) => logs.push(line) });
});

afterEach(async () => {
  for (const id of profilesToClean.splice(0)) await core.vault.deleteProfile(id);
  dir.remove();
});

function meta(overrides: Partial<TokenMeta> = {}): TokenMeta {
  return {
    issuedAt: ISSUED,
    expiresAt: NEXT_0600_IST,
    expirySource: 'daily-cutoff',
    jwtExpiresAt: null,
    source: 'request-token',
    fingerprint: '0123abcd',
    exportRetracted: false,
    ...overrides,
  };
}

/** A profile holding a token issued at ISSUED, in the settings and in the keychain. */
async function profileWithToken(tokenMeta: TokenMeta, keychainMeta: TokenMeta | null = tokenMeta): Promise<string> {
  const id = uniqueProfileId('pref');
  profilesToClean.push(id);
  const profile: Profile = {
    id,
    name: id,
    mode: 'request-token',
    baseUrl: 'https://connects.torusdigital.com',
    totpBaseUrl: 'https://connects.torusdigital.com',
    export: { filePath: null, hookCommand: null },
    readyBy: '08:45',
    signInAtReadyBy: false,
    redirectOrigin: null,
  };
  await core.settings.update((d) => {
    d.profiles.push(profile);
    d.tokens[id] = { ...tokenMeta, fingerprint: fingerprint(`token-of-${id}`) };
  });
  if (keychainMeta) await core.vault.setToken(id, `token-of-${id}`, { ...keychainMeta, fingerprint: fingerprint(`token-of-${id}`) });
  else await core.vault.set(id, 'accessToken', `token-of-${id}`); // stored by an older version: no expiry beside it
  return id;
}

describe('saving preferences', () => {
  it('saves every preference as given and reports the change to every listener', async () => {
    const heard: Array<string | null> = [];
    core.onChange((id) => heard.push(id));
    const next = await updatePreferences(core, {
      refreshAtLogin: false,
      cutoffTime: '05:15',
      cutoffZone: 'Europe/London',
      timeoutSeconds: 42,
      marginMinutes: 12,
      clipboardAutoClearSeconds: 90,
      copyShortcut: '  CommandOrControl+Alt+T  ',
      startAtLogin: true,
      hookTimeoutSeconds: 7,
    });
    const saved = core.settings.read();
    expect(saved).toEqual(next);
    expect(saved.refresh).toEqual({ atLogin: false, cutoffTime: '05:15', cutoffZone: 'Europe/London', timeoutSeconds: 42, marginMinutes: 12 });
    expect(saved.clipboard.autoClearSeconds).toBe(90);
    expect(saved.app).toEqual({ startAtLogin: true, copyShortcut: 'CommandOrControl+Alt+T' });
    expect(saved.hookTimeoutSeconds).toBe(7);
    expect(heard).toEqual([null]);
  });

  it('a patch that names one preference leaves every other one as it was', async () => {
    await updatePreferences(core, { timeoutSeconds: 42, copyShortcut: 'Alt+T', startAtLogin: true });
    const before = core.settings.read();
    await updatePreferences(core, { marginMinutes: 5 });
    const after = core.settings.read();
    expect(after.refresh.marginMinutes).toBe(5);
    expect({ ...after, refresh: { ...after.refresh, marginMinutes: before.refresh.marginMinutes } }).toEqual(before);
  });

  it('a blank copy shortcut, or none, turns the shortcut off', async () => {
    await updatePreferences(core, { copyShortcut: 'Alt+T' });
    await updatePreferences(core, { copyShortcut: '   ' });
    expect(core.settings.read().app.copyShortcut).toBeNull();
    await updatePreferences(core, { copyShortcut: 'Alt+T' });
    await updatePreferences(core, { copyShortcut: null });
    expect(core.settings.read().app.copyShortcut).toBeNull();
  });

  it('one bad field changes nothing, not even the good fields of the same patch, and says which field and why', async () => {
    await updatePreferences(core, { marginMinutes: 20 });
    const before = readFileSync(core.settings.path, 'utf8');
    const error = await rejectionOf(() => updatePreferences(core, { refreshAtLogin: false, timeoutSeconds: 500 }));
    expect(error).toBeInstanceOf(TorusError);
    expect((error as TorusError).kind).toBe('invalid-input');
    expect((error as TorusError).message).toMatch(/^That setting is not valid: refresh\.timeoutSeconds .*120/);
    expect(readFileSync(core.settings.path, 'utf8')).toBe(before);
    expect(core.settings.read().refresh.atLogin).toBe(true);
  });

  it('an unknown time zone is an input error that names the zone rule, and the tokens keep their expiry', async () => {
    const id = await profileWithToken(meta());
    const error = await rejectionOf(() => updatePreferences(core, { cutoffZone: 'Mars/Olympus_Mons', cutoffTime: '04:00' }));
    expect((error as TorusError).kind).toBe('invalid-input');
    expect((error as TorusError).message).toContain('must be an IANA time zone such as Asia/Kolkata');
    expect(core.settings.read().tokens[id]!.expiresAt).toBe(NEXT_0600_IST);
    expect((await core.vault.getToken(id))!.meta!.expiresAt).toBe(NEXT_0600_IST);
  });

  it('checking a patch returns the settings it would produce and writes nothing', async () => {
    await updatePreferences(core, { marginMinutes: 20 });
    const stat = statSync(core.settings.path);
    const text = readFileSync(core.settings.path, 'utf8');
    const would = checkPreferences(core.settings.read(), { marginMinutes: 45, hookTimeoutSeconds: 60 });
    expect(would.refresh.marginMinutes).toBe(45);
    expect(would.hookTimeoutSeconds).toBe(60);
    expect(readFileSync(core.settings.path, 'utf8')).toBe(text);
    expect(statSync(core.settings.path).mtimeMs).toBe(stat.mtimeMs);
    expect(() => checkPreferences(core.settings.read(), { clipboardAutoClearSeconds: -1 })).toThrow(/clipboard\.autoClearSeconds/);
  });
});

describe('a new daily cutoff moves the expiry of the tokens already held', () => {
  it('a new cutoff time: the settings and the keychain copy both expire at the new time', async () => {
    const id = await profileWithToken(meta());
    await updatePreferences(core, { cutoffTime: '04:00' });
    const expected = NEXT_0600_IST - 2 * HOUR;
    expect(core.settings.read().tokens[id]).toMatchObject({ expiresAt: expected, expirySource: 'daily-cutoff' });
    const stored = await core.vault.getToken(id);
    expect(stored).toEqual({
      token: `token-of-${id}`,
      meta: { ...meta(), fingerprint: fingerprint(`token-of-${id}`), expiresAt: expected, expirySource: 'daily-cutoff' },
    });
  });

  it('a new cutoff zone alone moves it too (06:00 in London instead of in Kolkata)', async () => {
    const id = await profileWithToken(meta());
    await updatePreferences(core, { cutoffZone: 'Europe/London' });
    // Issued 01:00 UTC (winter: London is UTC): the next 06:00 London is 06:00 UTC the same day.
    const expected = Date.UTC(2025, 0, 15, 6, 0);
    expect(core.settings.read().tokens[id]!.expiresAt).toBe(expected);
    expect((await core.vault.getToken(id))!.meta!.expiresAt).toBe(expected);
  });

  it("a JWT's own expiry before the new cutoff wins, and the source says so", async () => {
    const jwtAt = ISSUED + 3 * HOUR;
    const id = await profileWithToken(meta({ jwtExpiresAt: jwtAt }));
    await updatePreferences(core, { cutoffTime: '23:00' });
    expect(core.settings.read().tokens[id]).toMatchObject({ expiresAt: jwtAt, expirySource: 'jwt' });
    expect((await core.vault.getToken(id))!.meta).toMatchObject({ expiresAt: jwtAt, expirySource: 'jwt' });
  });

  it('every profile follows, not only the active one', async () => {
    const a = await profileWithToken(meta());
    const b = await profileWithToken(meta({ issuedAt: ISSUED + HOUR }));
    await updatePreferences(core, { cutoffTime: '05:00' });
    const tokens = core.settings.read().tokens;
    expect(tokens[a]!.expiresAt).toBe(NEXT_0600_IST - HOUR);
    expect(tokens[b]!.expiresAt).toBe(NEXT_0600_IST - HOUR);
    expect((await core.vault.getToken(b))!.meta!.expiresAt).toBe(NEXT_0600_IST - HOUR);
  });

  it('any other preference leaves the expiry alone, in the settings and in the keychain', async () => {
    const odd = NEXT_0600_IST - 5 * HOUR; // not what the cutoff gives: proves nothing recomputed it
    const id = await profileWithToken(meta({ expiresAt: odd }));
    await updatePreferences(core, { marginMinutes: 10, timeoutSeconds: 30, refreshAtLogin: false });
    expect(core.settings.read().tokens[id]!.expiresAt).toBe(odd);
    expect((await core.vault.getToken(id))!.meta!.expiresAt).toBe(odd);
  });

  it('a token stored by an older version (no expiry in the keychain) is left as it is', async () => {
    const id = await profileWithToken(meta(), null);
    await updatePreferences(core, { cutoffTime: '04:00' });
    expect(core.settings.read().tokens[id]!.expiresAt).toBe(NEXT_0600_IST - 2 * HOUR);
    expect(await core.vault.get(id, 'accessToken')).toBe(`token-of-${id}`);
  });

  it('a keychain that fails meanwhile is logged without a secret, and the new cutoff is still saved', async () => {
    const id = await profileWithToken(meta());
    vi.spyOn(core.vault, 'getToken').mockRejectedValueOnce(new TorusError('keychain-unavailable', 'The keychain is locked.'));
    await updatePreferences(core, { cutoffTime: '04:00' });
    expect(core.settings.read().refresh.cutoffTime).toBe('04:00');
    expect(core.settings.read().tokens[id]!.expiresAt).toBe(NEXT_0600_IST - 2 * HOUR);
    expect(logs).toEqual([`preferences: could not update the stored expiry for ${id} (keychain-unavailable)`]);
  });
});

describe('turning clipboard auto-clear off needs an approval', () => {
  it('only the change to 0 (never clear) is sensitive, and it says what it means', async () => {
    const current = core.settings.read();
    expect(sensitivePreferenceChanges(current, { clipboardAutoClearSeconds: 0 })).toEqual([
      {
        kind: 'clipboard-keep',
        value: '0',
        description: 'Keep a copied access token on the clipboard until something else is copied (auto-clear off).',
      },
    ]);
    expect(sensitivePreferenceChanges(current, { clipboardAutoClearSeconds: 5 })).toEqual([]);
    expect(sensitivePreferenceChanges(current, { marginMinutes: 5 })).toEqual([]);
    await updatePreferences(core, { clipboardAutoClearSeconds: 0 });
    expect(sensitivePreferenceChanges(core.settings.read(), { clipboardAutoClearSeconds: 0 })).toEqual([]);
  });
});
