import type { Attempt, Refusal, TokenMeta } from './settings-schema.js';

/**
 * What the user sees about a profile's token. The status is derived (never stored) from the
 * token's metadata, the refresh attempts, a refused credential set and the clock, so it can
 * never drift from the facts; the monitor re-derives it at each boundary where it changes.
 */
import type { TokenStatus } from './vocabulary.js';

export { TOKEN_STATUSES, type TokenStatus } from './vocabulary.js';

export interface LastError {
  kind: Exclude<Attempt['outcome'], 'success'>;
  message: string;
  at: number;
  needsSignIn: boolean;
  retryAt: number | null;
}

export interface StatusFacts {
  now: number;
  token: TokenMeta | null;
  history: readonly Attempt[];
  refusal: Refusal | null;
  refreshing: boolean;
  marginMs: number;
}

/** The most recent failure after the current token was issued (the token still survives it). */
export function lastFailure(history: readonly Attempt[], token: TokenMeta | null): LastError | null {
  const last = history[history.length - 1];
  if (!last || last.outcome === 'success') return null;
  if (token && last.at < token.issuedAt) return null;
  return { kind: last.outcome, message: last.message, at: last.at, needsSignIn: last.needsSignIn, retryAt: last.retryAt };
}

export function deriveStatus(facts: StatusFacts): TokenStatus {
  if (facts.refreshing) return 'refreshing';
  const { now, token, refusal } = facts;
  const failure = lastFailure(facts.history, token);
  const signIn = refusal?.needsSignIn === true || failure?.needsSignIn === true;
  const usable = token !== null && now < token.expiresAt;
  if (!usable) {
    if (signIn) return 'needs-sign-in';
    if (refusal || failure) return 'failed';
    return token ? 'stale' : 'none';
  }
  if (now >= token.expiresAt - facts.marginMs) return signIn ? 'needs-sign-in' : 'expiring-soon';
  return 'fresh';
}

/** Most urgent first: what the tray icon shows when several profiles differ. */
const URGENCY: Record<TokenStatus, number> = {
  'needs-sign-in': 6,
  failed: 5,
  stale: 4,
  none: 3,
  'expiring-soon': 2,
  refreshing: 1,
  fresh: 0,
};

export function mostUrgent(statuses: Iterable<TokenStatus>): TokenStatus {
  let worst: TokenStatus | null = null;
  // Stryker disable next-line EqualityOperator: every status has its own urgency, so ">=" picks the same status
  for (const status of statuses) if (worst === null || URGENCY[status] > URGENCY[worst]) worst = status;
  return worst ?? 'none';
}

/** Does this status ask the trader to act (sign in, or fix what failed)? */
export function attentionNeeded(status: TokenStatus): 'sign-in' | 'failed' | null {
  if (status === 'needs-sign-in') return 'sign-in';
  if (status === 'failed') return 'failed';
  return null;
}
