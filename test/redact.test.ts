import { describe, expect, it } from 'vitest';
import { fingerprint, lastFour, maskToken, redact } from '../main/core/domain/redact.js';

/**
 * What the trader may see of a secret: the popover's masked token, the "saved (…a1b2)" hint
 * beside a credential, and messages and logs with every known secret taken out.
 */
describe('maskToken: the token as the popover shows it before Reveal', () => {
  it('shows only the first and last four characters of a token, never its middle', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cmFkZXIifQ.c2lnbmF0dXJl';
    const masked = maskToken(token);
    expect(masked).toBe('eyJh…dXJl');
    expect(masked).not.toContain(token.slice(4, -4));
    expect(masked.length).toBeLessThan(token.length / 4);
  });

  it('masks a short token completely: its ends would be most of it (16 characters is the shortest shown in part)', () => {
    expect(maskToken('0123456789abcde')).toBe('••••••••'); // 15
    expect(maskToken('abc')).toBe('••••••••');
    expect(maskToken('0123456789abcdef')).toBe('0123…cdef'); // 16
  });
});

describe('lastFour: the hint beside a saved credential', () => {
  it('is the last four characters of a credential longer than eight', () => {
    expect(lastFour('key-1234abcd9')).toBe('bcd9');
    expect(lastFour('123456789')).toBe('6789'); // 9
  });

  it('is empty for a credential of eight characters or fewer: four of eight would give half of it away', () => {
    expect(lastFour('12345678')).toBe('');
    expect(lastFour('1234')).toBe('');
  });
});

describe('redact: secrets out of messages and logs', () => {
  it('replaces every occurrence of every known secret', () => {
    const text = 'key KEY-1 sent with SECRET-22; KEY-1 again';
    expect(redact(text, ['KEY-1', 'SECRET-22'])).toBe('key [redacted] sent with [redacted]; [redacted] again');
  });

  it('takes out a secret of four characters; a shorter value is left alone, so messages stay readable', () => {
    expect(redact('pin 4821 refused', ['4821'])).toBe('pin [redacted] refused');
    // A value that short is no secret worth hiding, and removing it would shred the words around it.
    expect(redact('the request token was refused', ['re'])).toBe('the request token was refused');
  });

  it('skips missing values (a secret not set for this profile) and still removes the others', () => {
    expect(redact('apikey-0001 and secret-0002', [undefined, null, '', 'secret-0002'])).toBe('apikey-0001 and [redacted]');
  });

  it('removes anything shaped like a JWT even when no secret was given', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefSIG';
    expect(redact(`token ${jwt} expired`)).toBe('token [redacted] expired');
    expect(redact('eyJ alone, or eyJabc.de.f, is no token')).toBe('eyJ alone, or eyJabc.de.f, is no token');
  });
});

describe('fingerprint: telling tokens apart without showing them', () => {
  it('is eight hex characters, the same for the same token, different for another', () => {
    const a = fingerprint('token-a-0123456789');
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(fingerprint('token-a-0123456789')).toBe(a);
    expect(fingerprint('token-b-0123456789')).not.toBe(a);
    // SHA-256, so it is the same in every process (the CLI's fast path compares it with the app's).
    expect(fingerprint('abc')).toBe('ba7816bf');
  });
});
