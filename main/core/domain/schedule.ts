import { nextDailyTime, wallClock, parseHhMm, type DailyTime } from './expiry.js';
import type { Attempt, Refusal, TokenMeta } from './settings-schema.js';

/**
 * When should the next automatic refresh happen, and when does a profile's status next change?
 * Pure functions of the facts and the clock, so every rule is tested with plain numbers over
 * simulated days; the monitor turns their answers into one timer per profile.
 */
export const FAILURE_BACKOFF_MS = [1, 2, 5, 10, 30].map((minutes) => minutes * 60_000);

/**
 * A JWT whose life is shorter than the margin would be "due" the moment it arrives, and the
 * schedule would refresh in a tight loop: such a token is refreshed at half its life, and
 * never sooner than this after it was issued.
 */
export const MIN_TOKEN_AGE_MS = 60_000;

/** Outcomes the schedule retries by itself, with backoff (the rest wait for the user). */
const RETRYABLE = new Set<string>(['network', 'timeout', 'server-error', 'rate-limited', 'cancelled', 'invalid-response', 'unexpected']);

export interface FailureInfo {
  /** Consecutive failures since the last success. */
  count: number;
  lastAt: number;
  /** Worth retrying by itself. A refusal or a missing credential is not. */
  retryable: boolean;
  /** Torus asked not to be called before this instant. */
  retryAt: number | null;
}

/** Consecutive failures at the end of the history. */
export function failureInfo(history: ReadonlyArray<Pick<Attempt, 'at' | 'outcome' | 'retryAt'>>): FailureInfo | null {
  let count = 0;
  for (let i = history.length - 1; i >= 0 && history[i]!.outcome !== 'success'; i--) count++;
  if (count === 0) return null;
  const last = history[history.length - 1]!;
  return { count, lastAt: last.at, retryable: RETRYABLE.has(last.outcome), retryAt: last.retryAt ?? null };
}

export function backoffAfter(failures: FailureInfo): number {
  return FAILURE_BACKOFF_MS[Math.min(failures.count, FAILURE_BACKOFF_MS.length) - 1]!;
}

export interface ScheduleFacts {
  now: number;
  token: TokenMeta | null;
  history: ReadonlyArray<Pick<Attempt, 'at' | 'outcome' | 'retryAt'>>;
  refusal: Refusal | null;
  marginMs: number;
}

export type RefreshReason = 'expiry' | 'retry';

export interface PlannedRefresh {
  at: number;
  reason: RefreshReason;
}

export function nextRefreshAt(facts: ScheduleFacts): PlannedRefresh | null {
  // A refused credential set is never sent again until one of its values changes.
  if (facts.refusal) return null;
  const { token, marginMs } = facts;
  const failures = failureInfo(facts.history);
  const candidates: PlannedRefresh[] = [];

  if (failures?.retryable) {
    candidates.push({ at: Math.max(failures.lastAt + backoffAfter(failures), failures.retryAt ?? 0), reason: 'retry' });
  }
  if (token && !(failures && !failures.retryable)) {
    // A JWT's exp is a real deadline: refresh a margin before it. A daily-cutoff expiry is
    // not: a token fetched before the cutoff expires at the same cutoff, so refresh at it.
    let at = token.expirySource === 'jwt' ? token.expiresAt - marginMs : token.expiresAt;
    if (token.expirySource === 'jwt' && at < token.issuedAt + MIN_TOKEN_AGE_MS) {
      at = token.issuedAt + Math.max(MIN_TOKEN_AGE_MS, Math.round((token.expiresAt - token.issuedAt) / 2));
    }
    // While failing, an expiry refresh that was already due at the last failure has been
    // tried: the backoff decides when to try again (else it would retry at once, in a loop).
    if (!failures || at > failures.lastAt) candidates.push({ at, reason: 'expiry' });
  }
  if (candidates.length === 0) return null;
  const earliest = candidates.reduce((a, b) => (b.at < a.at ? b : a));
  return { at: Math.max(facts.now, earliest.at), reason: earliest.reason };
}

export type BoundaryKind = 'expiring' | 'expired' | 'refresh' | 'ready-by';

export interface Boundary {
  at: number;
  kinds: BoundaryKind[];
  refresh: PlannedRefresh | null;
}

/**
 * The next instant at which something about the profile changes by the clock alone: it starts
 * expiring, it expires, a refresh is due, or its ready-by time comes. Strictly in the future,
 * except a refresh that is due now.
 */
export function nextBoundary(facts: ScheduleFacts & { readyBy: DailyTime }): Boundary {
  const { now, token, marginMs } = facts;
  const candidates: Array<{ at: number; kind: BoundaryKind }> = [];
  if (token) {
    if (now < token.expiresAt - marginMs) candidates.push({ at: token.expiresAt - marginMs, kind: 'expiring' });
    if (now < token.expiresAt) candidates.push({ at: token.expiresAt, kind: 'expired' });
  }
  const refresh = nextRefreshAt(facts);
  if (refresh) candidates.push({ at: refresh.at, kind: 'refresh' });
  candidates.push({ at: nextDailyTime(now, facts.readyBy), kind: 'ready-by' });
  const at = Math.min(...candidates.map((c) => c.at));
  return { at, kinds: candidates.filter((c) => c.at === at).map((c) => c.kind), refresh: refresh && refresh.at === at ? refresh : null };
}

/**
 * Between the daily cutoff and the trader's ready-by time nobody should be woken: nothing
 * notifies. The window wraps midnight when the cutoff is later in the day than the ready-by time.
 */
export function inQuietHours(now: number, cutoff: DailyTime, readyBy: string): boolean {
  const c = parseHhMm(cutoff.time);
  const r = parseHhMm(readyBy);
  const wall = wallClock(now, cutoff.zone);
  const t = wall.hour * 60 + wall.minute;
  const start = c.hour * 60 + c.minute;
  const end = r.hour * 60 + r.minute;
  if (start === end) return false;
  // Stryker disable next-line EqualityOperator: start === end has returned above, so "start <= end" is the same test
  return start < end ? t >= start && t < end : t >= start || t < end;
}

/**
 * Saturday or Sunday in the cutoff's zone: the exchanges are closed, so the ready-by reminder
 * does not come (the tray still shows the truth, and a trader who wants a token signs in as usual).
 */
export function isWeekend(now: number, zone: string): boolean {
  const wall = wallClock(now, zone);
  const weekday = new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay();
  return weekday === 0 || weekday === 6;
}
