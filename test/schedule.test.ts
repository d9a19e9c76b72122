import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { nextRefreshAt, nextBoundary, failureInfo, inQuietHours, isWeekend, FAILURE_BACKOFF_MS, type ScheduleFacts } from '../main/core/domain/schedule.js';
import { nextDailyTime } from '../main/core/domain/expiry.js';
import type { Attempt, Refusal, TokenMeta } from '../main/core/domain/settings-schema.js';

/** The pure refresh planner, the boundaries that arm the monitor's timers, and quiet hours. */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 0, 15, 3, 0); // 08:30 IST
const MARGIN = 30 * MIN;
const IST = 'Asia/Kolkata';

function token(expiresAt: number, expirySource: TokenMeta['expirySource'], issuedAt = NOW - HOUR): TokenMeta {
  return {
    issuedAt,
    expiresAt,
    expirySource,
    jwtExpiresAt: expirySource === 'jwt' ? expiresAt : null,
    source: 'request-token',
    fingerprint: '0123abcd',
    exportRetracted: false,
  };
}
type Entry = Pick<Attempt, 'at' | 'outcome' | 'retryAt'>;
/** `count` consecutive failures of `outcome`, the last at `lastAt`. */
const failures = (count: number, outcome: Attempt['outcome'] = 'network', lastAt = NOW, retryAt: number | null = null): Entry[] =>
  Array.from({ length: count }, (_, i) => ({ at: lastAt - (count - 1 - i) * MIN, outcome, retryAt: i === count - 1 ? retryAt : null }));
const refused: Refusal = { credentialSet: '0123456789abcdef', at: NOW, message: 'Torus refused the request token (HTTP 401).', needsSignIn: true };

function facts(overrides: Partial<ScheduleFacts> = {}): ScheduleFacts {
  return { now: NOW, token: null, history: [], refusal: null, marginMs: MARGIN, ...overrides };
}

