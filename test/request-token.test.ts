import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseRequestTokenInput } from '../main/core/domain/request-token.js';
import { TorusError } from '../main/core/errors.js';

/** Property tests for what a user pastes after signing in: a bare token or a redirect URL. */

const RUNS = { numRuns: 200, seed: 4242 } as const;

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'.split('');
const urlSafe = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...URL_SAFE), minLength, maxLength });
const requestToken = urlSafe(1, 128);

/** request_token / requestToken / REQUEST_TOKEN / request-token, in any mix of upper and lower case. */
const paramName = fc
  .tuple(fc.constantFrom('request_token', 'requesttoken', 'request-token'), fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }))
  .map(([name, upper]) =>
    name
      .split('')
      .map((ch, i) => (upper[i] ? ch.toUpperCase() : ch))
      .join(''),
  );

const otherParam = fc
  .tuple(urlSafe(1, 10), urlSafe(0, 20))
  .filter(([name]) => !/^request[_-]?token$/i.test(name))
  .map(([name, value]) => `${name}=${value}`);

const origin = fc.constantFrom(
  'https://merchant.example.com/torus/callback',
  'http://127.0.0.1:8787/callback',
  'https://app.example.in',
  'https://example.com/a/b/c/',
  'myapp://auth',
);

function caught(fn: () => unknown): TorusError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TorusError);
    return error as TorusError;
  }
  throw new Error('expected a TorusError, nothing was thrown');
}

describe('parseRequestTokenInput extracts the token from a pasted redirect URL', () => {
  it('finds it in the query string under any spelling and case, among other params', () => {
    fc.assert(
      fc.property(origin, paramName, requestToken, fc.array(otherParam, { maxLength: 4 }), fc.nat(), fc.boolean(), (base, name, tok, others, pos, withHash) => {
        const params = [...others];
        params.splice(pos % (params.length + 1), 0, `${name}=${tok}`);
        const url = `${base}?${params.join('&')}${withHash ? '#section' : ''}`;
        expect(parseRequestTokenInput(url)).toBe(tok);
      }),
      RUNS,
    );
  });

  it('finds it in the fragment (also "#/?..." and "#?..." forms), with or without an unrelated query', () => {
    fc.assert(
      fc.property(
        origin,
        paramName,
        requestToken,
        fc.array(otherParam, { maxLength: 3 }),
        fc.array(otherParam, { maxLength: 3 }),
        fc.constantFrom('#', '#/?', '#?', '#/'),
        (base, name, tok, queryParams, hashParams, hashPrefix) => {
          const query = queryParams.length > 0 ? `?${queryParams.join('&')}` : '';
          const url = `${base}${query}${hashPrefix}${[...hashParams, `${name}=${tok}`].join('&')}`;
          expect(parseRequestTokenInput(url)).toBe(tok);
        },
      ),
      RUNS,
    );
  });

  it('tolerates surrounding whitespace and percent-encoding', () => {
    fc.assert(
      fc.property(paramName, requestToken, fc.constantFrom(' ', '\n', '\t', '  \r\n'), (name, tok, pad) => {
        expect(parseRequestTokenInput(`${pad}https://x.example/cb?${name}=${tok}${pad}`)).toBe(tok);
        expect(parseRequestTokenInput(`https://x.example/cb?${encodeURIComponent(name)}=${encodeURIComponent(tok)}`)).toBe(tok);
      }),
      RUNS,
    );
  });

  it('accepts a pasted query-string fragment such as "?REQUEST_TOKEN=abc&state=x"', () => {
    fc.assert(
      fc.property(paramName, requestToken, fc.array(otherParam, { maxLength: 3 }), fc.constantFrom('', '?', '&', '#'), (name, tok, others, lead) => {
        expect(parseRequestTokenInput(`${lead}${[...others, `${name}=${tok}`].join('&')}`)).toBe(tok);
      }),
      RUNS,
    );
  });

  it('rejects a URL without the parameter, or with it empty', () => {
    fc.assert(
      fc.property(origin, fc.array(otherParam, { maxLength: 4 }), (base, others) => {
        const error = caught(() => parseRequestTokenInput(`${base}?${others.join('&')}`));
        expect(error.kind).toBe('invalid-input');
      }),
      RUNS,
    );
    for (const url of ['https://x.example/cb?request_token=', 'https://x.example/cb?REQUEST_TOKEN=%20%20&a=b', 'https://x.example/cb#requestToken=']) {
      expect(caught(() => parseRequestTokenInput(url)).kind).toBe('invalid-input');
    }
  });
});

describe('parseRequestTokenInput passes bare tokens through', () => {
  it('returns a bare URL-safe token trimmed of surrounding whitespace', () => {
    const pad = fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\ufeff'), { maxLength: 4 }).map((a) => a.join(''));
    fc.assert(
      fc.property(requestToken, pad, pad, (tok, before, after) => {
        expect(parseRequestTokenInput(`${before}${tok}${after}`)).toBe(tok);
      }),
      RUNS,
    );
  });

  it('keeps realistic token shapes unchanged (hex, base64url, JWT-like)', () => {
    for (const tok of ['a'.repeat(32), 'f3a9c0d1e2b34c5d6e7f8091a2b3c4d5', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'A-b_C.d~E']) {
      expect(parseRequestTokenInput(tok)).toBe(tok);
    }
  });
});

