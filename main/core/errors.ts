/**
 * Every failure the core can report, as a typed value with a user-facing message.
 * Messages name the next step and never contain a secret: callers pass only
 * non-secret context (HTTP status, Torus's own message after redaction).
 */
export type TorusErrorKind =
  | 'rejected'
  | 'rate-limited'
  | 'server-error'
  | 'network'
  | 'timeout'
  | 'invalid-response'
  | 'not-configured'
  | 'keychain-unavailable'
  | 'invalid-input'
  | 'cancelled'
  | 'export-failed';

export interface TorusErrorOptions {
  /** HTTP status when the failure came from Torus. */
  status?: number;
  /** Torus's own message (already redacted). */
  torusMessage?: string;
  /** For rejected: was it the request token (sign in again) or the key/secret? */
  needsSignIn?: boolean;
  /** Seconds Torus asked us to wait (429). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class TorusError extends Error {
  readonly kind: TorusErrorKind;
  readonly status: number | undefined;
  readonly torusMessage: string | undefined;
  readonly needsSignIn: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: TorusErrorKind, message: string, options: TorusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TorusError';
    this.kind = kind;
    this.status = options.status;
    this.torusMessage = options.torusMessage;
    this.needsSignIn = options.needsSignIn ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Failures worth retrying on their own (the network, Torus overloaded). */
  get transient(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || this.kind === 'server-error' || this.kind === 'rate-limited';
  }
}

export function isTorusError(value: unknown): value is TorusError {
  return value instanceof TorusError;
}

/** Wraps anything thrown into a TorusError without leaking its text (it may hold a secret). */
export function toTorusError(value: unknown): TorusError {
  if (value instanceof TorusError) return value;
  return new TorusError('network', 'Something unexpected went wrong. Try again; if it keeps failing, run with --debug.', {
    cause: value,
  });
}

/** CLI exit codes, part of the CLI's public contract. */
export const EXIT = {
  ok: 0,
  usage: 2,
  notConfigured: 3,
  rejected: 4,
  transient: 5,
  keychain: 6,
  invalidResponse: 7,
} as const;

export function exitCodeFor(error: TorusError): number {
  switch (error.kind) {
    case 'rejected':
      return EXIT.rejected;
    case 'rate-limited':
    case 'server-error':
    case 'network':
    case 'timeout':
    case 'cancelled':
      return EXIT.transient;
    case 'invalid-response':
      return EXIT.invalidResponse;
    case 'not-configured':
      return EXIT.notConfigured;
    case 'keychain-unavailable':
      return EXIT.keychain;
    case 'invalid-input':
      return EXIT.usage;
    case 'export-failed':
      return EXIT.transient;
  }
}

export const messages = {
  notConfigured: (what: string, profile: string) =>
    `No ${what} saved for profile "${profile}". Run "torus-token login --profile ${profile}" or open Settings in the app.`,
  keychainUnavailable: (detail: string) =>
    `The system keychain is not available (${detail}). On Linux install and unlock a Secret Service provider such as gnome-keyring or KeePassXC; on macOS/Windows unlock your login keychain. Torus Token never stores secrets in plain text.`,
} as const;
