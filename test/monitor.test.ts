import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { ProfileMonitor, AUTO_REFRESH_GAP_MS, type Reminder } from '../main/core/use-cases/monitor.js';
import { profileState, refresh } from '../main/core/use-cases/tokens.js';
import { updatePreferences } from '../main/core/use-cases/preferences.js';
import { forgetProfile } from '../main/core/use-cases/profiles.js';
import { saveCredentials } from '../main/core/use-cases/credentials.js';
import { TorusError } from '../main/core/errors.js';
import type { Profile } from '../main/core/domain/settings-schema.js';
import type { TokenStatus } from '../main/core/domain/token-status.js';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { FakeClock, flush } from './helpers/fake-clock.js';

/**
 * The monitor keeps each profile's state true to the clock with one timer per profile, over
 * simulated days: the real core, keychain and simulator (whose clock is the fake one too).
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** An IST wall-clock time on 2025-01-14 (a Tuesday) plus `days`. */
const ist = (hh: number, mm = 0, days = 0) => Date.UTC(2025, 0, 14, hh, mm) - (5 * 60 + 30) * MIN + days * DAY;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

let clock: FakeClock;
let sim: TorusSimulator;
let dir: ReturnType<typeof tempDir>;
let core: Core;
let monitor: ProfileMonitor;
let creds: { apiKey: string; apiSecret: string };
const reminders: Array<Reminder & { at: number }> = [];
const ticks: Array<{ at: number; profileId: string; status: TokenStatus }> = [];
const cleanup: string[] = [];

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flush();
    await monitor.settled();
  }
}

async function addProfile(overrides: Partial<Profile> = {}): Promise<string> {
  const id = uniqueProfileId('mon');
  cleanup.push(id);
  await core.settings.update((d) => {
    d.profiles.push({
      id,
      name: overrides.name ?? id,
      mode: 'request-token',
      baseUrl: sim.url,
      totpBaseUrl: sim.url,
      export: { filePath: null, hookCommand: null },
      readyBy: '08:45',
      signInAtReadyBy: false,
      redirectOrigin: null,
      ...overrides,
    });
    d.activeProfileId ??= id;
  });
  await core.vault.set(id, 'apiKey', creds.apiKey);
  await core.vault.set(id, 'apiSecret', creds.apiSecret);
  if (overrides.mode === 'totp') await core.vault.set(id, 'totpSecret', TOTP_SECRET);
  else await core.vault.set(id, 'requestToken', sim.issueRequestToken());
  return id;
}

function startMonitor(): void {
  monitor = new ProfileMonitor(core, clock, {
    onTick: (profileId) => ticks.push({ at: clock.now(), profileId, status: profileState(core, profileId).status }),
    onReminder: (reminder) => reminders.push({ ...reminder, at: clock.now() }),
  });
  monitor.rearmAll();
}

beforeEach(async () => {
  clock = new FakeClock(ist(9, 0));
  creds = distinctiveCredentials();
  // Opaque tokens: they expire at the daily cutoff (06:00 IST), as most Indian brokers' do.
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET, tokenKind: 'opaque', now: () => clock.now() });
  dir = tempDir('torus-monitor');
  core = await createCore({
    configDir: dir.path,
    now: () => clock.now(),
    http: { sleep: () => Promise.resolve(), random: () => 0.5 },
    policy: { trustLoopback: true },
  });
  reminders.length = 0;
  ticks.length = 0;
});

afterEach(async () => {
  monitor?.stop();
  for (const id of cleanup.splice(0)) await core.vault.deleteProfile(id);
  await sim.close();
  dir.remove();
});

