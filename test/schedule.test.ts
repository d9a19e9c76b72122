import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  nextRefreshAt,
  failureInfo,
  RefreshTimer,
  FAILURE_BACKOFF_MS,
  type SchedulePolicy,
  type FailureInfo,
  type PlannedRefresh,
  type TimerApi,
} from '../main/core/schedule.js';
import { nextDailyTime } from '../main/core/expiry.js';
import type { TokenMeta } from '../main/core/settings-schema.js';

/** The pure refresh planner and the one-timer wrapper around it. */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 0, 15, 3, 0); // 08:30 IST
const MARGIN = 30 * MIN;

const noDaily: SchedulePolicy = { dailyRefreshTime: null, zone: 'Asia/Kolkata', marginMs: MARGIN };
const daily0830: SchedulePolicy = { dailyRefreshTime: '08:30', zone: 'Asia/Kolkata', marginMs: MARGIN };
const nextDaily = (from: number, policy: SchedulePolicy = daily0830) => nextDailyTime(from, { time: policy.dailyRefreshTime!, zone: policy.zone });

function token(expiresAt: number, expirySource: TokenMeta['expirySource'], issuedAt = NOW - HOUR): TokenMeta {
  return { issuedAt, expiresAt, expirySource, source: 'request-token', fingerprint: '0123abcd' };
}
const transient = (count: number, lastAt = NOW): FailureInfo => ({ count, lastAt, transient: true });
const refusal = (count = 1, lastAt = NOW): FailureInfo => ({ count, lastAt, transient: false });