describe('parseRequestTokenInput rejects unusable input with invalid-input', () => {
  it('empty and whitespace-only input', () => {
    const blank = fc
      .array(fc.constantFrom(' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2028', '\u3000', '\ufeff'), { maxLength: 10 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(blank, (input) => {
        expect(caught(() => parseRequestTokenInput(input)).kind).toBe('invalid-input');
      }),
      RUNS,
    );
  });

  it('control characters or inner whitespace anywhere in a bare token', () => {
    const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(requestToken, requestToken, fc.oneof(control, fc.constantFrom(' ', '\u00a0', '\u2003')), (a, b, bad) => {
        const error = caught(() => parseRequestTokenInput(`${a}${bad}${b}`));
        expect(error.kind).toBe('invalid-input');
        expect(error.message).not.toContain(`${a}${bad}${b}`);
      }),
      RUNS,
    );
  });

  it('percent-encoded control characters or spaces inside a URL parameter', () => {
    fc.assert(
      fc.property(paramName, requestToken, requestToken, fc.constantFrom('%00', '%01', '%1F', '%7F', '%C2%85', '%20', '%09', '%0A'), (name, a, b, bad) => {
        expect(caught(() => parseRequestTokenInput(`https://x.example/cb?${name}=${a}${bad}${b}`)).kind).toBe('invalid-input');
      }),
      RUNS,
    );
  });

  it('absurdly long tokens', () => {
    expect(caught(() => parseRequestTokenInput('x'.repeat(5000))).kind).toBe('invalid-input');
    expect(parseRequestTokenInput('x'.repeat(4096))).toBe('x'.repeat(4096));
  });
});

describe('hash-routed redirect pages', () => {
  it('finds the token after a route in the fragment (#/path?request_token=…)', () => {
    expect(parseRequestTokenInput('https://merchant.example/app#/callback?state=1&RequestToken=abc123')).toBe('abc123');
    expect(parseRequestTokenInput('https://merchant.example/app#request_token=xyz789')).toBe('xyz789');
  });
});

describe('what a trader is told, and what is not mistaken for the token', () => {
  it('each unusable paste gets its own explanation', () => {
    const told = (input: string) => caught(() => parseRequestTokenInput(input)).message;
    expect(told('  ')).toBe('The request token is empty. Paste the token, or the whole address Torus redirected you to after signing in.');
    expect(told('https://merchant.example/cb?state=1')).toBe(
      'That address has no request_token parameter. Copy the address of the page Torus redirected you to after you entered the OTP.',
    );
    expect(told('https://merchant.example/cb?request_token=%20')).toBe('The request_token parameter is empty. Sign in to Torus again to get a fresh one.');
    expect(told('?state=1&request_token=')).toBe('The request_token parameter is empty. Sign in to Torus again to get a fresh one.');
    expect(told('abc def')).toBe('The request token contains spaces or control characters. Copy it again without extra characters.');
    expect(told('x'.repeat(4097))).toBe('The request token is too long to be real. Copy it again from the redirect address.');
  });

  it('a parameter whose name only contains "request_token" is not the token', () => {
    expect(parseRequestTokenInput('https://m.example/cb?old_request_token=spent&request_token=fresh')).toBe('fresh');
    expect(parseRequestTokenInput('https://m.example/cb?request_token_hint=no&requestToken=fresh')).toBe('fresh');
    expect(caught(() => parseRequestTokenInput('https://m.example/cb?x_request_token=spent')).kind).toBe('invalid-input');
  });

  it('a bare token with base64 padding or a colon is kept whole, not read as a query or an address', () => {
    expect(parseRequestTokenInput('YWJjZGVmZ2hpams=')).toBe('YWJjZGVmZ2hpams=');
    expect(parseRequestTokenInput('YWJjZA==')).toBe('YWJjZA==');
    expect(parseRequestTokenInput('session:abc123')).toBe('session:abc123');
  });

  it('an address that cannot be read is refused, never taken for a bare token', () => {
    expect(caught(() => parseRequestTokenInput('https://[m.example/cb?request_token=abc')).message).toBe(
      'That address could not be read. Copy the whole address from the browser again.',
    );
  });

  it('a pasted query whose only look-alike parameter is not the token is refused plainly: it has no request token', () => {
    for (const pasted of ['?x_request_token=abc', 'state=x&myrequest_token=abc']) {
      expect(caught(() => parseRequestTokenInput(pasted)).message).toBe(
        'That address has no request_token parameter. Copy the address of the page Torus redirected you to after you entered the OTP.',
      );
    }
  });

  it('words before a pasted "request_token=…" make it no query string: it is refused for its spaces', () => {
    expect(caught(() => parseRequestTokenInput('see request_token=abc')).message).toBe(
      'The request token contains spaces or control characters. Copy it again without extra characters.',
    );
  });

  it('a pasted query string is trimmed like an address: spaces encoded around the token are not part of it', () => {
    expect(parseRequestTokenInput('?request_token=%20abc%20&state=x')).toBe('abc');
  });

  it('a hash route whose first parameter is the token', () => {
    expect(parseRequestTokenInput('https://m.example/app#/callback?request_token=abc')).toBe('abc');
  });

  it('a hash-routed page with several leading slashes still gives up its token', () => {
    expect(parseRequestTokenInput('https://m.example/app#//request_token=abc')).toBe('abc');
    expect(parseRequestTokenInput('https://m.example/app#/request_token=abc')).toBe('abc');
  });
});
