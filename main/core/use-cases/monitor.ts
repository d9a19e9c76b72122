import { inQuietHours, isWeekend, nextBoundary, type Boundary } from '../domain/schedule.js';
import { attentionNeeded } from '../domain/token-status.js';
import { isTransientKind } from '../errors.js';
import type { Profile, Settings } from '../domain/settings-schema.js';
import type { TimerApi } from '../ports.js';
import { retractIfExpired } from './exports.js';
import { isRefreshing, profileState, refresh, type RefreshReason } from './tokens.js';
import type { Core } from './core.js';

/**
 * Keeps every profile's state true to the clock in a long-running process (the app): one
 * timer per profile, armed at its next boundary (starts expiring, expires, a refresh is due,
 * its ready-by time), and re-armed after each change, wake, unlock and clock jump. Nothing
 * polls: an idle day with a fresh token costs a handful of timer fires per profile.
 *
 * At a boundary it refreshes what is due (silently), takes back the export of an expired
 * token, and at the ready-by time reminds the trader of a profile that needs them. Between
 * the daily cutoff and the ready-by time nobody is reminded; on Saturdays and Sundays the ready-by
 * reminder rests.
 */
export type MonitorEvent = 'login' | 'resume' | 'unlock' | 'online';

export interface Reminder {
  profileId: string;
  need: 'sign-in' | 'failed';
  event: 'ready-by' | 'login' | 'resume' | 'unlock';
}

export interface MonitorHooks {
  /** A boundary passed: the profile's status may have changed by the clock alone. */
  onTick?(profileId: string): void;
  onReminder?(reminder: Reminder): void;
  onError?(profileId: string, error: unknown): void;
}

/** setTimeout's ceiling; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** The same profile is never refreshed automatically twice within this (a failure that could not be recorded must not loop). */
export const AUTO_REFRESH_GAP_MS = 60_000;
/** A boundary that fires this long after its instant was missed (sleep, a changed clock). */
const LATE_MS = 2 * 60_000;
/** A wall clock that moved this much against the monotonic one was changed (or the machine slept). */
const CLOCK_JUMP_MS = 60_000;

export class ProfileMonitor {
  private readonly armed = new Map<string, { handle: unknown; boundary: Boundary }>();
  private readonly lastAuto = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private anchor: { wall: number; mono: number } | null = null;
  private stopped = false;
  /** Work started by timers and events that has not finished yet. */
  private readonly busy = new Set<Promise<unknown>>();
  /** Profiles whose boundary or event is being handled: they are re-armed when that is done. */
  private readonly handling = new Map<string, number>();
  /** Timer callbacks that did work (for the idle-day benchmark and tests). */
  fires = 0;

  constructor(
    private readonly core: Core,
    private readonly timers: TimerApi,
    private readonly hooks: MonitorHooks = {},
  ) {
    this.setAnchor();
    this.unsubscribe = core.onChange((profileId) => {
      if (profileId === null) this.rearmAll();
      else this.rearm(profileId);
    });
  }

  get pendingTimers(): number {
    return this.armed.size;
  }

  /** Resolves once everything the monitor started (refreshes, retractions, reminders) has finished. */
  async settled(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.busy.add(work);
    void work.finally(() => this.busy.delete(work)).catch(() => undefined);
    return work;
  }

  /** The next boundary armed for a profile (tests, status displays). */
  next(profileId: string): Boundary | null {
    return this.armed.get(profileId)?.boundary ?? null;
  }

  rearmAll(): void {
    if (this.stopped) return;
    const settings = this.core.settings.read();
    const ids = new Set(settings.profiles.map((p) => p.id));
    for (const id of [...this.armed.keys()]) if (!ids.has(id)) this.cancel(id);
    for (const profile of settings.profiles) this.rearm(profile.id, settings);
  }

  rearm(profileId: string, settings: Settings = this.core.settings.read()): void {
    if (this.stopped || this.handling.has(profileId)) return;
    // A boundary that is due has duties (a reminder, a retraction) that a boundary computed at
    // this very instant would no longer see: it runs now, and re-arms when done.
    const armed = this.armed.get(profileId);
    if (armed && armed.boundary.at <= this.timers.now()) {
      this.cancel(profileId);
      this.fire(profileId, armed.boundary);
      return;
    }
    this.cancel(profileId);
    const profile = settings.profiles.find((p) => p.id === profileId);
    // A running refresh re-arms its profile when it ends (core.changed).
    if (!profile || isRefreshing(this.core, profileId)) return;
    const boundary = this.boundaryFor(profile, settings);
    const wait = Math.max(0, boundary.at - this.timers.now());
    const handle = this.timers.setTimeout(() => this.fire(profileId, boundary), Math.min(wait, MAX_TIMER_MS));
    this.armed.set(profileId, { handle, boundary });
  }

  /**
   * After sleep, unlock, login or the network coming back: refresh what is due now (stale
   * tokens; after `online`, what failed on the network), remind of what needs the trader, and
   * re-arm every timer (the clock moved while asleep).
   */
  event(kind: MonitorEvent): Promise<void> {
    return this.track(this.handleEvent(kind));
  }

  private async handleEvent(kind: MonitorEvent): Promise<void> {
    this.setAnchor();
    const settings = this.core.settings.read();
    const refreshAllowed = kind !== 'login' || settings.refresh.atLogin;
    await Promise.all(
      settings.profiles.map((profile) =>
        this.whileHandling(profile.id, async () => {
          await this.retract(profile.id);
          if (refreshAllowed && this.dueNow(profile, settings, kind)) await this.autoRefresh(profile.id, kind);
          if (kind !== 'online') this.remind(profile.id, kind);
        }),
      ),
    );
    this.rearmAll();
  }

