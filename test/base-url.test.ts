import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { normalizeBaseUrl, isValidBaseUrl, isTrustedTorusUrl, DEFAULT_BASE_URL, DEFAULT_TOTP_BASE_URL } from '../main/core/domain/base-url.js';
import { TorusError } from '../main/core/errors.js';

/** Credentials must never travel in clear text: https only, plain http for loopback only. */

const RUNS = { numRuns: 150, seed: 777 } as const;

function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TorusError);
    return (error as TorusError).kind;
  }
  return 'no error';
}

const octet = fc.integer({ min: 0, max: 255 });
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const withPort = (host: string, p: number | undefined) => (p === undefined ? host : `${host}:${p}`);
const publicDomain = fc.domain().filter((d) => !/^localhost$/i.test(d));

describe('normalizeBaseUrl allows https everywhere', () => {
  it('accepts the documented Torus hosts unchanged', () => {
    expect(normalizeBaseUrl(DEFAULT_BASE_URL)).toBe('https://connects.torusdigital.com');
    expect(normalizeBaseUrl(DEFAULT_TOTP_BASE_URL)).toBe('https://oapi-cug.torusdigital.com');
    expect(normalizeBaseUrl('  https://connects.torusdigital.com/  ')).toBe('https://connects.torusdigital.com');
  });

  it('accepts any https host, with or without port, and strips trailing slashes', () => {
    fc.assert(
      fc.property(publicDomain, port, fc.constantFrom('', '/', '//', '/api', '/api/'), (domain, p, path) => {
        const out = normalizeBaseUrl(`https://${withPort(domain, p)}${path}`);
        expect(out.startsWith('https://')).toBe(true);
        expect(out.endsWith('/')).toBe(false);
        expect(new URL(out).hostname).toBe(new URL(`https://${domain}`).hostname);
      }),
      RUNS,
    );
  });
});

