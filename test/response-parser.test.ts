import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseAccessTokenBody, parseJsonLenient, torusMessageOf } from '../main/core/domain/response-parser.js';
import { TorusError } from '../main/core/errors.js';

/** Property tests for the body parser: valid JSON and Torus's documented trailing-comma form. */

const RUNS = { numRuns: 200, seed: 20250115 } as const;

const JSON_WS = ['', ' ', '\t', '\n', '\r\n', '  \n\t '];
const ws = fc.constantFrom(...JSON_WS);

/** A realistic token: any printable characters (quotes, commas, braces, unicode), never whitespace. */
const token = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter((s) => s.length > 0 && !/\s/.test(s));

/** Long tokens for leak checks: no 8-character window of them may appear in a message. */
const leakToken = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/='.split('')),
  minLength: 12,
  maxLength: 64,
});

function expectNoPartOf(message: string, secret: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) expect(message).not.toContain(secret.slice(i, i + 8));
}

const TOKEN_KEYS = new Set(['AccessToken', 'accessToken', 'access_token']);
const otherKey = fc.string({ maxLength: 12 }).filter((k) => !TOKEN_KEYS.has(k));
const otherValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });
const otherEntries = fc.uniqueArray(fc.tuple(otherKey, otherValue), { maxLength: 5, selector: ([k]) => k });

/** Serialises members by hand so that whitespace and a trailing comma can be placed anywhere. */
function render(entries: Array<[string, unknown]>, spaces: string[], trailingComma: boolean): string {
  let i = 0;
  const s = () => spaces[i++ % spaces.length] ?? '';
  const members = entries.map(([k, v]) => `${s()}${JSON.stringify(k)}${s()}:${s()}${JSON.stringify(v)}${s()}`);
  return `${s()}{${members.join(',')}${trailingComma ? `,${s()}` : ''}}${s()}`;
}

function caught(fn: () => unknown): TorusError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TorusError);
    return error as TorusError;
  }
  throw new Error('expected a TorusError, nothing was thrown');
}

describe('parseAccessTokenBody accepts any object with a non-empty AccessToken', () => {
  it('parses valid JSON with arbitrary other members, order and whitespace back to the token', () => {
    fc.assert(
      fc.property(token, otherEntries, fc.nat(), fc.array(ws, { minLength: 1, maxLength: 8 }), (tok, others, pos, spaces) => {
        const entries: Array<[string, unknown]> = [...others];
        entries.splice(pos % (entries.length + 1), 0, ['AccessToken', tok]);
        const body = render(entries, spaces, false);
        expect(() => JSON.parse(body)).not.toThrow();
        expect(parseAccessTokenBody(body, 'application/json')).toBe(tok);
      }),
      RUNS,
    );
  });

  it('parses the documented trailing-comma form (not valid JSON) back to the token', () => {
    fc.assert(
      fc.property(token, otherEntries, fc.nat(), fc.array(ws, { minLength: 1, maxLength: 8 }), (tok, others, pos, spaces) => {
        const entries: Array<[string, unknown]> = [...others];
        entries.splice(pos % (entries.length + 1), 0, ['AccessToken', tok]);
        const body = render(entries, spaces, true);
        expect(() => JSON.parse(body)).toThrow();
        expect(parseAccessTokenBody(body, 'application/json; charset=utf-8')).toBe(tok);
      }),
      RUNS,
    );
  });

  it('parses the exact sample from the Torus documentation', () => {
    expect(parseAccessTokenBody('{\n"AccessToken": "abc.def.ghi",\n}', null)).toBe('abc.def.ghi');
  });

  it('trims whitespace around the token value', () => {
    fc.assert(
      fc.property(token, ws, ws, (tok, a, b) => {
        expect(parseAccessTokenBody(JSON.stringify({ AccessToken: `${a}${tok}${b}` }), null)).toBe(tok);
      }),
      RUNS,
    );
  });
});

describe('torusMessageOf redacts before it shortens (regression)', () => {
  it('a secret straddling the 300-character cut leaves no part of itself behind', () => {
    fc.assert(
      fc.property(leakToken, fc.integer({ min: 250, max: 299 }), (secret, pad) => {
        const message = torusMessageOf({ message: `${'m'.repeat(pad)}${secret} rest` }, [secret])!;
        expect(message.length).toBeLessThanOrEqual(300);
        expectNoPartOf(message, secret);
      }),
      RUNS,
    );
  });
});

