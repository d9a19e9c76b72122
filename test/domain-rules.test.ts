import { describe, it, expect } from 'vitest';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkDisplayText, hasUnsafeText } from '../main/core/domain/text.js';
import { credentialSetId } from '../main/core/domain/credential-set.js';
import { checkExportFilePath, checkHookCommand, expandHome } from '../main/core/domain/export-target.js';
import { normalizeRedirectOrigin, webOrigin } from '../main/core/domain/redirect-origin.js';
import { checkCredential } from '../main/core/domain/credential-input.js';
import { normalizeTotpSecret, totpCode } from '../main/core/domain/totp.js';
import {
  addProfile,
  checkProfileName,
  findProfile,
  forgetTokenState,
  removeProfile,
  resolveProfile,
  slugify,
  uniqueProfileId,
} from '../main/core/domain/profiles.js';
import { attentionNeeded, deriveStatus, lastFailure, mostUrgent, type StatusFacts } from '../main/core/domain/token-status.js';
import { defaultSettings, MAX_PROFILES, type Attempt, type Settings, type TokenMeta } from '../main/core/domain/settings-schema.js';
import { TorusError } from '../main/core/errors.js';

/**
 * The domain's small rules, each as the trader meets it: what text may be shown in a dialog,
 * what a token file path or hook may be, how a profile is named and found, how a credential set
 * is told apart, TOTP codes, and what status a token has at a given instant.
 */
function inputError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TorusError);
    expect((error as TorusError).kind).toBe('invalid-input');
    return (error as TorusError).message;
  }
  throw new Error('expected an input error');
}

describe('text shown as-is in menus and approval dialogs', () => {
  it.each([
    'line\nbreak',
    'tab\there',
    'nul\u0000',
    'del\u007f',
    'c1\u0085',
    'ls\u2028',
    'ps\u2029',
    'rlo\u202e',
    'lri\u2066',
    'pdi\u2069',
    'lrm\u200e',
    'rlm\u200f',
    'alm\u061c',
  ])('%j is refused', (text) => {
    expect(hasUnsafeText(text)).toBe(true);
    expect(inputError(() => checkDisplayText(text, 'The hook command'))).toBe(
      'The hook command must not contain line breaks, control characters or text-direction marks.',
    );
  });

  it('ordinary text, accents and other scripts are fine', () => {
    for (const text of ['Main account', 'Zerodha ₹ bot — नमस्ते', 'a"b\'c$(d)', '\u00a0non-breaking']) {
      expect(hasUnsafeText(text)).toBe(false);
      expect(checkDisplayText(text, 'x')).toBe(text);
    }
  });
});

describe('where the token may be written, and what may run', () => {
  it('~ is the home folder', () => {
    expect(expandHome('~', '/home/t')).toBe('/home/t');
    expect(expandHome('~/bots/token.txt', '/home/t')).toBe(join('/home/t', 'bots/token.txt'));
    expect(expandHome('~\\bots', '/home/t')).toBe(join('/home/t', 'bots'));
    expect(expandHome('~other/x', '/home/t')).toBe('~other/x');
    expect(expandHome('/abs/~/x', '/home/t')).toBe('/abs/~/x');
    expect(expandHome('~/x')).toBe(join(homedir(), 'x'));
  });

  it('a token file path is trimmed, full (or under ~), and one line; empty means none', () => {
    expect(checkExportFilePath('  /srv/bot/token.txt ')).toBe('/srv/bot/token.txt');
    expect(checkExportFilePath('~/token.txt')).toBe('~/token.txt');
    for (const none of ['', '   ', null, undefined]) expect(checkExportFilePath(none)).toBeNull();
    expect(inputError(() => checkExportFilePath('bots/token.txt'))).toBe('The token file path must be a full path (for example ~/torus/token.txt).');
    expect(inputError(() => checkExportFilePath('/x\n/y'))).toMatch(/^The token file path must not contain line breaks/);
    expect(inputError(() => checkExportFilePath(`/${'a'.repeat(1024)}`))).toBe('The token file path is too long.');
    expect(checkExportFilePath(`/${'a'.repeat(1023)}`)).toHaveLength(1024);
  });

  it('a hook command is trimmed, one line, bounded; empty means none', () => {
    expect(checkHookCommand('  python3 bot.py  ')).toBe('python3 bot.py');
    for (const none of ['', ' ', null, undefined]) expect(checkHookCommand(none)).toBeNull();
    expect(inputError(() => checkHookCommand('echo ok\nrm -rf ~'))).toMatch(/^The hook command must not contain line breaks/);
    expect(inputError(() => checkHookCommand('x'.repeat(2049)))).toBe('The hook command is too long.');
    expect(checkHookCommand('x'.repeat(2048))).toHaveLength(2048);
  });
});

