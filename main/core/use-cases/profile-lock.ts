import { mkdirSync } from 'node:fs';
import { TorusError } from '../errors.js';
import { acquireLock, lockPath, type HeldLock } from '../infra/file-lock.js';
import { DEFAULT_RETRY, MAX_RETRY_AFTER_MS, TOTP_MIN_VALIDITY_MS, type RetryPolicy } from '../infra/session-client.js';
import type { Core } from './core.js';

/** Keychain and settings work around the Torus call, on a slow machine. */
const REFRESH_SLACK_MS = 15_000;

/**
 * The longest one refresh can take: every attempt timing out, the longest inline wait between
 * attempts, a TOTP window edge, the export hook, and slack. A process waiting for another's
 * refresh lock waits at least this long before it may consider the lock abandoned.
 */
export function refreshBoundMs(timeoutMs: number, hookTimeoutMs: number, retry: RetryPolicy = DEFAULT_RETRY): number {
  return retry.attempts * timeoutMs + (retry.attempts - 1) * MAX_RETRY_AFTER_MS + TOTP_MIN_VALIDITY_MS + hookTimeoutMs + REFRESH_SLACK_MS;
}

/**
 * Holds the profile's cross-process refresh lock while `work` runs (refreshes, logouts and
 * removals of one profile never overlap, in any process). Without a lock file (read-only or
 * full settings folder) the work goes ahead unlocked: a token beats no token.
 */
export async function withRefreshLock<T>(
  core: Core,
  profileId: string,
  work: (waited: boolean) => Promise<T>,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const settings = core.settings.read();
  const boundMs = refreshBoundMs(options.timeoutMs ?? settings.refresh.timeoutSeconds * 1000, settings.hookTimeoutSeconds * 1000, core.http.retry);
  let lock: HeldLock | null = null;
  try {
    mkdirSync(core.settings.dir, { recursive: true, mode: 0o700 });
    lock = await acquireLock(lockPath(core.settings.dir, `refresh-${profileId}`), { boundMs, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (error instanceof TorusError) throw error;
    core.log(`refresh lock unavailable (${(error as NodeJS.ErrnoException).code ?? 'error'}); going ahead without it`);
  }
  try {
    return await work(lock?.waited ?? false);
  } finally {
    lock?.release();
  }
}
