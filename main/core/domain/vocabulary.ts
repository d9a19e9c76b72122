/**
 * The words every layer shares, as plain types with no dependency at all: the IPC contract
 * (and so the renderer) imports them from here without pulling in Node or zod.
 */
export const ERROR_KINDS = [
  'rejected',
  'rate-limited',
  'server-error',
  'network',
  'timeout',
  'invalid-response',
  'not-configured',
  'keychain-unavailable',
  'invalid-input',
  'cancelled',
  'export-failed',
  'filesystem',
  'unexpected',
] as const;
export type TorusErrorKind = (typeof ERROR_KINDS)[number];

export const TOKEN_STATUSES = ['none', 'refreshing', 'fresh', 'expiring-soon', 'stale', 'failed', 'needs-sign-in'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const PROFILE_MODES = ['request-token', 'totp'] as const;
export type ProfileMode = (typeof PROFILE_MODES)[number];
