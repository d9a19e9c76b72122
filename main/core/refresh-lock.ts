import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Cross-process single-flight: the app and the CLI (and several bots calling the CLI) share
 * one keychain and one settings folder. Without coordination two of them refresh at once,
 * and with single-use request tokens one of them is refused and asks for a sign-in that was
 * not needed. A lock file per profile, next to the settings file, serialises refreshes; the
 * waiter then reuses the token the holder stored.
 */
export interface HeldLock {
  /** True when another process held the lock and we waited for it. */
  waited: boolean;
  release(): void;
}

export interface LockOptions {
  /** Give up waiting after this long and go ahead unlocked (a stuck lock must not block refreshes). */
  timeoutMs?: number;
  /** A lock older than this is left over from a crashed process. */
  staleMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(path: string, staleMs: number): boolean {
  try {
    const age = Date.now() - statSync(path).mtimeMs;
    if (age > staleMs) return true;
    const owner = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
    return typeof owner.pid === 'number' && owner.pid !== process.pid && !ownerAlive(owner.pid);
  } catch {
    // Unreadable or half-written: young files get the benefit of the doubt.
    return false;
  }
}

export function lockPath(dir: string, profileId: string): string {
  return join(dir, `.refresh-${profileId}.lock`);
}

export async function acquireRefreshLock(dir: string, profileId: string, options: LockOptions = {}): Promise<HeldLock> {
  const path = lockPath(dir, profileId);
  const timeoutMs = options.timeoutMs ?? 90_000;
  const staleMs = options.staleMs ?? 120_000;
  const pollMs = options.pollMs ?? 100;
  const token = `${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
  const started = Date.now();
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, token }));
      closeSync(fd);
      return {
        waited,
        release: () => {
          try {
            if (readFileSync(path, 'utf8').includes(token)) unlinkSync(path);
          } catch {
            // Already gone (removed as stale by someone else).
          }
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // No lock possible here (read-only folder…): refreshing unlocked beats not refreshing.
        return { waited, release: () => undefined };
      }
    }
    if (isStale(path, staleMs)) {
      try {
        unlinkSync(path);
      } catch {
        // Someone else cleaned it up first.
      }
      continue;
    }
    if (options.signal?.aborted || Date.now() - started > timeoutMs) return { waited, release: () => undefined };
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
