import type { TimerApi } from '../../main/core/ports.js';

/**
 * A controllable wall clock with setTimeout, for days of simulated time in milliseconds of
 * real time. `advanceTo` fires due timers in order and awaits what they start (refreshes are
 * asynchronous), so a test reads like a timeline. `monotonic` can be held back to simulate a
 * clock change (the wall clock jumps, the monotonic one does not).
 */
export class FakeClock implements TimerApi {
  current: number;
  private mono = 0;
  private seq = 0;
  readonly timers = new Map<number, { at: number; callback: () => void }>();
  /** Every delay ever requested (to check that nothing polls). */
  readonly requested: number[] = [];
  /** Callbacks run by advanceTo. */
  fired = 0;

  constructor(start: number) {
    this.current = start;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.requested.push(ms);
    this.timers.set(id, { at: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.mono;
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves the wall clock only (a clock change): timers keep their monotonic deadlines. */
  jumpWallClock(by: number): void {
    this.current += by;
    for (const timer of this.timers.values()) timer.at += by;
  }

  /** Runs every timer due up to `target`, oldest first, letting the promises each one starts settle. */
  async advanceTo(target: number, settle: () => Promise<void> = flush): Promise<void> {
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      const step = Math.max(0, due[1].at - this.current);
      this.current += step;
      this.mono += step;
      this.fired++;
      due[1].callback();
      await settle();
    }
    const rest = Math.max(0, target - this.current);
    this.current += rest;
    this.mono += rest;
    await settle();
  }

  async advanceBy(ms: number, settle?: () => Promise<void>): Promise<void> {
    await this.advanceTo(this.current + ms, settle);
  }
}

/** Lets pending promise chains (and a little real I/O) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