describe('one timer per profile, armed at the next boundary; nothing polls', () => {
  it(`an idle day with a fresh token costs at most 4 timer fires per profile`, async () => {
    const main = await addProfile();
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, main, 'manual');
    await refresh(core, algo, 'manual');
    startMonitor();
    expect(monitor.pendingTimers).toBe(2);
    await clock.advanceBy(DAY, settle);
    const fires = (id: string) => ticks.filter((t) => t.profileId === id).length;
    expect(fires(main)).toBeLessThanOrEqual(4);
    expect(fires(algo)).toBeLessThanOrEqual(4);
    expect(monitor.fires).toBe(fires(main) + fires(algo));
    // Every timer was set for a real boundary: no short polling intervals at all.
    expect(clock.requested.filter((ms) => ms > 0 && ms < 5 * MIN)).toEqual([]);
    expect(monitor.pendingTimers).toBe(2);
  });

  it('the status changes at the right instant, with no event: expiring at cutoff minus the margin, then the cutoff', async () => {
    const main = await addProfile();
    await refresh(core, main, 'manual');
    startMonitor();
    await clock.advanceTo(ist(6, 0, 1) - 1, settle);
    const seen = ticks.filter((t) => t.profileId === main).map((t) => [new Date(t.at).toISOString(), t.status]);
    expect(seen).toContainEqual([new Date(ist(5, 30, 1)).toISOString(), 'expiring-soon']);
    expect(profileState(core, main).status).toBe('expiring-soon');
    await clock.advanceTo(ist(6, 0, 1), settle);
    expect(ticks.at(-1)).toMatchObject({ at: ist(6, 0, 1), profileId: main });
    expect(profileState(core, main).status).not.toBe('fresh');
  });
});

describe('the request-token day', () => {
  it('at the cutoff the spent request token is tried once, silently; at the ready-by time one reminder names the profile; nothing more', async () => {
    const main = await addProfile({ name: 'Main' });
    await refresh(core, main, 'manual');
    startMonitor();
    sim.resetLog();
    await clock.advanceTo(ist(8, 44, 1), settle);
    expect(sim.requestCount('generate')).toBe(1); // the one silent try at 06:00
    expect(profileState(core, main).status).toBe('needs-sign-in');
    expect(reminders).toEqual([]); // 06:00–08:45 is quiet
    await clock.advanceTo(ist(8, 45, 1), settle);
    expect(reminders).toEqual([{ profileId: main, need: 'sign-in', event: 'ready-by', at: ist(8, 45, 1) }]);
    // The rest of the day, and the next night: no call, one reminder the next morning.
    await clock.advanceTo(ist(8, 45, 2), settle);
    expect(sim.requestCount('generate')).toBe(1);
    expect(reminders.map((r) => r.at)).toEqual([ist(8, 45, 1), ist(8, 45, 2)]);
  });

  it('no ready-by reminder on Saturday or Sunday (the exchanges are closed); Monday reminds again', async () => {
    const main = await addProfile({ name: 'Main' });
    await refresh(core, main, 'manual');
    startMonitor();
    // Tuesday 09:00 → the next Monday 09:00 (day 6), never signing in.
    await clock.advanceTo(ist(9, 0, 6), settle);
    const days = reminders.map((r) => new Date(r.at + (5 * 60 + 30) * MIN).getUTCDay());
    expect(days).toEqual([3, 4, 5, 1]); // Wed, Thu, Fri, Mon
    expect(reminders.every((r) => r.event === 'ready-by')).toBe(true);
    expect(profileState(core, main).status).toBe('needs-sign-in');
  });

  it('a trader who signs in before the ready-by time gets no reminder', async () => {
    const main = await addProfile();
    await refresh(core, main, 'manual');
    startMonitor();
    await clock.advanceTo(ist(8, 30, 1), settle);
    await core.vault.set(main, 'requestToken', sim.issueRequestToken());
    await refresh(core, main, 'sign-in');
    await clock.advanceTo(ist(9, 0, 1), settle);
    expect(reminders).toEqual([]);
    expect(profileState(core, main).status).toBe('fresh');
  });
});

describe('TOTP', () => {
  it('refreshes silently at the cutoff', async () => {
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, algo, 'manual');
    startMonitor();
    sim.resetLog();
    await clock.advanceTo(ist(6, 1, 1), settle);
    expect(sim.requestCount('totp')).toBe(1);
    expect(profileState(core, algo).status).toBe('fresh');
    expect(reminders).toEqual([]);
  });

  it('a refused TOTP secret is dead until it changes: no more calls, one reminder at the ready-by time', async () => {
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, algo, 'manual');
    startMonitor();
    sim.setFault('reject-401', { routes: ['totp'] });
    sim.resetLog();
    await clock.advanceTo(ist(12, 0, 1), settle);
    expect(sim.requestCount('totp')).toBe(1);
    expect(profileState(core, algo).status).toBe('failed');
    expect(reminders).toEqual([{ profileId: algo, need: 'failed', event: 'ready-by', at: ist(8, 45, 1) }]);
    // A new TOTP secret: the profile is tried again at the next occasion.
    sim.setFault('none');
    await saveCredentials(core, algo, { totpSecret: TOTP_SECRET });
    await monitor.event('resume');
    expect(sim.requestCount('totp')).toBe(2);
    expect(profileState(core, algo).status).toBe('fresh');
  });

  it("a Torus 'wait 10 minutes' is honoured: the next attempt comes then, not in a one-minute loop", async () => {
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, algo, 'manual');
    startMonitor();
    sim.setFault('rate-limit', { retryAfterSeconds: 600, burst: 1 });
    sim.resetLog();
    await clock.advanceTo(ist(6, 9, 1), settle);
    expect(sim.requestCount('totp')).toBe(1);
    await clock.advanceTo(ist(6, 11, 1), settle);
    expect(sim.requestCount('totp')).toBe(2);
    expect(profileState(core, algo).status).toBe('fresh');
  });
});