describe('nextRefreshAt', () => {
  it('refreshes a JWT token the margin before its exp', () => {
    const exp = NOW + 8 * HOUR;
    expect(nextRefreshAt(NOW, noDaily, token(exp, 'jwt'), null)).toEqual({ at: exp - MARGIN, reason: 'expiry' });
    expect(nextRefreshAt(NOW, { ...noDaily, marginMs: 5 * MIN }, token(exp, 'jwt'), null)).toEqual({ at: exp - 5 * MIN, reason: 'expiry' });
  });

  it('refreshes a daily-cutoff token at its expiry (the cutoff), not a margin before', () => {
    const cutoff = nextDailyTime(NOW, { time: '06:00', zone: 'Asia/Kolkata' });
    expect(nextRefreshAt(NOW, noDaily, token(cutoff, 'daily-cutoff'), null)).toEqual({ at: cutoff, reason: 'expiry' });
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
    expect(nextRefreshAt(NOW, noDaily, null, transient(count))).toEqual({ at: NOW + minutes * MIN, reason: 'retry' });
    // The schedule counts from the last failure, and a still-good token does not delay the retry.
    expect(nextRefreshAt(NOW + 10_000, noDaily, token(NOW + 8 * HOUR, 'jwt'), transient(count, NOW))).toEqual({ at: NOW + minutes * MIN, reason: 'retry' });
  });

  it('exposes the documented backoff steps', () => {
    expect(FAILURE_BACKOFF_MS).toEqual([1, 2, 5, 10, 30].map((m) => m * MIN));
  });

  it('after a refusal: no retry and no expiry refresh, only the daily time', () => {
    const tok = token(NOW + 2 * HOUR, 'jwt');
    expect(nextRefreshAt(NOW, daily0830, tok, refusal())).toEqual({ at: nextDaily(NOW), reason: 'daily' });
    expect(nextRefreshAt(NOW, daily0830, null, refusal(3))).toEqual({ at: nextDaily(NOW), reason: 'daily' });
    expect(nextRefreshAt(NOW, noDaily, tok, refusal())).toBeNull();
    expect(nextRefreshAt(NOW, noDaily, null, refusal(5))).toBeNull();
  });

  it('skips the daily time while the token stays good past it', () => {
    const daily = nextDaily(NOW);
    // Good until well after the daily time (plus margin): only the expiry refresh is planned.
    const longJwt = token(daily + 2 * HOUR, 'jwt');
    expect(nextRefreshAt(NOW, daily0830, longJwt, null)).toEqual({ at: daily + 2 * HOUR - MARGIN, reason: 'expiry' });
    const longCutoff = token(daily + 2 * HOUR, 'daily-cutoff');
    expect(nextRefreshAt(NOW, daily0830, longCutoff, null)).toEqual({ at: daily + 2 * HOUR, reason: 'expiry' });
    // Not good past it (expires within the margin after it): the daily time comes first.
    const shortCutoff = token(daily + MARGIN - 1, 'daily-cutoff');
    expect(nextRefreshAt(NOW, daily0830, shortCutoff, null)).toEqual({ at: daily, reason: 'daily' });
  });

  it('plans the daily time when there is no token and no failure', () => {
    expect(nextRefreshAt(NOW, daily0830, null, null)).toEqual({ at: nextDaily(NOW), reason: 'daily' });
    expect(nextRefreshAt(NOW, noDaily, null, null)).toBeNull();
  });

  it('never plans in the past: overdue refreshes are due now', () => {
    expect(nextRefreshAt(NOW, noDaily, token(NOW - HOUR, 'jwt'), null)).toEqual({ at: NOW, reason: 'expiry' });
    expect(nextRefreshAt(NOW, noDaily, token(NOW - DAY, 'daily-cutoff'), null)).toEqual({ at: NOW, reason: 'expiry' });
    expect(nextRefreshAt(NOW, noDaily, null, transient(2, NOW - DAY))).toEqual({ at: NOW, reason: 'retry' });
  });

  it('regression: an expired token plus a transient failure waits for the backoff, not retrying at once in a loop', () => {
    // The token expired an hour ago; the refresh at expiry (and 2 more) failed on the network.
    const expired = token(NOW - HOUR, 'daily-cutoff', NOW - DAY);
    expect(nextRefreshAt(NOW + 1_000, noDaily, expired, transient(1, NOW))).toEqual({ at: NOW + 1 * MIN, reason: 'retry' });
    expect(nextRefreshAt(NOW + 1_000, noDaily, expired, transient(3, NOW))).toEqual({ at: NOW + 5 * MIN, reason: 'retry' });
    const expiredJwt = token(NOW + 10 * MIN, 'jwt', NOW - 8 * HOUR); // inside the margin: due before the failure
    expect(nextRefreshAt(NOW + 1_000, noDaily, expiredJwt, transient(2, NOW))).toEqual({ at: NOW + 2 * MIN, reason: 'retry' });
    // An expiry still ahead of the last failure is kept when it comes before the retry.
    const soon = token(NOW + MARGIN + 5 * MIN, 'jwt');
    expect(nextRefreshAt(NOW + 1_000, noDaily, soon, transient(5, NOW))).toEqual({ at: NOW + 5 * MIN, reason: 'expiry' });
  });

  it('regression: a JWT that lives shorter than the margin is not due the moment it arrives', () => {
    // Issued now, exp in 10 min, margin 30 min: "exp - margin" is in the past.
    const short = token(NOW + 10 * MIN, 'jwt', NOW);
    expect(nextRefreshAt(NOW, noDaily, short, null)).toEqual({ at: NOW + 5 * MIN, reason: 'expiry' });
    // A few seconds of life: at the earliest a minute after issue.
    const tiny = token(NOW + 4_000, 'jwt', NOW);
    expect(nextRefreshAt(NOW, noDaily, tiny, null)).toEqual({ at: NOW + MIN, reason: 'expiry' });
  });

  it('property: never in the past, and never later than a day plus the backoff cap', () => {
    const meta = fc.option(
      fc.record({
        issuedAt: fc.integer({ min: NOW - 3 * DAY, max: NOW }),
        expiresAt: fc.integer({ min: NOW - 3 * DAY, max: NOW + 3 * DAY }),
        expirySource: fc.constantFrom<TokenMeta['expirySource']>('jwt', 'daily-cutoff'),
        source: fc.constantFrom<TokenMeta['source']>('request-token', 'totp'),
        fingerprint: fc.constant('0123abcd'),
      }),
      { nil: null },
    );
    const failures = fc.option(
      fc.record({ count: fc.integer({ min: 0, max: 50 }), lastAt: fc.integer({ min: NOW - 2 * DAY, max: NOW }), transient: fc.boolean() }),
      { nil: null },
    );
    const policy = fc.record({
      dailyRefreshTime: fc.option(fc.constantFrom('00:00', '06:00', '08:30', '23:59'), { nil: null }),
      zone: fc.constantFrom('Asia/Kolkata', 'America/New_York', 'UTC'),
      marginMs: fc.integer({ min: MIN, max: 12 * HOUR }),
    });
    fc.assert(
      fc.property(fc.integer({ min: NOW - DAY, max: NOW + DAY }), policy, meta, failures, (now, p, m, f) => {
        const plan = nextRefreshAt(now, p, m, f);
        if (plan === null) return;
        expect(plan.at).toBeGreaterThanOrEqual(now);
        const bound = Math.max(now + 25 * HOUR, m?.expiresAt ?? 0, (f?.lastAt ?? 0) + 30 * MIN);
        expect(plan.at).toBeLessThanOrEqual(bound);
        if (f && f.count > 0 && !f.transient) expect(plan.reason).toBe('daily');
      }),
      { numRuns: 300, seed: 99 },
    );
  });
});

describe('failureInfo', () => {
  it('counts consecutive failures at the end of the history', () => {
    expect(failureInfo([])).toBeNull();
    expect(
      failureInfo([
        { at: 1, outcome: 'network' },
        { at: 2, outcome: 'success' },
      ]),
    ).toBeNull();
    expect(
      failureInfo([
        { at: 1, outcome: 'success' },
        { at: 2, outcome: 'timeout' },
        { at: 3, outcome: 'server-error' },
      ]),
    ).toEqual({ count: 2, lastAt: 3, transient: true });
    expect(
      failureInfo([
        { at: 1, outcome: 'network' },
        { at: 5, outcome: 'rejected' },
      ]),
    ).toEqual({ count: 2, lastAt: 5, transient: false });
  });
});

