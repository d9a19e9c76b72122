import { RefreshTimer, realTimers, type PlannedRefresh, type TimerApi } from './schedule.js';
import type { TokenService } from './token-service.js';

/**
 * Drives timed refreshes for every profile with exactly one pending timer: the earliest
 * plan across profiles. Re-planned after each refresh, each settings change, and on
 * `recheck()` (wake from sleep, screen unlock, network back).
 */
export class AutoRefresher {
  private readonly timer: RefreshTimer;
  private dueProfile: string | null = null;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly service: TokenService,
    timers: TimerApi = realTimers,
    private readonly onError: (profileId: string, error: unknown) => void = () => undefined,
  ) {
    this.timer = new RefreshTimer((plan) => this.fire(plan), timers);
    this.unsubscribe = service.onState(() => {
      if (!this.stopped) this.rearm();
    });
  }

  get next(): (PlannedRefresh & { profileId: string }) | null {
    const plan = this.timer.next;
    return plan && this.dueProfile ? { ...plan, profileId: this.dueProfile } : null;
  }

  get pendingTimers(): number {
    return this.timer.pending ? 1 : 0;
  }

  rearm(): void {
    if (this.stopped) return;
    const settings = this.service.settings.get();
    let best: { profileId: string; plan: PlannedRefresh } | null = null;
    for (const profile of settings.profiles) {
      if (this.service.isRefreshing(profile.id)) continue;
      const plan = this.service.plan(profile.id, settings);
      if (plan && (!best || plan.at < best.plan.at)) best = { profileId: profile.id, plan };
    }
    this.dueProfile = best?.profileId ?? null;
    this.timer.arm(best?.plan ?? null);
  }

  /**
   * After sleep, unlock or reconnect: refresh stale profiles now, then plan again. When the
   * network came back, profiles whose last refresh failed on the network are retried too,
   * instead of waiting for the backoff.
   */
  async recheck(reason: 'resume' | 'online' | 'login' = 'resume'): Promise<void> {
    const settings = this.service.settings.get();
    const stale = settings.profiles.filter(
      (p) =>
        (this.service.isStale(p.id, settings) && settings.tokens[p.id] !== undefined) ||
        (reason === 'online' && isNetworkFailure(this.service.state(p.id, settings).lastError?.kind)),
    );
    await Promise.all(
      stale.map((p) =>
        this.service.refresh(p.id, reason).catch((error: unknown) => {
          this.onError(p.id, error);
        }),
      ),
    );
    this.rearm();
  }

  private fire(plan: PlannedRefresh): void {
    const profileId = this.dueProfile;
    if (!profileId || this.stopped) return;
    void this.service
      .refresh(profileId, plan.reason === 'retry' ? 'retry' : 'scheduled')
      .catch((error: unknown) => this.onError(profileId, error))
      .finally(() => this.rearm());
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.timer.cancel();
  }
}

/** A failure that a network coming back can cure. */
export function isNetworkFailure(kind: string | undefined): boolean {
  return kind === 'network' || kind === 'timeout';
}
