import type { Attempt, TokenMeta } from './settings-schema.js';

/**
 * What the user sees about a profile's token. The state is derived (never stored) from the
 * token's metadata and the last refresh attempt, so it can never drift from the facts.
 */
export type TokenStatus = 'none' | 'refreshing' | 'fresh' | 'expiring-soon' | 'stale' | 'failed' | 'needs-sign-in';

export interface LastError {
  kind: Exclude<Attempt['outcome'], 'success'>;
  message: string;
  at: number;
  needsSignIn: boolean;
}

export interface TokenState {
  profileId: string;
  status: TokenStatus;
  token: TokenMeta | null;
  /** The most recent failure after the current token was issued (the token still survives it). */
  lastError: LastError | null;
  nextRefreshAt: number | null;
}

export function lastFailure(history: readonly Attempt[], token: TokenMeta | null): LastError | null {
  const last = history[history.length - 1];
  if (!last || last.outcome === 'success') return null;
  if (token && last.at < token.issuedAt) return null;
  const kind = last.outcome;
  return { kind, message: last.message, at: last.at, needsSignIn: last.needsSignIn };
}

export function deriveStatus(now: number, token: TokenMeta | null, failure: LastError | null, refreshing: boolean, marginMs: number): TokenStatus {
  if (refreshing) return 'refreshing';
  const usable = token !== null && now < token.expiresAt;
  if (!usable) {
    if (failure?.needsSignIn) return 'needs-sign-in';
    if (failure) return 'failed';
    return token ? 'stale' : 'none';
  }
  if (now >= token.expiresAt - marginMs) return failure?.needsSignIn ? 'needs-sign-in' : 'expiring-soon';
  return 'fresh';
}