/** A controllable clock and setTimeout: `advance` fires due timers in order. */
class FakeTimers implements TimerApi {
  current = NOW;
  private seq = 0;
  readonly pendingTimers = new Map<number, { at: number; callback: () => void }>();
  readonly scheduled: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.scheduled.push(ms);
    this.pendingTimers.set(id, { at: this.current + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pendingTimers.delete(handle as number);
  }

  now(): number {
    return this.current;
  }

  advanceTo(target: number): void {
    for (;;) {
      const due = [...this.pendingTimers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.pendingTimers.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].callback();
    }
    this.current = Math.max(this.current, target);
  }
}

describe('RefreshTimer', () => {
  it('keeps exactly one pending timer however often it is armed', () => {
    const timers = new FakeTimers();
    const fired: PlannedRefresh[] = [];
    const timer = new RefreshTimer((plan) => fired.push(plan), timers);
    for (let i = 0; i < 500; i++) timer.arm({ at: NOW + (i % 7) * MIN + HOUR, reason: i % 2 ? 'expiry' : 'daily' });
    expect(timers.pendingTimers.size).toBe(1);
    expect(timer.pending).toBe(true);
    expect(timer.next).toEqual({ at: NOW + (499 % 7) * MIN + HOUR, reason: 'expiry' });
    timers.advanceTo(NOW + 2 * HOUR);
    expect(fired).toEqual([{ at: NOW + (499 % 7) * MIN + HOUR, reason: 'expiry' }]);
    expect(timers.pendingTimers.size).toBe(0);
  });

  it('fires onDue once, at the planned time, and not before', () => {
    const timers = new FakeTimers();
    const fired: Array<{ plan: PlannedRefresh; at: number }> = [];
    const timer = new RefreshTimer((plan) => fired.push({ plan, at: timers.now() }), timers);
    const plan: PlannedRefresh = { at: NOW + 90 * MIN, reason: 'expiry' };
    timer.arm(plan);
    timers.advanceTo(plan.at - 1);
    expect(fired).toEqual([]);
    timers.advanceTo(plan.at);
    expect(fired).toEqual([{ plan, at: plan.at }]);
    expect(timer.pending).toBe(false);
    expect(timer.next).toBeNull();
    timers.advanceTo(plan.at + DAY);
    expect(fired).toHaveLength(1);
  });

  it('fires immediately-due plans with a zero delay', () => {
    const timers = new FakeTimers();
    let count = 0;
    const timer = new RefreshTimer(() => count++, timers);
    timer.arm({ at: NOW - HOUR, reason: 'retry' });
    expect(timers.scheduled).toEqual([0]);
    timers.advanceTo(NOW);
    expect(count).toBe(1);
  });

  it('re-arms in steps beyond the setTimeout ceiling and fires at the planned time', () => {
    const timers = new FakeTimers();
    const fired: number[] = [];
    const timer = new RefreshTimer(() => fired.push(timers.now()), timers);
    const at = NOW + 60 * DAY;
    timer.arm({ at, reason: 'daily' });
    const CEILING = 2_147_483_647;
    expect(timers.scheduled).toEqual([CEILING]);
    timers.advanceTo(NOW + CEILING);
    expect(fired).toEqual([]);
    expect(timers.pendingTimers.size).toBe(1);
    expect(timer.next).toEqual({ at, reason: 'daily' });
    timers.advanceTo(at);
    expect(timers.scheduled).toEqual([CEILING, CEILING, 60 * DAY - 2 * CEILING]);
    expect(fired).toEqual([at]);
    expect(timers.pendingTimers.size).toBe(0);
  });

  it('re-arms when a timer wakes early (clock drift) without firing', () => {
    const timers = new FakeTimers();
    let count = 0;
    const timer = new RefreshTimer(() => count++, timers);
    timer.arm({ at: NOW + HOUR, reason: 'expiry' });
    // Simulate the OS waking the callback early: run it at NOW + 59 min.
    const [entry] = [...timers.pendingTimers.values()];
    timers.pendingTimers.clear();
    timers.current = NOW + 59 * MIN;
    entry!.callback();
    expect(count).toBe(0);
    expect(timers.pendingTimers.size).toBe(1);
    timers.advanceTo(NOW + HOUR);
    expect(count).toBe(1);
  });

  it('cancel and arm(null) leave no timer behind', () => {
    const timers = new FakeTimers();
    const timer = new RefreshTimer(() => undefined, timers);
    timer.arm({ at: NOW + HOUR, reason: 'expiry' });
    timer.cancel();
    expect(timers.pendingTimers.size).toBe(0);
    expect(timer.pending).toBe(false);
    timer.arm({ at: NOW + HOUR, reason: 'expiry' });
    timer.arm(null);
    expect(timers.pendingTimers.size).toBe(0);
    expect(timer.next).toBeNull();
  });
});