describe('the redirect origin', () => {
  it('is the origin of an http(s) address; anything else is none', () => {
    expect(webOrigin('https://trader.example:8443/cb?requestToken=x')).toBe('https://trader.example:8443');
    expect(webOrigin('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000');
    for (const bad of ['ftp://x.example', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', '']) expect(webOrigin(bad)).toBeNull();
    expect(normalizeRedirectOrigin('  https://Trader.Example/cb  ')).toBe('https://trader.example');
    for (const none of [null, undefined, '', 'mailto:a@b.c']) expect(normalizeRedirectOrigin(none)).toBeNull();
  });
});

describe('API key and secret as pasted', () => {
  it('are trimmed and must be one word of at most 4096 characters', () => {
    expect(checkCredential('  abc123\n', 'The API key')).toBe('abc123');
    expect(inputError(() => checkCredential(undefined, 'The API key'))).toBe('The API key is empty.');
    expect(inputError(() => checkCredential('  ', 'The API key'))).toBe('The API key is empty.');
    expect(inputError(() => checkCredential('ab cd', 'The API secret'))).toBe('The API secret contains spaces or control characters.');
    expect(inputError(() => checkCredential('ab\u0007cd', 'The API secret'))).toBe('The API secret contains spaces or control characters.');
    expect(inputError(() => checkCredential('x'.repeat(4097), 'The API key'))).toBe('The API key is too long.');
    expect(checkCredential('x'.repeat(4096), 'The API key')).toHaveLength(4096);
  });
});

describe('TOTP', () => {
  it('a secret as authenticator apps show it (spaces, dashes, lower case, padding) is normalised', () => {
    expect(normalizeTotpSecret('jbsw y3dp-ehpk 3pxp====')).toBe('JBSWY3DPEHPK3PXP');
    const message = 'The TOTP secret must be the base32 key from your authenticator setup (letters A–Z and digits 2–7, at least 16 characters).';
    // Padding only at the end: an "=" inside is a mistyped secret, not padding.
    for (const bad of ['JBSWY3DPEHPK3PX', 'JBSWY3DPEHPK3PX1', 'JBSWY3DPEHPK3PX8', 'JBSWY3DP_EHPK3PXP', 'JBSWY3DP=EHPK3PXP', ''])
      expect(
        inputError(() => normalizeTotpSecret(bad)),
        bad,
      ).toBe(message);
  });

  it('codes are RFC 6238 (SHA-1, 30 s, 6 digits): the RFC test vectors', () => {
    const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(totpCode(rfcSecret, 59_000)).toBe('287082');
    expect(totpCode(rfcSecret, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(rfcSecret, 1_234_567_890_000)).toBe('005924');
    expect(totpCode(rfcSecret, 2_000_000_000_000)).toBe('279037');
    // The same 30-second window gives the same code; the next one another.
    expect(totpCode(rfcSecret, 60_000)).toBe(totpCode(rfcSecret, 89_999));
    expect(totpCode(rfcSecret, 90_000)).not.toBe(totpCode(rfcSecret, 89_999));
  });
});

describe('a credential set is told apart without being stored', () => {
  const base = { mode: 'request-token' as const, apiKey: 'key', apiSecret: 'secret', requestToken: 'rt-1' };
  it('any changed value makes another set; the id is 16 hex characters and reveals none of them', () => {
    const id = credentialSetId(base);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(credentialSetId({ ...base })).toBe(id);
    const others = [
      { ...base, apiKey: 'key2' },
      { ...base, apiSecret: 'secret2' },
      { ...base, requestToken: 'rt-2' },
      { ...base, requestToken: null },
    ];
    const ids = others.map(credentialSetId);
    expect(new Set([id, ...ids]).size).toBe(5);
  });

  it('in TOTP mode the set is the key and the TOTP secret (the code changes every 30 s, the set does not)', () => {
    const totp = { mode: 'totp' as const, apiKey: 'key', totpSecret: 'JBSWY3DPEHPK3PXP' };
    const id = credentialSetId(totp);
    expect(credentialSetId({ ...totp, apiSecret: 'ignored', requestToken: 'ignored' })).toBe(id);
    expect(credentialSetId({ ...totp, totpSecret: 'JBSWY3DPEHPK3PXQ' })).not.toBe(id);
    expect(credentialSetId({ ...totp, apiKey: 'key2' })).not.toBe(id);
    expect(credentialSetId({ ...base, mode: 'request-token' })).not.toBe(credentialSetId({ mode: 'totp', apiKey: 'key', totpSecret: 'secret' }));
  });

  it('ids never change between versions: a refusal stored by an older version still holds after an upgrade', () => {
    // Pinned values: if these change, every stored refusal would stop matching its set and the
    // refused request token would be sent to Torus again.
    expect(credentialSetId(base)).toBe('809cd1a9f114eb57');
    expect(credentialSetId({ mode: 'totp', apiKey: 'key', totpSecret: 'JBSWY3DPEHPK3PXP' })).toBe('d1a17405169e2047');
    expect(credentialSetId({ ...base, apiSecret: null, requestToken: null })).toBe('b315022c011ff3f7');
  });

  it('a set without its secret still has an id, different from one with it', () => {
    expect(credentialSetId({ ...base, apiSecret: null })).not.toBe(credentialSetId(base));
    expect(credentialSetId({ ...base, apiSecret: null })).toBe(credentialSetId({ ...base, apiSecret: undefined }));
  });
});

describe('profiles', () => {
  const withProfiles = (...names: string[]): Settings => {
    const s = defaultSettings();
    for (const name of names) addProfile(s, { name });
    return s;
  };

  it('ids are lower-case slugs of the name, at most 32 characters, and unique', () => {
    expect(slugify('  Main Account #1 ')).toBe('main-account-1');
    expect(slugify('Élan Vital')).toBe('elan-vital');
    expect(slugify('---')).toBe('profile');
    expect(slugify('नमस्ते')).toBe('profile');
    expect(slugify('x'.repeat(50))).toHaveLength(32);
    const s = withProfiles('Main', 'main!', 'MAIN?');
    expect(s.profiles.map((p) => p.id)).toEqual(['main', 'main-2', 'main-3']);
    expect(uniqueProfileId(s, 'Main')).toBe('main-4');
    expect(uniqueProfileId(s, 'Algo')).toBe('algo');
  });

  it('names are trimmed, 1 to 40 characters, one line', () => {
    expect(checkProfileName('  Main  ')).toBe('Main');
    expect(inputError(() => checkProfileName(' '))).toBe('The profile name is empty.');
    expect(inputError(() => checkProfileName('x'.repeat(41)))).toBe('The profile name must be at most 40 characters.');
    expect(checkProfileName('x'.repeat(40))).toHaveLength(40);
    expect(inputError(() => checkProfileName('Main\u202e'))).toMatch(/^The profile name must not contain/);
  });

  it('the first profile added becomes the active one; later ones do not', () => {
    const s = withProfiles('Main', 'Algo');
    expect(s.activeProfileId).toBe('main');
  });

  it(`a taken name (any case) and more than ${MAX_PROFILES} profiles are refused`, () => {
    const s = withProfiles('Main');
    expect(inputError(() => addProfile(s, { name: ' MAIN ' }))).toBe('A profile named "MAIN" already exists.');
    const full = withProfiles(...Array.from({ length: MAX_PROFILES }, (_, n) => `P${n}`));
    expect(inputError(() => addProfile(full, { name: 'One more' }))).toBe(`At most ${MAX_PROFILES} profiles are supported.`);
    expect(full.profiles).toHaveLength(MAX_PROFILES);
  });

  it('a profile with an invalid base URL is refused, naming the field', () => {
    expect(inputError(() => addProfile(defaultSettings(), { name: 'X', baseUrl: 'ftp://x' }))).toMatch(/^The profile is not valid: baseUrl /);
  });

  it('found by id, then by name, ignoring case and spaces', () => {
    const s = withProfiles('Main', 'Algo');
    s.profiles[1]!.name = 'main-x';
    expect(findProfile(s, ' MAIN ')?.id).toBe('main');
    expect(findProfile(s, 'Main-X')?.id).toBe('algo');
    expect(findProfile(s, 'nobody')).toBeUndefined();
  });

  it('the profile a command acts on: named, else active, else the first; each miss says what to run', () => {
    const s = withProfiles('Main', 'Algo');
    expect(resolveProfile(s).id).toBe('main');
    s.activeProfileId = 'algo';
    expect(resolveProfile(s).id).toBe('algo');
    s.activeProfileId = 'gone';
    expect(resolveProfile(s).id).toBe('main');
    expect(resolveProfile(s, 'ALGO').id).toBe('algo');
    // A long name is quoted only in part: the message stays readable.
    expect(() => resolveProfile(s, `${'x'.repeat(40)}TAIL`)).toThrow(`There is no profile named "${'x'.repeat(40)}". Run`);
    const missing = (() => {
      try {
        resolveProfile(s, 'Paper Trading');
      } catch (error) {
        return error as TorusError;
      }
      return null;
    })();
    expect(missing).toMatchObject({
      kind: 'not-configured',
      message:
        'There is no profile named "Paper Trading". Run "torus-token profiles" to list them, or "torus-token login --profile paper-trading" to create it.',
    });
    expect(() => resolveProfile(defaultSettings())).toThrow('No profile is set up yet. Run "torus-token login" or open the app to add your Torus credentials.');
  });

  it('removal forgets the token state too and moves the active profile on; logout keeps the profile', () => {
    const s = withProfiles('Main', 'Algo');
    const meta = { issuedAt: 1, expiresAt: 2, expirySource: 'jwt', jwtExpiresAt: 2, source: 'totp', fingerprint: '0123abcd', exportRetracted: false } as const;
    const fill = (id: string) => {
      s.tokens[id] = { ...meta };
      s.history[id] = [];
      s.refusals[id] = { credentialSet: '0123456789abcdef', at: 1, message: 'x', needsSignIn: false };
      s.exportIssues[id] = { at: 1, message: 'x' };
    };
    fill('main');
    fill('algo');
    forgetTokenState(s, 'algo');
    expect([s.tokens.algo, s.history.algo, s.refusals.algo, s.exportIssues.algo]).toEqual([undefined, undefined, undefined, undefined]);
    expect(s.profiles).toHaveLength(2);
    removeProfile(s, 'main');
    expect(s.profiles.map((p) => p.id)).toEqual(['algo']);
    expect([s.tokens.main, s.history.main, s.refusals.main, s.exportIssues.main]).toEqual([undefined, undefined, undefined, undefined]);
    expect(s.activeProfileId).toBe('algo');
    removeProfile(s, 'algo');
    expect(s.activeProfileId).toBeNull();
    const t = withProfiles('Main', 'Algo');
    removeProfile(t, 'algo');
    expect(t.activeProfileId).toBe('main');
    // Removing another profile leaves the active one active, wherever it is in the list.
    const u = withProfiles('Main', 'Algo', 'Paper');
    u.activeProfileId = 'algo';
    removeProfile(u, 'paper');
    expect(u.activeProfileId).toBe('algo');
  });
});

describe('the status of a token at an instant', () => {
  const H = 3600_000;
  const token: TokenMeta = {
    issuedAt: 0,
    expiresAt: 10 * H,
    expirySource: 'daily-cutoff',
    jwtExpiresAt: null,
    source: 'request-token',
    fingerprint: '0123abcd',
    exportRetracted: false,
  };
  const attempt = (at: number, outcome: Attempt['outcome'], needsSignIn = false): Attempt => ({
    at,
    reason: 'manual',
    outcome,
    message: outcome,
    latencyMs: 5,
    needsSignIn,
    retryAt: null,
  });
  const facts = (over: Partial<StatusFacts>): StatusFacts => ({ now: H, token, history: [], refusal: null, refreshing: false, marginMs: 30 * 60_000, ...over });

  it('fresh, then expiring within the margin, then stale at the expiry instant', () => {
    expect(deriveStatus(facts({ now: 10 * H - 30 * 60_000 - 1 }))).toBe('fresh');
    expect(deriveStatus(facts({ now: 10 * H - 30 * 60_000 }))).toBe('expiring-soon');
    expect(deriveStatus(facts({ now: 10 * H - 1 }))).toBe('expiring-soon');
    expect(deriveStatus(facts({ now: 10 * H }))).toBe('stale');
    expect(deriveStatus(facts({ token: null }))).toBe('none');
  });

  it('a refresh under way is shown whatever else is true', () => {
    expect(deriveStatus(facts({ refreshing: true, token: null, refusal: { credentialSet: '0123456789abcdef', at: 0, message: 'x', needsSignIn: true } }))).toBe(
      'refreshing',
    );
  });

  it('a failure after the token was issued shows once the token is gone; before it, it is history', () => {
    expect(deriveStatus(facts({ now: 11 * H, history: [attempt(5 * H, 'network')] }))).toBe('failed');
    expect(deriveStatus(facts({ now: 11 * H, history: [attempt(-1, 'network')] }))).toBe('stale');
    expect(deriveStatus(facts({ now: 11 * H, history: [attempt(5 * H, 'rejected', true)] }))).toBe('needs-sign-in');
    expect(deriveStatus(facts({ now: 11 * H, history: [attempt(5 * H, 'network'), attempt(6 * H, 'success')] }))).toBe('stale');
    // While the token still works, a failure does not hide it...
    expect(deriveStatus(facts({ history: [attempt(0.5 * H, 'network')] }))).toBe('fresh');
    // ...but a needed sign-in is said as soon as the token is expiring.
    expect(deriveStatus(facts({ now: 9.9 * H, history: [attempt(0.5 * H, 'rejected', true)] }))).toBe('needs-sign-in');
    expect(deriveStatus(facts({ now: 9.9 * H, history: [attempt(0.5 * H, 'network')] }))).toBe('expiring-soon');
  });

  it('a refused set without a token: sign in, or failed', () => {
    const refusal = { credentialSet: '0123456789abcdef', at: 0, message: 'x', needsSignIn: false };
    expect(deriveStatus(facts({ token: null, refusal }))).toBe('failed');
    expect(deriveStatus(facts({ token: null, refusal: { ...refusal, needsSignIn: true } }))).toBe('needs-sign-in');
  });

  it('the last failure is reported with its details, only when it is the latest attempt and after the token', () => {
    const failed = { ...attempt(5 * H, 'timeout', true), retryAt: 6 * H };
    expect(lastFailure([attempt(1, 'success'), failed], token)).toEqual({ kind: 'timeout', message: 'timeout', at: 5 * H, needsSignIn: true, retryAt: 6 * H });
    expect(lastFailure([failed, attempt(6 * H, 'success')], token)).toBeNull();
    expect(lastFailure([], token)).toBeNull();
    expect(lastFailure([attempt(0, 'network')], token)).toEqual(expect.objectContaining({ kind: 'network' })); // at the issue instant: after it
    expect(lastFailure([attempt(-1, 'network')], null)).toEqual(expect.objectContaining({ kind: 'network' }));
  });

  it('the tray shows the most urgent of all profiles', () => {
    expect(mostUrgent([])).toBe('none');
    expect(mostUrgent(['fresh', 'refreshing'])).toBe('refreshing');
    expect(mostUrgent(['fresh', 'expiring-soon', 'refreshing'])).toBe('expiring-soon');
    expect(mostUrgent(['expiring-soon', 'none'])).toBe('none');
    expect(mostUrgent(['none', 'stale'])).toBe('stale');
    expect(mostUrgent(['stale', 'failed', 'fresh'])).toBe('failed');
    expect(mostUrgent(['failed', 'needs-sign-in', 'fresh'])).toBe('needs-sign-in');
    expect(mostUrgent(['fresh'])).toBe('fresh');
  });

  it('only a needed sign-in or a failure asks the trader to act', () => {
    expect(attentionNeeded('needs-sign-in')).toBe('sign-in');
    expect(attentionNeeded('failed')).toBe('failed');
    for (const s of ['none', 'refreshing', 'fresh', 'expiring-soon', 'stale'] as const) expect(attentionNeeded(s)).toBeNull();
  });
});
