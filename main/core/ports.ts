/**
 * The small ports through which the core's use cases reach the outside world. The app and the
 * CLI each supply their own adapters; tests supply fakes only for what cannot run here.
 * (The keychain port is `SecretBackend` in infra/keychain.ts; settings are the shared file.)
 */

/** Milliseconds since the epoch. Injected so schedules can be tested over simulated days. */
export type Clock = () => number;

/** Timers the core may arm. `now()` is the same clock the plans use. */
export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  /** A clock that sleep and clock changes do not move (performance.now); lets a timer notice a clock jump. */
  monotonic?(): number;
}

export const realTimers: TimerApi = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A timer alone must not keep a CLI or test process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** Diagnostic lines; callers never pass a secret, and adapters redact once more. */
export type Log = (line: string) => void;

/** The system clipboard (the app's main process; none in the CLI). */
export interface ClipboardPort {
  writeText(text: string): void;
  /** What this app last wrote, or '' after a clear. */
  readText(): string;
}

/**
 * A change a compromised popover (or a typo in a script) could abuse: sending credentials to
 * another server, writing the token to a file, running a command, keeping the token on the
 * clipboard. The user approves it outside the popover: a native dialog in the app, a prompt
 * (or `--yes`) in the CLI.
 */
export interface SensitiveChange {
  kind: 'base-url' | 'totp-base-url' | 'export-file' | 'hook-command' | 'clipboard-keep';
  /** One line, shown verbatim. Never contains a secret. */
  description: string;
  /** The value being approved (used for its fingerprint). */
  value: string;
}

export interface Approver {
  /** Resolves true only on an explicit approval. */
  approve(request: { profileName: string | null; changes: SensitiveChange[] }): Promise<boolean>;
}

/**
 * Opens Torus's sign-in page and resolves with the captured request token and the origin it
 * was handed to (learnt when `redirectOrigin` is null), or how the sign-in ended without one.
 */
export interface SignInPort {
  open(request: {
    loginUrl: string;
    profileId: string;
    redirectOrigin: string | null;
  }): Promise<{ requestToken: string; redirectOrigin: string } | { outcome: 'closed' | 'timeout' }>;
}
