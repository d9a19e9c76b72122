import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TorusError } from '../errors.js';

/**
 * Cross-process mutual exclusion with a lock file (`open(…, 'wx')` is atomic on every local
 * file system). The app, the CLI and every bot share one settings folder and one keychain:
 * - the settings lock makes each settings write a read-modify-write of the newest file, so no
 *   writer can undo another's change;
 * - the refresh lock makes one Torus call per profile at a time, so a single-use request
 *   token is never spent twice.
 *
 * A lock is taken over only when it is provably abandoned: its owner process is gone (same
 * host), or it is far older than the longest its owner said it could need (`boundMs`, written
 * into the file). A slow but live owner is waited for.
 */
export interface LockOwner {
  pid: number;
  host: string;
  at: number;
  /** The longest the owner expects to hold the lock. */
  boundMs: number;
  token: string;
}

export interface HeldLock {
  /** True when another process held the lock and we waited for it. */
  waited: boolean;
  release(): void;
}

export interface LockOptions {
  /** How long this owner may hold the lock; waiters consider it abandoned after `staleFactor` times this. */
  boundMs: number;
  /** Poll interval while waiting (a little jitter is added, so 50 waiters do not move in step). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Clock for ages; the file's own mtime is compared against it. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A live owner is waited for until its lock is this many times older than its bound. */
export const STALE_FACTOR = 2;
/** A lock file that is still empty or half-written this long after creation was left by a crash. */
const UNREADABLE_GRACE_MS = 5_000;

export function lockPath(dir: string, name: string): string {
  return join(dir, `.${name}.lock`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readOwner(path: string): LockOwner | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string' || typeof raw.at !== 'number' || typeof raw.boundMs !== 'number') return null;
    return { pid: raw.pid, host: raw.host, at: raw.at, boundMs: raw.boundMs, token: String(raw.token ?? '') };
  } catch {
    return null;
  }
}

/** Why a lock file may be taken over, or null while its owner may still be working. */
/** Tokens of the locks this process holds now: a file with our pid but another token is a leftover. */
const heldHere = new Set<string>();

export function abandonment(path: string, now: number): 'owner-gone' | 'too-old' | 'unreadable' | null {
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return null; // gone already: the next attempt to create it decides
  }
  const owner = readOwner(path);
  if (!owner) return now - mtime > UNREADABLE_GRACE_MS ? 'unreadable' : null;
  if (owner.host === hostname()) {
    if (owner.pid === process.pid ? !heldHere.has(owner.token) : !processAlive(owner.pid)) return 'owner-gone';
  }
  const age = now - Math.min(owner.at, mtime);
  return age > owner.boundMs * STALE_FACTOR ? 'too-old' : null;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock, waiting while another live owner holds it. Throws a TorusError('cancelled')
 * when the signal aborts, and the file-system error when the lock file cannot be created
 * (callers decide whether to go ahead without a lock).
 */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.pollMs ?? 50;
  const token = randomBytes(8).toString('hex');
  let waited = false;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), at: now(), boundMs: options.boundMs, token };
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      heldHere.add(token);
      return {
        waited,
        release: () => {
          heldHere.delete(token);
          releaseIfOurs(path, token);
        },
      };
    } catch (error) {
      if (fd !== undefined) {
        // Created but not written (disk full): do not leave an unreadable lock behind.
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
        releaseFile(path);
        throw error;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Taken over: try again at once. Another waiter's takeover in progress: wait like for a
    // live owner (retrying at once would spin at full speed until that takeover ends).
    if (abandonment(path, now()) !== null && takeOver(path, now)) continue;
    if (options.signal?.aborted) throw new TorusError('cancelled', 'Stopped waiting for another Torus Token process.');
    waited = true;
    await sleep(pollMs + Math.floor(Math.random() * pollMs));
  }
}

/**
 * Removes an abandoned lock. Takeovers go one at a time through a guard file, and the lock is
 * judged again inside it: two waiters that both saw the same dead lock must not remove the
 * fresh lock the first of them has created meanwhile. False when another takeover was running.
 */
function takeOver(path: string, now: () => number): boolean {
  const guard = `${path}.takeover`;
  const token = randomBytes(8).toString('hex');
  let fd: number | undefined;
  try {
    fd = openSync(guard, 'wx', 0o600);
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), at: now(), boundMs: 1_000, token } satisfies LockOwner));
    closeSync(fd);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    // Another takeover is running (or died mid-way: then its guard is cleared for the next try).
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && abandonment(guard, now()) !== null) releaseFile(guard);
    return false;
  }
  heldHere.add(token);
  try {
    if (abandonment(path, now()) !== null) releaseFile(path);
  } finally {
    heldHere.delete(token);
    releaseFile(guard);
  }
  return true;
}

function releaseIfOurs(path: string, token: string): void {
  if (readOwner(path)?.token === token) releaseFile(path);
}

function releaseFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone (taken over as abandoned, or cleaned up by someone else).
  }
}