describe('events: login, wake, unlock, network back', () => {
  it('reminders at login, unlock and wake are given outside the quiet hours only', async () => {
    const main = await addProfile({ name: 'Main' });
    await core.vault.delete(main, 'requestToken'); // sign-in needed
    clock.current = ist(7, 0);
    startMonitor();
    await monitor.event('login');
    await monitor.event('unlock');
    expect(reminders).toEqual([]);
    expect(profileState(core, main).status).toBe('needs-sign-in');
    clock.current = ist(10, 0);
    await monitor.event('unlock');
    await monitor.event('resume');
    expect(reminders.map((r) => r.event)).toEqual(['unlock', 'resume']);
  });

  it('after a sleep across the cutoff every timer is re-armed and what is due is refreshed (timers do not fire asleep)', async () => {
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, algo, 'manual');
    startMonitor();
    await clock.advanceTo(ist(23, 0), settle);
    // Asleep from 23:00 to 09:30: the wall clock moves, the monotonic timers do not fire.
    clock.jumpWallClock(10.5 * HOUR);
    sim.resetLog();
    await monitor.event('resume');
    await settle();
    expect(sim.requestCount('totp')).toBe(1);
    expect(profileState(core, algo).status).toBe('fresh');
    expect(monitor.next(algo)!.at).toBeGreaterThan(clock.now());
    expect(reminders).toEqual([]); // the ready-by time passed asleep, and there is nothing to remind of
  });

  it('a wall clock changed while the app runs is noticed when the trader looks: statuses and timers follow it', async () => {
    const main = await addProfile();
    await refresh(core, main, 'manual');
    startMonitor();
    const armedFor = monitor.next(main)!.at;
    clock.jumpWallClock(ist(5, 40, 1) - clock.now()); // set forward into the expiring window
    monitor.checkClock();
    await settle();
    expect(ticks.at(-1)).toMatchObject({ profileId: main, status: 'expiring-soon' });
    expect(monitor.next(main)!.at).not.toBe(armedFor);
    expect(monitor.next(main)!.at).toBe(ist(6, 0, 1));
  });

  it("'online' retries a profile that failed on the network at once; other events leave a refused one alone", async () => {
    const algo = await addProfile({ mode: 'totp' });
    sim.setFault('reset', { routes: ['totp'] });
    await expect(refresh(core, algo, 'manual')).rejects.toMatchObject({ kind: 'network' });
    sim.setFault('none');
    startMonitor();
    sim.resetLog();
    await monitor.event('online');
    expect(sim.requestCount('totp')).toBe(1);
    expect(profileState(core, algo).status).toBe('fresh');
  });

  it('"refresh at login" off: the login event refreshes nothing, but still reminds', async () => {
    await addProfile();
    const refused = await addProfile({ name: 'Refused' });
    await core.settings.update((d) => {
      d.history[refused] = [
        {
          at: ist(6, 0),
          reason: 'scheduled',
          outcome: 'rejected',
          message: 'Torus refused the request token.',
          latencyMs: 5,
          needsSignIn: true,
          retryAt: null,
        },
      ];
    });
    await updatePreferences(core, { refreshAtLogin: false });
    clock.current = ist(10, 0);
    startMonitor();
    await monitor.event('login');
    expect(sim.requestCount('generate')).toBe(0);
    expect(reminders.map((r) => [r.profileId, r.need, r.event])).toEqual([[refused, 'sign-in', 'login']]);
  });
});

