import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { STALE_FACTOR, abandonment, acquireLock, lockPath, readOwner, type LockOwner } from '../main/core/infra/file-lock.js';
import { TorusError } from '../main/core/errors.js';
import { rejectionOf, tempDir } from './helpers/core-fixtures.js';

/**
 * The lock file that makes the app, the CLI and every bot take turns (one Torus call per
 * profile, one settings write at a time). A lock is taken over only when provably abandoned;
 * a slow but live owner is waited for. Real files, a clock and a sleep under the test's control.
 */
let dir: ReturnType<typeof tempDir>;
let path: string;
let clock: number;
let naps: number[];
const T0 = Date.UTC(2026, 2, 2, 3, 0);

/** Sleeping moves the clock: a waiter polls until the lock is free or abandoned. */
const sleep = (ms: number) => {
  naps.push(ms);
  clock += ms;
  return Promise.resolve();
};
const options = (boundMs = 10_000) => ({ boundMs, now: () => clock, sleep });

/** A process that surely runs on this host and is not us: our parent (vitest's main process). */
const LIVE_PID = process.ppid;
/** A pid no process has (above Linux's pid_max). */
const DEAD_PID = 2 ** 22 + 4321;

function writeOwner(owner: Partial<LockOwner>, file = path): void {
  writeFileSync(file, JSON.stringify({ pid: LIVE_PID, host: hostname(), at: clock, boundMs: 10_000, token: 'theirs', ...owner }));
  // The file's own age counts too (the younger of the two): keep it in step with the stated time.
  const at = (owner.at ?? clock) / 1000;
  utimesSync(file, at, at);
}

beforeEach(() => {
  dir = tempDir('torus-lock');
  path = lockPath(dir.path, 'refresh-main');
  clock = T0;
  naps = [];
});
afterEach(() => dir.remove());

