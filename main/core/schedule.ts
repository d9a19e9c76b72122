import { nextDailyTime } from './expiry.js';
import type { TokenMeta } from './settings-schema.js';

/**
 * When should the next automatic refresh happen? A pure function, so every rule is tested
 * with plain numbers; `RefreshTimer` turns its answer into exactly one pending timer.
 */
export const FAILURE_BACKOFF_MS = [1, 2, 5, 10, 30].map((minutes) => minutes * 60_000);

/**
 * A JWT whose life is shorter than the margin would be "due" the moment it arrives, and the
 * schedule would refresh in a tight loop: such a token is refreshed at half its life, and
 * never sooner than this after it was issued.
 */
export const MIN_TOKEN_AGE_MS = 60_000;

export interface SchedulePolicy {
  dailyRefreshTime: string | null;
  zone: string;
  marginMs: number;
}

export interface FailureInfo {
  /** Consecutive failures since the last success. */
  count: number;
  lastAt: number;
  /** Network/timeout/5xx/429: worth retrying by itself. A refusal is not. */
  transient: boolean;
}

export type RefreshReason = 'expiry' | 'daily' | 'retry';

export interface PlannedRefresh {
  at: number;
  reason: RefreshReason;
}

export function nextRefreshAt(now: number, policy: SchedulePolicy, token: TokenMeta | null, failures: FailureInfo | null): PlannedRefresh | null {
  const candidates: PlannedRefresh[] = [];
  const failing = failures !== null && failures.count > 0;

  if (failing && failures.transient) {
    const delay = FAILURE_BACKOFF_MS[Math.min(failures.count, FAILURE_BACKOFF_MS.length) - 1]!;
    candidates.push({ at: failures.lastAt + delay, reason: 'retry' });
  }

  // After a refusal, replaying the same credentials at expiry would only fail again;
  // the daily time still gives one attempt a day (and a reminder to sign in).
  if (token && !(failing && !failures.transient)) {
    // A JWT's exp is a real deadline: refresh a margin before it. A daily-cutoff expiry is
    // not: a token fetched before the cutoff expires at the same cutoff, so refresh at it.
    let at = token.expirySource === 'jwt' ? token.expiresAt - policy.marginMs : token.expiresAt;
    if (token.expirySource === 'jwt' && at < token.issuedAt + MIN_TOKEN_AGE_MS) {
      // A JWT that lives no longer than the margin: refresh at half its life, at the earliest a minute after issue.
      at = token.issuedAt + Math.max(MIN_TOKEN_AGE_MS, Math.round((token.expiresAt - token.issuedAt) / 2));
    }
    // While failing, an expiry refresh that was already due at the last failure has been
    // tried: the backoff above decides when to try again (else an expired token plus a
    // network outage would retry at once, in a loop, ignoring the backoff).
    if (!failing || at > failures.lastAt) candidates.push({ at, reason: 'expiry' });
  }

  if (policy.dailyRefreshTime !== null) {
    const daily = nextDailyTime(now, { time: policy.dailyRefreshTime, zone: policy.zone });
    // Skip the daily refresh when the current token will still be good then.
    const stillGood = token !== null && !failing && token.expiresAt - policy.marginMs > daily;
    if (!stillGood) candidates.push({ at: daily, reason: 'daily' });
  }

  if (candidates.length === 0) return null;
  const earliest = candidates.reduce((a, b) => (b.at < a.at ? b : a));
  return { at: Math.max(now, earliest.at), reason: earliest.reason };
}

/** Count consecutive failures at the end of the history. */
export function failureInfo(history: ReadonlyArray<{ at: number; outcome: string }>): FailureInfo | null {
  let count = 0;
  for (let i = history.length - 1; i >= 0 && history[i]!.outcome !== 'success'; i--) count++;
  if (count === 0) return null;
  const last = history[history.length - 1]!;
  return {
    count,
    lastAt: last.at,
    transient: ['network', 'timeout', 'server-error', 'rate-limited', 'cancelled'].includes(last.outcome),
  };
}

export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: TimerApi = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // The timer alone must not keep a CLI or test process alive.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/** setTimeout's ceiling; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** Keeps at most one pending timer; arming again replaces it. No polling while idle. */
export class RefreshTimer {
  private handle: unknown = undefined;
  private planned: PlannedRefresh | null = null;

  constructor(
    private readonly onDue: (plan: PlannedRefresh) => void,
    private readonly timers: TimerApi = realTimers,
  ) {}

  get next(): PlannedRefresh | null {
    return this.planned;
  }

  get pending(): boolean {
    return this.handle !== undefined;
  }

  arm(plan: PlannedRefresh | null): void {
    this.cancel();
    this.planned = plan;
    if (!plan) return;
    const wait = Math.max(0, plan.at - this.timers.now());
    this.handle = this.timers.setTimeout(
      () => {
        this.handle = undefined;
        if (this.timers.now() < plan.at) {
          this.arm(plan); // woke early after a capped wait
          return;
        }
        this.planned = null;
        this.onDue(plan);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.planned = null;
  }
}