  private async whileHandling(profileId: string, work: () => Promise<void>): Promise<void> {
    this.handling.set(profileId, (this.handling.get(profileId) ?? 0) + 1);
    try {
      await work();
    } finally {
      const left = (this.handling.get(profileId) ?? 1) - 1;
      if (left > 0) this.handling.set(profileId, left);
      else this.handling.delete(profileId);
    }
  }

  /**
   * Called when the trader looks (popover shown, tray menu opened): if the wall clock was changed
   * since the last look, every timer is re-armed and every status re-derived. No polling needed.
   */
  checkClock(): void {
    if (this.clockJumped()) {
      this.rearmAll();
      for (const id of this.armed.keys()) this.hooks.onTick?.(id);
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const id of [...this.armed.keys()]) this.cancel(id);
  }

  private boundaryFor(profile: Profile, settings: Settings): Boundary {
    const boundary = nextBoundary({
      now: this.core.now(),
      token: settings.tokens[profile.id] ?? null,
      history: settings.history[profile.id] ?? [],
      refusal: settings.refusals[profile.id] ?? null,
      marginMs: settings.refresh.marginMinutes * 60_000,
      readyBy: { time: profile.readyBy, zone: settings.refresh.cutoffZone },
    });
    const last = this.lastAuto.get(profile.id);
    if (boundary.refresh && last !== undefined && boundary.at < last + AUTO_REFRESH_GAP_MS) {
      const at = last + AUTO_REFRESH_GAP_MS;
      return { at, kinds: boundary.kinds, refresh: { ...boundary.refresh, at } };
    }
    return boundary;
  }

  private cancel(profileId: string): void {
    const armed = this.armed.get(profileId);
    if (armed) this.timers.clearTimeout(armed.handle);
    this.armed.delete(profileId);
  }

  private fire(profileId: string, boundary: Boundary): void {
    this.armed.delete(profileId);
    if (this.stopped) return;
    if (this.timers.now() < boundary.at) {
      // Woke early: a capped long wait, or the clock was set back.
      this.rearm(profileId);
      return;
    }
    this.fires++;
    const jumped = this.clockJumped();
    this.hooks.onTick?.(profileId);
    void this.track(
      this.whileHandling(profileId, () => this.handle(profileId, boundary)).finally(() => {
        if (jumped) this.rearmAll();
        else this.rearm(profileId);
      }),
    );
  }

  private async handle(profileId: string, boundary: Boundary): Promise<void> {
    await this.retract(profileId);
    if (boundary.refresh) await this.autoRefresh(profileId, boundary.refresh.reason === 'retry' ? 'retry' : 'scheduled');
    // A ready-by time that passed while asleep is not announced late: waking up reminds instead.
    const late = this.timers.now() - boundary.at > LATE_MS;
    if (boundary.kinds.includes('ready-by') && !late) this.remind(profileId, 'ready-by');
  }

  /** An expired token's export is taken back (once per token; a no-op otherwise). */
  private async retract(profileId: string): Promise<void> {
    try {
      await retractIfExpired(this.core, profileId);
    } catch (error) {
      this.hooks.onError?.(profileId, error);
    }
  }

  private dueNow(profile: Profile, settings: Settings, kind: MonitorEvent): boolean {
    const state = profileState(this.core, profile.id, settings);
    if (state.refusal || state.status === 'refreshing') return false;
    if (kind === 'online') return state.lastError !== null && isTransientKind(state.lastError.kind) && state.lastError.kind !== 'rate-limited';
    const now = this.core.now();
    if (state.token && now >= state.token.expiresAt) return true;
    if (state.nextRefreshAt !== null && state.nextRefreshAt <= now) return true;
    // A profile that never had a token and never tried: one attempt (a request-token profile
    // without a request token fails at once, without a call, and asks for sign-in).
    return state.token === null && (settings.history[profile.id] ?? []).length === 0;
  }

  private async autoRefresh(profileId: string, reason: RefreshReason): Promise<void> {
    this.lastAuto.set(profileId, this.core.now());
    try {
      await refresh(this.core, profileId, reason);
    } catch (error) {
      this.hooks.onError?.(profileId, error);
    }
  }

  private remind(profileId: string, event: Reminder['event']): void {
    const settings = this.core.settings.read();
    const profile = settings.profiles.find((p) => p.id === profileId);
    if (!profile) return;
    const need = attentionNeeded(profileState(this.core, profileId, settings).status);
    if (!need) return;
    const now = this.core.now();
    if (inQuietHours(now, { time: settings.refresh.cutoffTime, zone: settings.refresh.cutoffZone }, profile.readyBy)) return;
    // The daily alarm rests at weekends; starting the app or waking it still tells the truth.
    if (event === 'ready-by' && isWeekend(now, settings.refresh.cutoffZone)) return;
    this.hooks.onReminder?.({ profileId, need, event });
  }

  private setAnchor(): void {
    this.anchor = this.timers.monotonic ? { wall: this.timers.now(), mono: this.timers.monotonic() } : null;
  }

  /** True when the wall clock moved against the monotonic one since the last look (clock set, or a sleep). */
  private clockJumped(): boolean {
    if (!this.anchor || !this.timers.monotonic) return false;
    const drift = this.timers.now() - this.anchor.wall - (this.timers.monotonic() - this.anchor.mono);
    this.setAnchor();
    return Math.abs(drift) > CLOCK_JUMP_MS;
  }
}