describe('parseAccessTokenBody refuses bodies without a usable token as invalid-response', () => {
  const expectInvalid = (body: string, contentType: string | null, secret?: string) => {
    const error = caught(() => parseAccessTokenBody(body, contentType));
    expect(error.kind).toBe('invalid-response');
    expect(error.message.length).toBeGreaterThan(0);
    if (secret !== undefined) expectNoPartOf(error.message, secret);
    return error;
  };

  it('HTML pages (by content or content-type) never leak what they contained', () => {
    fc.assert(
      fc.property(leakToken, (tok) => {
        expectInvalid(`<html><body>${tok}</body></html>`, 'text/html', tok);
        expectInvalid(`  <!doctype html><p>${tok}`, null, tok);
        expectInvalid(JSON.stringify({ AccessToken: tok }), 'text/html; charset=utf-8', tok);
      }),
      RUNS,
    );
  });

  it('non-JSON text and JSON that is not an object', () => {
    fc.assert(
      fc.property(leakToken, (tok) => {
        expectInvalid(`AccessToken=${tok}`, 'text/plain', tok);
        expectInvalid(`{"AccessToken": "${tok}"`, null, tok);
        expectInvalid(JSON.stringify([tok]), null, tok);
        expectInvalid(JSON.stringify(tok), null, tok);
        expectInvalid(`{"AccessToken": ${JSON.stringify(tok)},,}`, null, tok);
      }),
      RUNS,
    );
    for (const body of ['', '   ', 'null', '42', 'true', 'undefined', '{', '}']) expectInvalid(body, 'application/json');
  });

  it('a missing, empty, whitespace-only or non-string AccessToken', () => {
    fc.assert(
      fc.property(otherEntries, fc.boolean(), (others, trailing) => {
        expectInvalid(render(others, [' '], trailing && others.length > 0), null);
      }),
      RUNS,
    );
    for (const bad of ['', ' ', '\n\t', null, 0, 123, true, false, [], ['abc'], {}, { value: 'abc' }]) {
      expectInvalid(JSON.stringify({ AccessToken: bad }), 'application/json');
      expectInvalid(`{"AccessToken": ${JSON.stringify(bad)},}`, 'application/json');
    }
  });

  it('a token with inner whitespace or an absurd length, without echoing it', () => {
    fc.assert(
      fc.property(leakToken, leakToken, fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2028'), (a, b, gap) => {
        const bad = `${a}${gap}${b}`;
        const error = expectInvalid(JSON.stringify({ AccessToken: bad }), null, a);
        expectNoPartOf(error.message, b);
        expectInvalid(`{"AccessToken": ${JSON.stringify(bad)},}`, null, a);
      }),
      RUNS,
    );
    const huge = 'h'.repeat(16 * 1024 + 1);
    const error = expectInvalid(JSON.stringify({ AccessToken: huge }), null);
    expect(error.message).not.toContain('hhhh');
  });

  it('regression: a token with a control character (NUL, ESC, DEL, C1) is refused, without echoing it', () => {
    // A NUL would be cut off silently by the keychain, and no control character is valid in
    // the Authorization header the token is later sent in.
    fc.assert(
      fc.property(leakToken, leakToken, fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u009b'), (a, b, ctrl) => {
        const error = expectInvalid(JSON.stringify({ AccessToken: `${a}${ctrl}${b}` }), null, a);
        expectNoPartOf(error.message, b);
      }),
      RUNS,
    );
  });

  it("includes Torus's own message when the token is missing", () => {
    const error = expectInvalid(JSON.stringify({ status: 'error', message: 'Session limit reached' }), null);
    expect(error.torusMessage).toBe('Session limit reached');
    expect(error.message).toContain('Session limit reached');
  });
});

describe('parseJsonLenient', () => {
  it('preserves commas (and "," before closing brackets) inside strings', () => {
    const tricky = fc.array(fc.constantFrom('a', ',', '}', ']', ', }', ',]', '"', '\\', ' ', '\n', '{', '['), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(tricky, tricky, fc.boolean(), (a, b, trailing) => {
        const text = `{"a": ${JSON.stringify(a)}, "list": [${JSON.stringify(b)}${trailing ? ',' : ''}]${trailing ? ' ,\n' : ''}}`;
        expect(parseJsonLenient(text)).toEqual({ a, list: [b] });
      }),
      RUNS,
    );
  });

  it('keeps a token containing ",}" intact through the trailing-comma repair', () => {
    expect(parseAccessTokenBody('{"AccessToken": "ab,}cd\\",}", "x": "y,]",\n}', null)).toBe('ab,}cd",}');
  });

  it('is identical to JSON.parse on valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        expect(parseJsonLenient(text)).toEqual(JSON.parse(text));
      }),
      RUNS,
    );
  });

  it('does not accept other JSON deviations (single quotes, comments, leading commas)', () => {
    for (const text of ["{'AccessToken': 'x'}", '{"AccessToken": "x" /* c */}', '{,"AccessToken": "x"}', '[1,,]']) {
      expect(() => parseJsonLenient(text)).toThrow();
    }
  });
});