describe('taking a free lock', () => {
  it('creates the lock file with its owner (this process, this host, its bound) and removes it on release', async () => {
    const lock = await acquireLock(path, options(45_000));
    expect(lock.waited).toBe(false);
    expect(naps).toEqual([]);
    expect(readOwner(path)).toMatchObject({ pid: process.pid, host: hostname(), at: T0, boundMs: 45_000 });
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('a folder that cannot hold the lock file is an error for the caller (who may go ahead without a lock)', async () => {
    const error = await rejectionOf(() => acquireLock(join(dir.path, 'missing', '.x.lock'), options()));
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('a live owner is waited for', () => {
  it('while its lock is younger than twice its bound; then the lock is taken over', async () => {
    writeOwner({ boundMs: 10_000 });
    const lock = await acquireLock(path, options());
    expect(lock.waited).toBe(true);
    // Polled until the lock was more than STALE_FACTOR × 10 s old, and not long after that.
    const waited = clock - T0;
    expect(STALE_FACTOR).toBe(2);
    expect(waited).toBeGreaterThan(20_000);
    expect(waited).toBeLessThanOrEqual(20_000 + 100);
    expect(readOwner(path)).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('the wait is polled every 50 to 100 ms (jitter, so 50 waiters do not move in step)', async () => {
    writeOwner({ boundMs: 1_000 });
    (await acquireLock(path, options())).release();
    expect(naps.length).toBeGreaterThan(10);
    for (const nap of naps) {
      expect(nap).toBeGreaterThanOrEqual(50);
      expect(nap).toBeLessThan(100);
    }
    // Spread over the range, not stuck at one end.
    expect(new Set(naps).size).toBeGreaterThan(3);
  });

  it('the waiter takes the lock as soon as the owner releases it', async () => {
    writeOwner({ boundMs: 60_000 });
    let polls = 0;
    const lock = await acquireLock(path, {
      boundMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        if (++polls === 3) unlinkSync(path); // the owner is done
        await sleep(ms);
      },
    });
    expect(lock.waited).toBe(true);
    expect(polls).toBe(3);
    lock.release();
  });

  it('a cancelled wait stops with "cancelled", and leaves the owner its lock', async () => {
    writeOwner({ boundMs: 60_000 });
    const controller = new AbortController();
    const error = await rejectionOf(() =>
      acquireLock(path, {
        ...options(),
        signal: controller.signal,
        sleep: (ms) => {
          controller.abort();
          return sleep(ms);
        },
      }),
    );
    expect(error).toBeInstanceOf(TorusError);
    expect(error).toMatchObject({ kind: 'cancelled', message: 'Stopped waiting for another Torus Token process.' });
    expect(readOwner(path)?.token).toBe('theirs');
  });
});

describe('an abandoned lock is taken over at once', () => {
  it("its owner's process is gone (same host)", async () => {
    writeOwner({ pid: DEAD_PID });
    expect(abandonment(path, clock)).toBe('owner-gone');
    const lock = await acquireLock(path, options());
    expect(naps).toEqual([]);
    expect(readOwner(path)?.pid).toBe(process.pid);
    lock.release();
  });

  it('it names this very process but none of the locks it holds (a leftover from an earlier run with the same pid)', async () => {
    writeOwner({ pid: process.pid, token: 'from-an-earlier-life' });
    expect(abandonment(path, clock)).toBe('owner-gone');
    const lock = await acquireLock(path, options());
    expect(naps).toEqual([]);
    lock.release();
  });

  it('it is empty or half-written more than 5 s after it was created (the writer crashed); younger, it is waited for', async () => {
    writeFileSync(path, '{"pid":');
    const created = readFileSync(path) && Date.now();
    expect(abandonment(path, created + 4_000)).toBeNull();
    expect(abandonment(path, created + 6_000)).toBe('unreadable');
  });
});

describe('a lock from another computer (a shared folder)', () => {
  it('is never judged by its pid, which means nothing here: only by its age against its bound', () => {
    writeOwner({ host: 'another-host', pid: DEAD_PID, boundMs: 10_000 });
    expect(abandonment(path, clock + 19_000)).toBeNull();
    expect(abandonment(path, clock + 21_000)).toBe('too-old');
  });

  it("a lock dated in the future (its owner's clock runs ahead) still ages by its file's time: it cannot stay forever", () => {
    writeOwner({ host: 'another-host', at: T0 + 3_600_000, boundMs: 10_000 });
    utimesSync(path, T0 / 1000, T0 / 1000);
    expect(abandonment(path, T0 + 19_000)).toBeNull();
    expect(abandonment(path, T0 + 21_000)).toBe('too-old');
  });
});

describe('the exact edges (a lock is abandoned only after its time is up, not at it)', () => {
  it('a remote lock at exactly twice its bound is still waited for; a millisecond later it is too old', () => {
    writeOwner({ host: 'another-host', pid: DEAD_PID, boundMs: 10_000 });
    expect(abandonment(path, clock + STALE_FACTOR * 10_000)).toBeNull();
    expect(abandonment(path, clock + STALE_FACTOR * 10_000 + 1)).toBe('too-old');
  });

  it('an unreadable lock at exactly 5 s is still waited for; a millisecond later it is abandoned', () => {
    writeFileSync(path, '');
    utimesSync(path, T0 / 1000, T0 / 1000);
    expect(abandonment(path, T0 + 5_000)).toBeNull();
    expect(abandonment(path, T0 + 5_001)).toBe('unreadable');
  });
});

describe('release', () => {
  it('removes only our own lock: one taken over and re-created by another process stays', async () => {
    const lock = await acquireLock(path, options());
    writeOwner({ token: 'new-owner' });
    lock.release();
    expect(readOwner(path)?.token).toBe('new-owner');
  });
});

describe('two waiters that both see the same dead lock', () => {
  it('take it over one at a time: a takeover in progress (its guard file) is waited for, sleeping, not spinning; a dead one is cleared', async () => {
    mkdirSync(dir.path, { recursive: true });
    writeOwner({ pid: DEAD_PID });
    // Another waiter is taking over right now (its guard is fresh, its process alive).
    writeOwner({ pid: LIVE_PID, boundMs: 1_000, token: 'guard' }, `${path}.takeover`);
    let polls = 0;
    let readsSinceSleep = 0;
    const lock = await acquireLock(path, {
      boundMs: 10_000,
      // Waiting means sleeping between looks: a loop that only reads the clock is spinning.
      now: () => {
        if (++readsSinceSleep > 100) throw new Error('busy loop: retried without sleeping');
        return clock;
      },
      sleep: async (ms) => {
        polls++;
        readsSinceSleep = 0;
        await sleep(ms);
      },
    });
    // It waited for that takeover (the guard's 1 s bound, twice) instead of racing it.
    expect(polls).toBeGreaterThan(0);
    expect(existsSync(`${path}.takeover`)).toBe(false);
    lock.release();
  });
});
