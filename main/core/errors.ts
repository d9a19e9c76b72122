/**
 * Every failure the core can report, as a typed value with a user-facing message.
 * Messages name the next step and never contain a secret: callers pass only
 * non-secret context (HTTP status, Torus's own message after redaction, a folder path).
 */
import { ERROR_KINDS, type TorusErrorKind } from './domain/vocabulary.js';

export { ERROR_KINDS, type TorusErrorKind };

export interface TorusErrorOptions {
  /** HTTP status when the failure came from Torus. */
  status?: number;
  /** Torus's own message (already redacted). */
  torusMessage?: string;
  /** For rejected: was it the request token (sign in again) or the key/secret? */
  needsSignIn?: boolean;
  /** Seconds Torus asked us to wait (429, 503). */
  retryAfterSeconds?: number;
  /** When Torus asked to wait longer than we wait inline: the instant the next attempt may happen. */
  retryAt?: number;
  cause?: unknown;
}

export class TorusError extends Error {
  readonly kind: TorusErrorKind;
  readonly status: number | undefined;
  readonly torusMessage: string | undefined;
  readonly needsSignIn: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly retryAt: number | undefined;

  constructor(kind: TorusErrorKind, message: string, options: TorusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TorusError';
    this.kind = kind;
    this.status = options.status;
    this.torusMessage = options.torusMessage;
    this.needsSignIn = options.needsSignIn ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryAt = options.retryAt;
  }

  /** Failures worth retrying on their own (the network, Torus overloaded). */
  get transient(): boolean {
    return isTransientKind(this.kind);
  }
}

export function isTransientKind(kind: string | undefined): boolean {
  return kind === 'network' || kind === 'timeout' || kind === 'server-error' || kind === 'rate-limited';
}

export function isTorusError(value: unknown): value is TorusError {
  return value instanceof TorusError;
}

/** File-system failures that get their own kind, exit code and message (never "network"). */
const FS_PROBLEMS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EIO: 'an input/output error (the disk may be failing)',
  EISDIR: 'a folder is where the file should be',
  ENOTDIR: 'a file is where a folder should be',
};

export function fsErrorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in FS_PROBLEMS ? code : undefined;
}

/**
 * A file-system failure in plain words, naming the place and the code:
 * "Could not write the settings folder /home/a/.config/Torus Token: no space left on the device (ENOSPC)."
 */
export function fileSystemError(error: unknown, action: string, place: string, advice = ''): TorusError {
  const code = fsErrorCode(error) ?? ((error as NodeJS.ErrnoException | null)?.code || 'error');
  const problem = FS_PROBLEMS[code] ?? 'a file-system error';
  return new TorusError('filesystem', `Could not ${action} ${place}: ${problem} (${code}).${advice ? ` ${advice}` : ''}`, { cause: error });
}

/** Wraps anything thrown into a TorusError without leaking its text (it may hold a secret). */
export function toTorusError(value: unknown): TorusError {
  if (value instanceof TorusError) return value;
  if (fsErrorCode(value) !== undefined) {
    const path = (value as NodeJS.ErrnoException).path;
    return fileSystemError(value, 'use', typeof path === 'string' ? path : 'a file');
  }
  return new TorusError('unexpected', 'Something unexpected went wrong. Try again; if it keeps failing, run with --debug and report it.', {
    cause: value,
  });
}

/** CLI exit codes, part of the CLI's public contract. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notConfigured: 3,
  rejected: 4,
  transient: 5,
  keychain: 6,
  invalidResponse: 7,
  filesystem: 8,
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
    case 'export-failed':
      return EXIT.transient;
    case 'invalid-response':
      return EXIT.invalidResponse;
    case 'not-configured':
      return EXIT.notConfigured;
    case 'keychain-unavailable':
      return EXIT.keychain;
    case 'invalid-input':
      return EXIT.usage;
    case 'filesystem':
      return EXIT.filesystem;
    case 'unexpected':
      return EXIT.unexpected;
  }
}

export const messages = {
  notConfigured: (what: string, profile: string) =>
    `No ${what} saved for profile "${profile}". Run "torus-token login --profile ${profile}" or open Settings in the app.`,
  keychainUnavailable: (detail: string) =>
    `The system keychain is not available (${detail}). On Linux install and unlock a Secret Service provider such as gnome-keyring or KeePassXC; on macOS/Windows unlock your login keychain. Torus Token never stores secrets in plain text.`,
} as const;
