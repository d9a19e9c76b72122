import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { nextDailyTime, jwtExpiryMs, tokenExpiry, expiryFor, wallClock, parseHhMm, isValidTimeZone, zonedToInstant } from '../main/core/domain/expiry.js';

/** When a token stops working: JWT `exp` when believable, else the next daily cutoff. */

const RUNS = { numRuns: 200, seed: 6060 } as const;
const HOUR = 3600_000;
const IST = { time: '06:00', zone: 'Asia/Kolkata' } as const;
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms);
const iso = (ms: number) => new Date(ms).toISOString();

function jwt(payload: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

describe('nextDailyTime: 06:00 Asia/Kolkata (UTC+05:30, 00:30 UTC)', () => {
  const cases: Array<[string, number, string]> = [
    ['just after midnight IST, before the cutoff', utc(2025, 1, 14, 18, 31), '2025-01-15T00:30:00.000Z'],
    ['late evening IST the day before (already the next UTC day)', utc(2025, 1, 14, 23, 59), '2025-01-15T00:30:00.000Z'],
    ['one ms before the cutoff', utc(2025, 1, 15, 0, 29, 59, 999), '2025-01-15T00:30:00.000Z'],
    ['exactly at the cutoff (strictly after: tomorrow)', utc(2025, 1, 15, 0, 30), '2025-01-16T00:30:00.000Z'],
    ['one ms after the cutoff', utc(2025, 1, 15, 0, 30, 0, 1), '2025-01-16T00:30:00.000Z'],
    ['mid-day IST', utc(2025, 1, 15, 9, 0), '2025-01-16T00:30:00.000Z'],
    ['23:59 IST', utc(2025, 1, 15, 18, 29), '2025-01-16T00:30:00.000Z'],
    ['across a year end', utc(2024, 12, 31, 20, 0), '2025-01-01T00:30:00.000Z'],
    ['across a leap day', utc(2024, 2, 28, 12, 0), '2024-02-29T00:30:00.000Z'],
    ['across a month end', utc(2025, 4, 30, 1, 0), '2025-05-01T00:30:00.000Z'],
  ];
  it.each(cases)('%s', (_label, from, expected) => {
    expect(iso(nextDailyTime(from, IST))).toBe(expected);
  });

  it('is always strictly later, at most a day later, and reads 06:00 in Kolkata', () => {
    fc.assert(
      fc.property(fc.integer({ min: utc(2000, 1, 1), max: utc(2090, 1, 1) }), (from) => {
        const next = nextDailyTime(from, IST);
        expect(next).toBeGreaterThan(from);
        expect(next - from).toBeLessThanOrEqual(24 * HOUR);
        const w = wallClock(next, 'Asia/Kolkata');
        expect([w.hour, w.minute, w.second]).toEqual([6, 0, 0]);
      }),
      RUNS,
    );
  });

  it('honours a configured time and zone (e.g. 03:30 UTC)', () => {
    expect(iso(nextDailyTime(utc(2025, 6, 1, 3, 0), { time: '03:30', zone: 'UTC' }))).toBe('2025-06-01T03:30:00.000Z');
    expect(iso(nextDailyTime(utc(2025, 6, 1, 4, 0), { time: '03:30', zone: 'UTC' }))).toBe('2025-06-02T03:30:00.000Z');
    expect(iso(nextDailyTime(utc(2025, 6, 1, 4, 0), { time: '00:00', zone: 'Asia/Tokyo' }))).toBe('2025-06-01T15:00:00.000Z');
  });
});

describe('nextDailyTime in a DST zone (America/New_York)', () => {
  const NY = { time: '06:00', zone: 'America/New_York' };

  it('spring forward 2025-03-09: 06:00 EST on the 8th, 06:00 EDT on the 9th (23 h apart)', () => {
    const sat = nextDailyTime(utc(2025, 3, 8, 5, 0), NY);
    expect(iso(sat)).toBe('2025-03-08T11:00:00.000Z');
    const sun = nextDailyTime(sat, NY);
    expect(iso(sun)).toBe('2025-03-09T10:00:00.000Z');
    expect(sun - sat).toBe(23 * HOUR);
    // From inside the night of the transition.
    expect(iso(nextDailyTime(utc(2025, 3, 9, 7, 30), NY))).toBe('2025-03-09T10:00:00.000Z');
  });

  it('fall back 2025-11-02: 06:00 EDT on the 1st, 06:00 EST on the 2nd (25 h apart)', () => {
    const sat = nextDailyTime(utc(2025, 11, 1, 9, 0), NY);
    expect(iso(sat)).toBe('2025-11-01T10:00:00.000Z');
    const sun = nextDailyTime(sat, NY);
    expect(iso(sun)).toBe('2025-11-02T11:00:00.000Z');
    expect(sun - sat).toBe(25 * HOUR);
    // 01:30 happens twice that night: from before it, the first occurrence (EDT) is next.
    expect(iso(nextDailyTime(utc(2025, 11, 2, 4, 0), { time: '01:30', zone: 'America/New_York' }))).toBe('2025-11-02T05:30:00.000Z');
  });

  it('a time inside the spring-forward gap is shifted forward by the gap, never earlier', () => {
    const next = nextDailyTime(utc(2025, 3, 8, 17, 0), { time: '02:30', zone: 'America/New_York' });
    expect(iso(next)).toBe('2025-03-09T07:30:00.000Z'); // 03:30 EDT
    const berlin = nextDailyTime(utc(2025, 3, 29, 12, 0), { time: '02:30', zone: 'Europe/Berlin' });
    expect(iso(berlin)).toBe('2025-03-30T01:30:00.000Z'); // 03:30 CEST
  });

  it('is always strictly later, at most 25 h later, and reads 06:00 in New York', () => {
    fc.assert(
      fc.property(fc.integer({ min: utc(2024, 1, 1), max: utc(2030, 1, 1) }), (from) => {
        const next = nextDailyTime(from, NY);
        expect(next).toBeGreaterThan(from);
        expect(next - from).toBeLessThanOrEqual(25 * HOUR);
        const w = wallClock(next, 'America/New_York');
        expect([w.hour, w.minute]).toEqual([6, 0]);
      }),
      RUNS,
    );
  });
});

describe('jwtExpiryMs', () => {
  it('decodes a numeric exp (seconds) to ms', () => {
    expect(jwtExpiryMs(jwt({ sub: 'x', exp: 1_736_900_000 }))).toBe(1_736_900_000_000);
    expect(jwtExpiryMs(jwt({ exp: 1_736_900_000.5 }))).toBe(1_736_900_000_500);
  });

  it('returns undefined for opaque tokens, bad payloads and non-numeric exp', () => {
    for (const token of [
      'f3a9c0d1e2b34c5d6e7f8091a2b3c4d5',
      'a.b',
      'a.b.c.d',
      'x.!!!.y',
      `x.${Buffer.from('not json').toString('base64url')}.y`,
      jwt({ sub: 'x' }),
      jwt({ exp: '1736900000' }),
      jwt({ exp: null }),
      jwt({ exp: -5 }),
      jwt({ exp: 0 }),
      `x.${Buffer.from('[1,2]').toString('base64url')}.y`,
      `x.${Buffer.from('null').toString('base64url')}.y`,
    ]) {
      expect(jwtExpiryMs(token), token).toBeUndefined();
    }
  });
});

describe('tokenExpiry: JWT exp honoured only when in the future and not after the cutoff', () => {
  const issued = utc(2025, 1, 15, 3, 0); // 08:30 IST; next cutoff 2025-01-16T00:30Z
  const cutoff = utc(2025, 1, 16, 0, 30);
  const expSec = (ms: number) => ms / 1000;

  it('uses exp when it is after issue and before the cutoff', () => {
    const exp = issued + 8 * HOUR;
    expect(tokenExpiry(jwt({ exp: expSec(exp) }), issued, IST)).toMatchObject({ expiresAt: exp, source: 'jwt' });
  });

  it('uses exp when it is exactly the cutoff', () => {
    expect(tokenExpiry(jwt({ exp: expSec(cutoff) }), issued, IST)).toMatchObject({ expiresAt: cutoff, source: 'jwt' });
  });

  it('ignores exp after the cutoff (sessions end daily anyway)', () => {
    expect(tokenExpiry(jwt({ exp: expSec(cutoff) + 1 }), issued, IST)).toMatchObject({ expiresAt: cutoff, source: 'daily-cutoff' });
    expect(tokenExpiry(jwt({ exp: expSec(issued + 30 * 24 * HOUR) }), issued, IST)).toMatchObject({ expiresAt: cutoff, source: 'daily-cutoff' });
  });

  it('ignores exp in the past or equal to issue time (unreliable clocks)', () => {
    expect(tokenExpiry(jwt({ exp: expSec(issued) }), issued, IST)).toMatchObject({ expiresAt: cutoff, source: 'daily-cutoff' });
    expect(tokenExpiry(jwt({ exp: expSec(issued - HOUR) }), issued, IST)).toMatchObject({ expiresAt: cutoff, source: 'daily-cutoff' });
  });

  it('uses the daily cutoff for opaque tokens', () => {
    expect(tokenExpiry('f3a9c0d1e2b34c5d6e7f8091a2b3c4d5', issued, IST)).toMatchObject({ expiresAt: cutoff, source: 'daily-cutoff' });
  });

  it('property: the result is after issue, never after the cutoff, and jwt only when exp was usable', () => {
    fc.assert(
      fc.property(fc.integer({ min: utc(2020, 1, 1), max: utc(2035, 1, 1) }), fc.integer({ min: -48 * 3600, max: 48 * 3600 }), (issuedAt, delta) => {
        const exp = Math.floor(issuedAt / 1000) + delta;
        const cut = nextDailyTime(issuedAt, IST);
        const result = tokenExpiry(jwt({ exp }), issuedAt, IST);
        expect(result.expiresAt).toBeGreaterThan(issuedAt);
        expect(result.expiresAt).toBeLessThanOrEqual(cut);
        const usable = exp * 1000 > issuedAt && exp * 1000 <= cut;
        expect(result).toEqual({
          ...(usable ? { expiresAt: exp * 1000, source: 'jwt' } : { expiresAt: cut, source: 'daily-cutoff' }),
          jwtExpiresAt: exp > 0 ? exp * 1000 : null,
        });
      }),
      RUNS,
    );
  });

  it("keeps the JWT's own exp, so a changed cutoff recomputes the expiry either way", () => {
    const issued = utc(2025, 1, 15, 3, 0); // 08:30 IST
    const exp = issued + 20 * HOUR; // 04:30 IST next day, before the 06:00 cutoff
    const first = tokenExpiry(jwt({ exp: expSec(exp) }), issued, IST);
    expect(first).toEqual({ expiresAt: exp, source: 'jwt', jwtExpiresAt: exp });
    // An earlier cutoff (03:00) now ends the session first...
    const three = { time: '03:00', zone: 'Asia/Kolkata' };
    expect(expiryFor(issued, first.jwtExpiresAt, three)).toEqual({ expiresAt: nextDailyTime(issued, three), source: 'daily-cutoff' });
    // ...and moving it back lets the JWT's own exp rule again.
    expect(expiryFor(issued, first.jwtExpiresAt, IST)).toEqual({ expiresAt: exp, source: 'jwt' });
    // An opaque token simply follows the cutoff.
    expect(expiryFor(issued, null, three)).toEqual({ expiresAt: nextDailyTime(issued, three), source: 'daily-cutoff' });
  });
});

describe('time helpers', () => {
  it('parseHhMm accepts 24-hour HH:MM only', () => {
    expect(parseHhMm('06:00')).toEqual({ hour: 6, minute: 0 });
    expect(parseHhMm('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const bad of ['6:00', '24:00', '12:60', '0600', '', '06:00:00']) expect(() => parseHhMm(bad), bad).toThrow(RangeError);
  });

  it('isValidTimeZone recognises IANA zones', () => {
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('tokens that are not JWTs, or JWTs without a usable exp, fall back to the cutoff', () => {
  const seg = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

  it('reads exp from a three-part token only', () => {
    expect(jwtExpiryMs(`${seg({ alg: 'HS256' })}.${seg({ exp: 1_700_000_000 })}.sig`)).toBe(1_700_000_000_000);
    expect(jwtExpiryMs(`${seg({ alg: 'HS256' })}.${seg({ exp: 1_700_000_000 })}`)).toBeUndefined();
    expect(jwtExpiryMs(`${seg({ alg: 'HS256' })}.${seg({ exp: 1_700_000_000 })}.sig.extra`)).toBeUndefined();
    expect(jwtExpiryMs('opaque-token-without-dots')).toBeUndefined();
  });

  it('a payload that is not an object, or not JSON at all, has no expiry', () => {
    for (const payload of ['null', '1700000000', '"exp"', '[1700000000]', 'not json']) {
      expect(jwtExpiryMs(`${seg({ alg: 'HS256' })}.${seg(payload)}.sig`), payload).toBeUndefined();
    }
    expect(jwtExpiryMs(`h.${seg({ exp: 0 })}.s`)).toBeUndefined();
    expect(jwtExpiryMs(`h.${seg({ exp: '1700000000' })}.s`)).toBeUndefined();
  });

  it('a malformed cutoff time is refused with the expected shape in the message', () => {
    expect(() => parseHhMm('6:00')).toThrow('Time "6:00" must look like HH:MM (24-hour).');
    expect(() => parseHhMm('24:00')).toThrow(RangeError);
    expect(parseHhMm('23:59')).toEqual({ hour: 23, minute: 59 });
  });
});

describe('a cutoff inside a daylight-saving gap', () => {
  it('02:30 on the night New York springs forward does not exist: it means 03:30 that morning', () => {
    const at = zonedToInstant(2025, 3, 9, 2, 30, 'America/New_York');
    expect(at).toBe(Date.UTC(2025, 2, 9, 7, 30));
    expect(wallClock(at, 'America/New_York')).toMatchObject({ day: 9, hour: 3, minute: 30 });
  });
});