describe('re-arming', () => {
  it('a changed cutoff re-arms the timers at once (the stored expiry moved)', async () => {
    const main = await addProfile();
    await refresh(core, main, 'manual');
    startMonitor();
    const before = monitor.next(main)!.at;
    await updatePreferences(core, { cutoffTime: '04:00' });
    expect(monitor.next(main)!.at).not.toBe(before);
    expect(monitor.next(main)!.at).toBe(ist(3, 30, 1)); // expiring: 04:00 minus 30 min
  });

  it('a removed profile loses its timer', async () => {
    const a = await addProfile();
    await addProfile();
    startMonitor();
    expect(monitor.pendingTimers).toBe(2);
    await forgetProfile(core, a, { remove: true });
    monitor.rearmAll();
    expect(monitor.pendingTimers).toBe(1);
  });

  it(`a failure that cannot even be recorded does not loop: at most one automatic try per ${AUTO_REFRESH_GAP_MS / MIN} min`, async () => {
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, algo, 'manual');
    startMonitor();
    await clock.advanceTo(ist(5, 59, 1), settle);
    sim.setFault('html-error', { routes: ['totp'] });
    const spy = vi.spyOn(core.settings, 'update').mockRejectedValue(new TorusError('filesystem', 'Could not write the settings folder: full (ENOSPC).'));
    sim.resetLog();
    try {
      await clock.advanceTo(ist(6, 10, 1), settle);
    } finally {
      spy.mockRestore();
    }
    expect(sim.requestCount('totp')).toBeGreaterThan(0);
    expect(sim.requestCount('totp')).toBeLessThanOrEqual(11);
  });
});

describe('timers that fire at the wrong moment', () => {
  it('a clock set back makes a timer fire early: it waits again for its boundary instead of acting', async () => {
    const main = await addProfile();
    await refresh(core, main, 'manual');
    startMonitor();
    const boundary = monitor.next(main)!.at; // 05:30 tomorrow: expiring
    clock.jumpWallClock(-HOUR); // the timer keeps its monotonic deadline: it fires at 04:30 by the wall clock
    await clock.advanceTo(boundary - HOUR, settle);
    expect(monitor.fires).toBe(0);
    expect(ticks).toEqual([]);
    expect(monitor.next(main)!.at).toBe(boundary);
    await clock.advanceTo(boundary, settle);
    expect(monitor.fires).toBe(1);
    expect(ticks).toEqual([{ at: boundary, profileId: main, status: 'expiring-soon' }]);
  });

  it('a ready-by timer that fires more than 2 minutes late (the machine slept) reminds no one; a little late still does', async () => {
    const late = await addProfile({ name: 'Late' });
    await refresh(core, late, 'manual');
    startMonitor();
    await clock.advanceTo(ist(8, 44, 1), settle);
    expect(profileState(core, late).status).toBe('needs-sign-in');
    // Asleep through 08:45: the timer runs when the machine wakes, at 08:47:01.
    clock.current = ist(8, 47, 1) + 1000;
    await clock.advanceTo(clock.current, settle);
    expect(reminders).toEqual([]);
    // The next morning it wakes at 08:46:59, within the 2 minutes: the reminder still makes sense.
    await clock.advanceTo(ist(8, 44, 2), settle);
    clock.current = ist(8, 46, 2) + 59_000;
    await clock.advanceTo(clock.current, settle);
    expect(reminders.map((r) => [r.event, r.at])).toEqual([['ready-by', ist(8, 46, 2) + 59_000]]);
  });

  it('a stopped monitor arms nothing, fires nothing and hears no change', async () => {
    const algo = await addProfile({ mode: 'totp' });
    await refresh(core, algo, 'manual');
    startMonitor();
    expect(monitor.pendingTimers).toBe(1);
    monitor.stop();
    expect(monitor.pendingTimers).toBe(0);
    expect(clock.pending).toBe(0);
    core.changed(algo);
    core.changed(null);
    monitor.rearmAll();
    expect(monitor.pendingTimers).toBe(0);
    sim.resetLog();
    await clock.advanceBy(2 * DAY, settle);
    expect(sim.requestCount('totp')).toBe(0);
    expect(ticks).toEqual([]);
  });

  it('a change to one profile re-arms that profile only; a change to all re-arms every one', async () => {
    const a = await addProfile({ mode: 'totp' });
    const b = await addProfile({ mode: 'totp' });
    await refresh(core, a, 'manual');
    await refresh(core, b, 'manual');
    startMonitor();
    const requested = clock.requested.length;
    core.changed(a);
    expect(clock.requested.length).toBe(requested + 1);
    core.changed(null);
    expect(clock.requested.length).toBe(requested + 3);
    expect(monitor.pendingTimers).toBe(2);
  });
});