describe('normalizeBaseUrl allows plain http only for loopback', () => {
  it('accepts any 127.0.0.0/8 address', () => {
    fc.assert(
      fc.property(octet, octet, octet, port, (a, b, c, p) => {
        expect(normalizeBaseUrl(`http://${withPort(`127.${a}.${b}.${c}`, p)}/`)).toBe(`http://${withPort(`127.${a}.${b}.${c}`, p)}`);
      }),
      RUNS,
    );
  });

  it('accepts ::1 and localhost in any case', () => {
    expect(normalizeBaseUrl('http://[::1]:8080')).toBe('http://[::1]:8080');
    expect(normalizeBaseUrl('http://[0:0:0:0:0:0:0:1]/')).toBe('http://[::1]');
    expect(normalizeBaseUrl('http://localhost:3000/')).toBe('http://localhost:3000');
    expect(normalizeBaseUrl('http://LocalHost')).toBe('http://localhost');
    expect(normalizeBaseUrl('https://127.0.0.1:9443')).toBe('https://127.0.0.1:9443');
  });

  it('rejects plain http to any other host, including look-alikes of loopback', () => {
    fc.assert(
      fc.property(publicDomain, port, (domain, p) => {
        expect(kindOf(() => normalizeBaseUrl(`http://${withPort(domain, p)}`))).toBe('invalid-input');
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        octet.filter((o) => o !== 127),
        octet,
        octet,
        octet,
        (a, b, c, d) => {
          expect(kindOf(() => normalizeBaseUrl(`http://${a}.${b}.${c}.${d}`))).toBe('invalid-input');
        },
      ),
      RUNS,
    );
    for (const url of [
      'http://127.0.0.1.evil.example',
      'http://localhost.evil.example',
      'http://evil-localhost',
      'http://[::2]',
      'http://[::ffff:8.8.8.8]',
      'http://0.0.0.0',
      'http://10.0.0.1',
      'http://192.168.1.1:8080',
      'http://connects.torusdigital.com',
    ]) {
      expect(
        kindOf(() => normalizeBaseUrl(url)),
        url,
      ).toBe('invalid-input');
      expect(isValidBaseUrl(url)).toBe(false);
    }
  });

  it('rejects other schemes, credentials, queries, fragments and garbage', () => {
    for (const url of [
      'ftp://127.0.0.1',
      'ws://localhost',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://user:pass@connects.torusdigital.com',
      'https://user@connects.torusdigital.com',
      'https://connects.torusdigital.com/?x=1',
      'https://connects.torusdigital.com/#frag',
      'connects.torusdigital.com',
      '',
      '   ',
      'https://',
      'not a url',
    ]) {
      expect(
        kindOf(() => normalizeBaseUrl(url)),
        url,
      ).toBe('invalid-input');
    }
  });

  it('names the label in its message and never echoes credentials', () => {
    try {
      normalizeBaseUrl('http://example.com', 'TOTP base URL');
      expect.unreachable();
    } catch (error) {
      expect((error as TorusError).message).toContain('TOTP base URL');
    }
    try {
      normalizeBaseUrl('https://me:hunter2secret@example.com');
      expect.unreachable();
    } catch (error) {
      expect((error as TorusError).message).not.toContain('hunter2secret');
    }
  });
});

describe('what a mistyped base URL is told', () => {
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as TorusError).message;
    }
    return 'no error';
  };

  it('names the setting, quotes the input (trimmed, at most 100 characters) and gives an example', () => {
    expect(message(() => normalizeBaseUrl('  connects torusdigital  '))).toBe(
      'Base URL "connects torusdigital" is not a valid URL. Use for example https://connects.torusdigital.com.',
    );
    expect(message(() => normalizeBaseUrl('x'.repeat(150), 'TOTP base URL'))).toBe(
      `TOTP base URL "${'x'.repeat(100)}" is not a valid URL. Use for example https://connects.torusdigital.com.`,
    );
    expect(message(() => normalizeBaseUrl('https://me:pw@connects.torusdigital.com'))).toBe('Base URL must not contain a user name or password.');
    expect(message(() => normalizeBaseUrl('https://connects.torusdigital.com/?a=1'))).toBe('Base URL must not contain a query or fragment.');
    expect(normalizeBaseUrl('  https://connects.torusdigital.com/  ')).toBe('https://connects.torusdigital.com');
  });

  it('plain http only for a whole loopback address: not for hosts that merely start or end like one', () => {
    for (const ok of ['http://127.0.0.1:7878', 'http://127.1.2.3', 'http://[::1]:8080', 'http://LOCALHOST']) expect(isValidBaseUrl(ok), ok).toBe(true);
    for (const bad of ['http://127.0.0.1.evil.example', 'http://x127.0.0.1', 'http://[::1].evil', 'http://localhost.evil.example']) {
      expect(isValidBaseUrl(bad), bad).toBe(false);
    }
  });
});

describe('isTrustedTorusUrl: where credentials may go without asking', () => {
  it("Torus's own hosts over https only; loopback only when the caller trusts it", () => {
    expect(isTrustedTorusUrl('https://connects.torusdigital.com')).toBe(true);
    expect(isTrustedTorusUrl('https://TorusDigital.com/api')).toBe(true);
    expect(isTrustedTorusUrl('http://connects.torusdigital.com')).toBe(false);
    expect(isTrustedTorusUrl('https://torusdigital.com.evil.example')).toBe(false);
    expect(isTrustedTorusUrl('https://eviltorusdigital.com')).toBe(false);
    expect(isTrustedTorusUrl('not a url')).toBe(false);
    for (const loopback of ['http://127.0.0.1:7878', 'http://[::1]:7878', 'http://localhost:7878']) {
      expect(isTrustedTorusUrl(loopback), loopback).toBe(false);
      expect(isTrustedTorusUrl(loopback, { trustLoopback: true }), loopback).toBe(true);
    }
  });
});