describe('nextRefreshAt', () => {
  it('refreshes a JWT token the margin before its exp', () => {
    const exp = NOW + 8 * HOUR;
    expect(nextRefreshAt(facts({ token: token(exp, 'jwt') }))).toEqual({ at: exp - MARGIN, reason: 'expiry' });
    expect(nextRefreshAt(facts({ token: token(exp, 'jwt'), marginMs: 5 * MIN }))).toEqual({ at: exp - 5 * MIN, reason: 'expiry' });
  });

  it('a JWT too short-lived for its margin is refreshed halfway through its life, never within its first minute', () => {
    // The margin point would fall 30 s after issue: refreshed at half its life (15 min 15 s) instead.
    const quick = token(NOW + MARGIN + 30_000, 'jwt', NOW);
    expect(nextRefreshAt(facts({ token: quick }))).toEqual({ at: NOW + Math.round((MARGIN + 30_000) / 2), reason: 'expiry' });
    // Exactly one minute after issue is old enough: the margin point stands.
    const minute = token(NOW + MARGIN + MIN, 'jwt', NOW);
    expect(nextRefreshAt(facts({ token: minute }))).toEqual({ at: NOW + MIN, reason: 'expiry' });
  });

  it('a daily-cutoff token fetched seconds before the cutoff is refreshed at the cutoff, not a minute after it was issued', () => {
    const cutoff = nextDailyTime(NOW, { time: '06:00', zone: IST });
    const late = token(cutoff, 'daily-cutoff', cutoff - 30_000);
    expect(nextRefreshAt(facts({ now: cutoff - 30_000, token: late }))).toEqual({ at: cutoff, reason: 'expiry' });
  });

  it('a retry due at the same instant as the expiry refresh is planned as a retry', () => {
    // One network failure a minute ago: the retry is due now, when the token's margin point is too.
    const t = token(NOW + MARGIN, 'jwt', NOW - 8 * HOUR);
    expect(nextRefreshAt(facts({ token: t, history: failures(1, 'network', NOW - MIN) }))).toEqual({ at: NOW, reason: 'retry' });
  });

  it('refreshes a daily-cutoff token at its expiry (the cutoff), not a margin before', () => {
    const cutoff = nextDailyTime(NOW, { time: '06:00', zone: IST });
    expect(nextRefreshAt(facts({ token: token(cutoff, 'daily-cutoff') }))).toEqual({ at: cutoff, reason: 'expiry' });
  });

  it.each([
    [1, 1],
    [2, 2],
    [3, 5],
    [4, 10],
    [5, 30],
    [6, 30],
    [20, 30],
  ])('backs off after %i consecutive transient failure(s): %i min', (count, minutes) => {
    expect(nextRefreshAt(facts({ history: failures(count) }))).toEqual({ at: NOW + minutes * MIN, reason: 'retry' });
    // Counted from the last failure; a still-good token does not delay the retry.
    expect(nextRefreshAt(facts({ now: NOW + 10_000, token: token(NOW + 8 * HOUR, 'jwt'), history: failures(count) }))).toEqual({
      at: NOW + minutes * MIN,
      reason: 'retry',
    });
  });

  it('exposes the documented backoff steps', () => {
    expect(FAILURE_BACKOFF_MS).toEqual([1, 2, 5, 10, 30].map((m) => m * MIN));
  });

  it('a refused credential set is never planned again, whatever the token and history', () => {
    expect(nextRefreshAt(facts({ refusal: refused, token: token(NOW + 2 * HOUR, 'jwt'), history: failures(1, 'rejected') }))).toBeNull();
    expect(nextRefreshAt(facts({ refusal: refused, token: token(NOW - HOUR, 'daily-cutoff') }))).toBeNull();
    expect(nextRefreshAt(facts({ refusal: refused, history: failures(3) }))).toBeNull();
  });

  it('a failure that needs the trader (missing credential, bad input) is not retried by itself', () => {
    expect(nextRefreshAt(facts({ history: failures(1, 'not-configured'), token: token(NOW - HOUR, 'daily-cutoff') }))).toBeNull();
    expect(nextRefreshAt(facts({ history: failures(1, 'invalid-input') }))).toBeNull();
    expect(nextRefreshAt(facts({ history: failures(1, 'keychain-unavailable') }))).toBeNull();
  });

  it('an odd answer from Torus is retried with the backoff, never in a tight loop', () => {
    expect(nextRefreshAt(facts({ history: failures(1, 'invalid-response') }))).toEqual({ at: NOW + MIN, reason: 'retry' });
  });

  it("honours Torus's Retry-After beyond the backoff: the next attempt is planned then, not every minute", () => {
    const retryAt = NOW + 10 * MIN;
    expect(nextRefreshAt(facts({ history: failures(1, 'rate-limited', NOW, retryAt) }))).toEqual({ at: retryAt, reason: 'retry' });
    expect(nextRefreshAt(facts({ history: failures(2, 'server-error', NOW, retryAt), token: token(NOW - HOUR, 'daily-cutoff') }))).toEqual({
      at: retryAt,
      reason: 'retry',
    });
    // A Retry-After shorter than the backoff does not hurry it.
    expect(nextRefreshAt(facts({ history: failures(3, 'rate-limited', NOW, NOW + MIN) }))).toEqual({ at: NOW + 5 * MIN, reason: 'retry' });
  });

  it('plans nothing with no token and no failure (nothing to renew)', () => {
    expect(nextRefreshAt(facts())).toBeNull();
  });

  it('never plans in the past: overdue refreshes are due now', () => {
    expect(nextRefreshAt(facts({ token: token(NOW - HOUR, 'jwt') }))).toEqual({ at: NOW, reason: 'expiry' });
    expect(nextRefreshAt(facts({ token: token(NOW - DAY, 'daily-cutoff') }))).toEqual({ at: NOW, reason: 'expiry' });
    expect(nextRefreshAt(facts({ history: failures(2, 'network', NOW - DAY) }))).toEqual({ at: NOW, reason: 'retry' });
  });

  it('regression: an expired token plus a transient failure waits for the backoff, not retrying at once in a loop', () => {
    const expired = token(NOW - HOUR, 'daily-cutoff', NOW - DAY);
    expect(nextRefreshAt(facts({ now: NOW + 1_000, token: expired, history: failures(1) }))).toEqual({ at: NOW + 1 * MIN, reason: 'retry' });
    expect(nextRefreshAt(facts({ now: NOW + 1_000, token: expired, history: failures(3) }))).toEqual({ at: NOW + 5 * MIN, reason: 'retry' });
    const expiredJwt = token(NOW + 10 * MIN, 'jwt', NOW - 8 * HOUR);
    expect(nextRefreshAt(facts({ now: NOW + 1_000, token: expiredJwt, history: failures(2) }))).toEqual({ at: NOW + 2 * MIN, reason: 'retry' });
    // An expiry still ahead of the last failure is kept when it comes before the retry.
    const soon = token(NOW + MARGIN + 5 * MIN, 'jwt');
    expect(nextRefreshAt(facts({ now: NOW + 1_000, token: soon, history: failures(5) }))).toEqual({ at: NOW + 5 * MIN, reason: 'expiry' });
  });

  it('regression: a JWT that lives shorter than the margin is not due the moment it arrives', () => {
    expect(nextRefreshAt(facts({ token: token(NOW + 10 * MIN, 'jwt', NOW) }))).toEqual({ at: NOW + 5 * MIN, reason: 'expiry' });
    expect(nextRefreshAt(facts({ token: token(NOW + 4_000, 'jwt', NOW) }))).toEqual({ at: NOW + MIN, reason: 'expiry' });
  });

  it('property: never in the past, never later than the token or the backoff cap, and never after a refusal', () => {
    const meta = fc.option(
      fc.record({
        issuedAt: fc.integer({ min: NOW - 3 * DAY, max: NOW }),
        expiresAt: fc.integer({ min: NOW - 3 * DAY, max: NOW + 3 * DAY }),
        expirySource: fc.constantFrom<TokenMeta['expirySource']>('jwt', 'daily-cutoff'),
        jwtExpiresAt: fc.constant(null),
        source: fc.constantFrom<TokenMeta['source']>('request-token', 'totp'),
        fingerprint: fc.constant('0123abcd'),
        exportRetracted: fc.boolean(),
      }),
      { nil: null },
    );
    const outcome = fc.constantFrom<Attempt['outcome']>('success', 'network', 'timeout', 'rejected', 'rate-limited', 'not-configured', 'invalid-response');
    const history = fc.array(fc.record({ at: fc.integer({ min: NOW - 2 * DAY, max: NOW }), outcome, retryAt: fc.constant(null) }), { maxLength: 8 });
    fc.assert(
      fc.property(
        fc.integer({ min: NOW - DAY, max: NOW + DAY }),
        meta,
        history,
        fc.boolean(),
        fc.integer({ min: MIN, max: 12 * HOUR }),
        (now, m, h, isRefused, marginMs) => {
          const sorted = [...h].sort((a, b) => a.at - b.at);
          const plan = nextRefreshAt({ now, token: m, history: sorted, refusal: isRefused ? refused : null, marginMs });
          if (isRefused) {
            expect(plan).toBeNull();
            return;
          }
          if (plan === null) return;
          expect(plan.at).toBeGreaterThanOrEqual(now);
          const bound = Math.max(now, m?.expiresAt ?? 0, m ? m.issuedAt + MIN : 0, (sorted.at(-1)?.at ?? 0) + 30 * MIN);
          expect(plan.at).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 300, seed: 99 },
    );
  });
});

describe('nextBoundary: when the status or a duty changes by the clock alone', () => {
  const readyBy = { time: '08:45', zone: IST };

  it('a fresh daily-cutoff token: expiring at cutoff minus the margin, then expiry (with its refresh), and the ready-by time', () => {
    const cutoff = nextDailyTime(NOW, { time: '06:00', zone: IST }); // tomorrow 06:00 IST
    const t = token(cutoff, 'daily-cutoff', NOW);
    const first = nextBoundary({ ...facts({ token: t }), readyBy });
    expect(first.at).toBe(nextDailyTime(NOW, readyBy)); // 08:45 today comes first
    expect(first.kinds).toEqual(['ready-by']);
    const second = nextBoundary({ ...facts({ token: t, now: first.at }), readyBy });
    expect(second).toMatchObject({ at: cutoff - MARGIN, kinds: ['expiring'] });
    const third = nextBoundary({ ...facts({ token: t, now: second.at }), readyBy });
    expect(third).toEqual({ at: cutoff, kinds: ['expired', 'refresh'], refresh: { at: cutoff, reason: 'expiry' } });
  });

  it('an expired, refused profile still has its daily ready-by boundary (the reminder) and nothing else', () => {
    const b = nextBoundary({ ...facts({ token: token(NOW - HOUR, 'daily-cutoff'), refusal: refused }), readyBy });
    expect(b).toEqual({ at: nextDailyTime(NOW, readyBy), kinds: ['ready-by'], refresh: null });
  });

  it('a due refresh is a boundary now', () => {
    const b = nextBoundary({ ...facts({ token: token(NOW - HOUR, 'daily-cutoff') }), readyBy });
    expect(b.at).toBe(NOW);
    expect(b.refresh).toEqual({ at: NOW, reason: 'expiry' });
  });

  it('property: strictly ahead unless a refresh is due, and never more than a day away', () => {
    fc.assert(
      fc.property(fc.integer({ min: NOW - DAY, max: NOW + DAY }), fc.integer({ min: -DAY, max: 2 * DAY }), (now, life) => {
        const t = token(now + life, life % 2 === 0 ? 'jwt' : 'daily-cutoff', now - HOUR);
        const b = nextBoundary({ ...facts({ now, token: t }), readyBy });
        if (b.refresh && b.refresh.at === now) expect(b.at).toBe(now);
        else expect(b.at).toBeGreaterThan(now);
        expect(b.at - now).toBeLessThanOrEqual(DAY);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('inQuietHours: no reminders between the daily cutoff and the ready-by time', () => {
  const at = (hh: number, mm: number) => Date.UTC(2025, 0, 15, hh, mm) - (5 * 60 + 30) * MIN; // IST wall time that day
  const cutoff = { time: '06:00', zone: IST };
  it.each([
    ['05:59', false],
    ['06:00', true],
    ['07:30', true],
    ['08:44', true],
    ['08:45', false],
    ['23:00', false],
  ])('cutoff 06:00, ready by 08:45: %s IST quiet = %s', (time, quiet) => {
    const [hh, mm] = time.split(':').map(Number) as [number, number];
    expect(inQuietHours(at(hh, mm), cutoff, '08:45')).toBe(quiet);
  });

  it('wraps midnight when the cutoff comes later in the day than the ready-by time', () => {
    expect(inQuietHours(at(23, 30), { time: '23:00', zone: IST }, '08:00')).toBe(true);
    expect(inQuietHours(at(3, 0), { time: '23:00', zone: IST }, '08:00')).toBe(true);
    expect(inQuietHours(at(9, 0), { time: '23:00', zone: IST }, '08:00')).toBe(false);
  });

  it('across midnight, the cutoff minute is the first quiet one and the ready-by minute the first loud one', () => {
    const late = { time: '23:00', zone: IST };
    expect(inQuietHours(at(22, 59), late, '08:00')).toBe(false);
    expect(inQuietHours(at(23, 0), late, '08:00')).toBe(true);
    expect(inQuietHours(at(7, 59), late, '08:00')).toBe(true);
    expect(inQuietHours(at(8, 0), late, '08:00')).toBe(false);
  });

  it('a cutoff with minutes (05:45) starts the quiet hours at that minute', () => {
    const early = { time: '05:45', zone: IST };
    expect(inQuietHours(at(5, 44), early, '08:45')).toBe(false);
    expect(inQuietHours(at(5, 45), early, '08:45')).toBe(true);
  });

  it('equal times mean no quiet hours at all', () => {
    expect(inQuietHours(at(6, 0), cutoff, '06:00')).toBe(false);
  });
});

describe('weekends are quiet: the exchanges are closed', () => {
  // 2025-01-17 is a Friday; wall times in IST.
  const ist = (day: number, hh: number, mm = 0) => Date.UTC(2025, 0, day, hh, mm) - (5 * 60 + 30) * MIN;
  it.each([
    ['Friday 23:59', ist(17, 23, 59), false],
    ['Saturday 00:00', ist(18, 0, 0), true],
    ['Saturday 09:00', ist(18, 9), true],
    ['Sunday 23:59', ist(19, 23, 59), true],
    ['Monday 00:00', ist(20, 0, 0), false],
  ])('%s IST: weekend = %s (by the cutoff zone, not UTC)', (_label, at, weekend) => {
    expect(isWeekend(at, IST)).toBe(weekend);
  });

  it('Saturday 02:00 IST is still Friday in UTC, and is a weekend', () => {
    const saturdayEarly = ist(18, 2);
    expect(new Date(saturdayEarly).getUTCDay()).toBe(5);
    expect(isWeekend(saturdayEarly, IST)).toBe(true);
  });
});

describe('failureInfo', () => {
  it('counts consecutive failures at the end of the history', () => {
    expect(failureInfo([])).toBeNull();
    expect(
      failureInfo([
        { at: 1, outcome: 'network', retryAt: null },
        { at: 2, outcome: 'success', retryAt: null },
      ]),
    ).toBeNull();
    expect(
      failureInfo([
        { at: 1, outcome: 'success', retryAt: null },
        { at: 2, outcome: 'timeout', retryAt: null },
        { at: 3, outcome: 'server-error', retryAt: null },
      ]),
    ).toEqual({ count: 2, lastAt: 3, retryable: true, retryAt: null });
    expect(
      failureInfo([
        { at: 1, outcome: 'network', retryAt: null },
        { at: 5, outcome: 'rejected', retryAt: null },
      ]),
    ).toEqual({ count: 2, lastAt: 5, retryable: false, retryAt: null });
  });
});