describe("Torus's message, and what each unusable answer is told", () => {
  it('takes the first non-blank of the message fields Torus and gateways use, trimmed', () => {
    for (const key of ['message', 'Message', 'error', 'errorMessage', 'error_description', 'detail']) {
      expect(torusMessageOf({ [key]: `  ${key} text  ` }), key).toBe(`${key} text`);
    }
    expect(torusMessageOf({ message: '   ', error: 'the real one' })).toBe('the real one');
    expect(torusMessageOf({ message: 42, detail: 'text' })).toBe('text');
    expect(torusMessageOf({ status: 'error' })).toBeUndefined();
    for (const notObject of [null, 'message', 7, undefined]) expect(torusMessageOf(notObject)).toBeUndefined();
  });

  it('removes secrets from the message before it is cut to 300 characters', () => {
    const message = torusMessageOf({ message: `token sekrit-123 ${'y'.repeat(400)}` }, ['sekrit-123']);
    expect(message).toBe(`token [redacted] ${'y'.repeat(300 - 'token [redacted] '.length)}`);
  });

  it.each([
    ['<html>down</html>', null, 'Torus answered with a web page instead of a token.'],
    ['   <!doctype html>', 'application/json', 'Torus answered with a web page instead of a token.'],
    ['{"AccessToken":"abc"}', 'Text/HTML; charset=utf-8', 'Torus answered with a web page instead of a token.'],
    ['not json', 'application/json', 'Torus answered with something that is not JSON.'],
    ['["abc"]', 'application/json', 'Torus answered with JSON that is not an object.'],
    ['null', 'application/json', 'Torus answered with JSON that is not an object.'],
    ['42', 'application/json', 'Torus answered with JSON that is not an object.'],
    ['"AccessToken"', 'application/json', 'Torus answered with JSON that is not an object.'],
    ['{"status":"ok"}', 'application/json', "Torus's answer has no access token. Try again; if it persists, sign in again."],
  ])('%j (%s) → "%s"', (body, contentType, start) => {
    let error: TorusError | undefined;
    try {
      parseAccessTokenBody(body, contentType);
    } catch (e) {
      error = e as TorusError;
    }
    expect(error?.kind).toBe('invalid-response');
    expect(error?.message.startsWith(start)).toBe(true);
    expect(error?.torusMessage).toBeUndefined();
  });

  it('a body that ends like a tag is still JSON; a token is trimmed', () => {
    expect(parseAccessTokenBody(' {"AccessToken":"  abc.def  ","note":"<b>"} ', 'application/json')).toBe('abc.def');
  });

  it('an answer without a token quotes Torus (redacted) and keeps its message for the caller', () => {
    try {
      parseAccessTokenBody('{"status":"error","message":"key K-999 is blocked"}', 'application/json', ['K-999']);
      expect.unreachable();
    } catch (e) {
      const error = e as TorusError;
      expect(error.message).toBe(`Torus's answer has no access token (Torus said: "key [redacted] is blocked"). Try again; if it persists, sign in again.`);
      expect(error.torusMessage).toBe('key [redacted] is blocked');
    }
  });

  it('a trailing comma before a closing bracket is dropped across any whitespace, also at the very end', () => {
    expect(parseJsonLenient('{"a":[1,2, \n ],"b":1,\t}')).toEqual({ a: [1, 2], b: 1 });
    expect(() => parseJsonLenient('{"a":1,')).toThrow();
  });
});

describe('how long an access token may be', () => {
  it('16 KiB is accepted; one character more is refused as not looking valid', () => {
    const longest = 'a'.repeat(16 * 1024);
    expect(parseAccessTokenBody(JSON.stringify({ AccessToken: longest }), 'application/json')).toBe(longest);
    expect(() => parseAccessTokenBody(JSON.stringify({ AccessToken: `${longest}a` }), 'application/json')).toThrow('does not look valid');
  });
});
