import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { usableToken } from '../main/core/use-cases/tokens.js';
import { recordApprovals } from '../main/core/use-cases/approvals.js';
import { TorusError } from '../main/core/errors.js';
import { ipcName } from '../preload/contract.js';
import type { AppState, Result } from '../preload/contract.js';
import { distinctiveCredentials, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import type { FakeWebContents } from './helpers/fake-electron.js';

/**
 * A trading week, Monday to Friday, in simulated time: the app runs (fake Electron, fake clock)
 * with two accounts, "Main" in request-token mode (its request tokens are single-use, as a real
 * broker's) and "Algo" in TOTP mode; a bot asks for Main's token every hour of the session. The
 * trader signs in at different times, the laptop sleeps across one cutoff, and Torus has a bad
 * morning once. Everything but Electron and the clock is real: keychain, settings, HTTP.
 *
 * What must hold: every credential set is refused by Torus at most once; notifications come only
 * outside 06:00–08:45 and name the profile; the tray tells the truth every hour; the export file
 * holds a working token or nothing; bots are answered without Torus calls while sign-in is due.
 */
const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);
const { startApp } = await import('../main/app-main.js');

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** IST wall time on day `d` of the week (0 = Monday 13 Jan 2025). */
const ist = (d: number, hh: number, mm = 0) => Date.UTC(2025, 0, 13 + d, hh, mm) - (5 * 60 + 30) * MIN;
const label = (t: number) => {
  const shifted = new Date(t + (5 * 60 + 30) * MIN);
  return `${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][(shifted.getUTCDay() + 6) % 7]} ${shifted.toISOString().slice(11, 16)}`;
};
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

let clock: FakeClock;
let sim: TorusSimulator;
let config: ReturnType<typeof tempDir>;
let bot: Core;
let running: NonNullable<Awaited<ReturnType<typeof startApp>>>;
const main = uniqueProfileId('main');
const algo = uniqueProfileId('algo');
const creds = distinctiveCredentials();
const exportFile = () => join(config.path, 'main-token.txt');

interface HourLog {
  at: string;
  icon: string;
  main: string;
  algo: string;
  exported: boolean;
}
const hours: HourLog[] = [];
const botResults: Array<{ at: string; result: string }> = [];
const requestTokens: string[] = [];

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flush();
    await running.monitor.settled();
    await running.settle();
  }
}

async function advanceTo(t: number): Promise<void> {
  await clock.advanceTo(t, settle);
}

async function signIn(): Promise<void> {
  const requestToken = sim.issueRequestToken();
  requestTokens.push(requestToken);
  // As the trader pastes the redirect URL into the popover (the IPC comes from its own page).
  const result = (await fake.ipcMain.invoke(
    ipcName('signin:set-request-token'),
    { profileId: main, input: `https://merchant.example/torus/callback?request_token=${requestToken}` },
    { sender: running.popover.window.webContents as unknown as FakeWebContents },
  )) as Result<AppState>;
  expect(result.ok).toBe(true);
  await settle();
}

function statusOf(id: string): string {
  return running.state()!.profiles.find((p) => p.id === id)!.status;
}

async function logHour(): Promise<void> {
  const tray = fake.__test.lastTray();
  hours.push({
    at: label(clock.now()),
    icon: /tray-(\w+)/.exec(tray.imagePath ?? '')?.[1] ?? '?',
    main: statusOf(main),
    algo: statusOf(algo),
    exported: existsSync(exportFile()),
  });
  if (existsSync(exportFile())) {
    // The export file never holds a dead token: it is the one the app holds now.
    expect(readFileSync(exportFile(), 'utf8').trim()).toBe((await running.core.vault.getToken(main))!.token);
  }
}

async function botAsks(): Promise<void> {
  try {
    await usableToken(bot, main);
    botResults.push({ at: label(clock.now()), result: 'token' });
  } catch (error) {
    botResults.push({ at: label(clock.now()), result: error instanceof TorusError ? `${error.kind}${error.needsSignIn ? ' (sign in)' : ''}` : 'error' });
  }
}

/** Steps through a day hour by hour (with the bot asking during the session), running `events` at their times. */
async function runDay(day: number, events: Array<[number, () => Promise<void>]>): Promise<void> {
  const queue = [...events].sort((a, b) => a[0] - b[0]);
  for (let h = day === 0 ? 8 : 0; h < 24; h++) {
    for (const minute of [0, 15]) {
      const t = ist(day, h, minute);
      while (queue.length > 0 && queue[0]![0] <= t) {
        const [when, run] = queue.shift()!;
        await advanceTo(when);
        await run();
      }
      if (t < clock.now()) continue; // slept through it
      await advanceTo(t);
      if (minute === 0) await logHour();
      if (minute === 15 && h >= 9 && h <= 15) await botAsks();
    }
  }
}

beforeAll(async () => {
  fake.__test.reset();
  clock = new FakeClock(ist(0, 7, 30));
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET, tokenKind: 'opaque', now: () => clock.now() });
  config = tempDir('torus-week');
  const setup = await createCore({ configDir: config.path, now: () => clock.now() });
  await setup.settings.update((d) => {
    const base = { baseUrl: sim.url, totpBaseUrl: sim.url, readyBy: '08:45', signInAtReadyBy: false, redirectOrigin: null };
    d.profiles.push({ id: main, name: 'Main', mode: 'request-token', ...base, export: { filePath: exportFile(), hookCommand: null } });
    d.profiles.push({ id: algo, name: 'Algo', mode: 'totp', ...base, export: { filePath: null, hookCommand: null } });
    d.activeProfileId = main;
  });
  for (const id of [main, algo]) {
    await setup.vault.set(id, 'apiKey', creds.apiKey);
    await setup.vault.set(id, 'apiSecret', creds.apiSecret);
  }
  await setup.vault.set(algo, 'totpSecret', TOTP_SECRET);
  // The trader set (and approved) Main's token file in Settings once.
  await recordApprovals(setup, main, [{ kind: 'export-file', value: exportFile() }]);
  // Sunday evening the trader signed in once more: Monday starts with a fresh request token.
  const first = sim.issueRequestToken();
  requestTokens.push(first);
  await setup.vault.set(main, 'requestToken', first);
  bot = await createCore({ configDir: config.path, now: () => clock.now(), http: { sleep: () => Promise.resolve() }, policy: { trustLoopback: true } });

  const app = await startApp({
    argv: ['electron', '.', '--hidden'],
    env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path },
    platform: 'linux',
    timers: clock,
    log: () => undefined,
  });
  if (!app) throw new Error('the app did not start');
  running = app;
  await app.startup;
  await settle();

  await runDay(0, []); // Monday: both tokens fetched at start, a quiet day.
  await runDay(1, [[ist(1, 9, 5), signIn]]); // Tuesday: signs in at 09:05 after the 08:45 reminder.
  await runDay(2, [
    // Wednesday: the laptop slept from Tuesday 23:00 to 09:30, across the cutoff and the ready-by time.
    [
      ist(2, 0, 0),
      async () => {
        clock.jumpWallClock(ist(2, 9, 30) - clock.now());
        fake.powerMonitor.emit('resume');
        await settle();
      },
    ],
    [ist(2, 9, 40), signIn],
  ]);
  await runDay(3, [
    // Thursday: Torus answers 503 at the cutoff (the TOTP refresh recovers by itself); the trader signs in late.
    [ist(3, 5, 59), async () => sim.setFault('server-error-burst', { burst: 4, routes: ['totp'] })],
    [ist(3, 10, 0), signIn],
  ]);
  await runDay(4, [[ist(4, 8, 30), signIn]]); // Friday: signs in before the ready-by time.
}, 120_000);

afterAll(async () => {
  running?.shutdown();
  for (const id of [main, algo]) await running?.core.vault.deleteProfile(id);
  await sim.close();
  config.remove();
});

const at = (day: string, time: string) => hours.find((h) => h.at === `${day} ${time}`)!;

describe('a simulated trading week', () => {
  it('Torus calls: each request token is exchanged once and refused at most once; bots never call while sign-in is due', () => {
    const generate = sim.requests.filter((r) => r.path === '/api/v1/session/generate');
    const perToken = new Map<string, number>();
    for (const r of generate) perToken.set(r.headers.token!, (perToken.get(r.headers.token!) ?? 0) + 1);
    expect([...perToken.keys()].sort()).toEqual([...requestTokens].sort());
    // Every request token: one exchange, plus at most one silent try at the next cutoff (refused).
    for (const count of perToken.values()) expect(count).toBeLessThanOrEqual(2);
    // Mon start, 4 sign-ins, and one silent try on each of Tue 06:00, Wed (at wake), Thu 06:00, Fri 06:00.
    expect(generate).toHaveLength(1 + 4 + 4);
    // TOTP: Mon start, then each cutoff (Thursday's after the 503s: 4 refused answers, one retry later).
    expect(sim.requestCount('totp')).toBe(1 + 4 + 4);
  });

  it('notifications: only the sign-in reminders, outside 06:00–08:45, naming the profile; nothing about Algo', () => {
    const shown = fake.__test.world.shownNotifications.map((n) => ({ title: n.title, silent: (n.notification as unknown as { silent?: boolean }).silent }));
    const loud = running.notifier.history.filter((n) => !n.silent).map((n) => `${label(n.at)} ${n.title}`);
    // The ready-by reminders of Tuesday and Thursday, and the wake-up on Wednesday (the silent
    // try at wake was refused: one notification for that moment, not two).
    expect(loud).toEqual(['Tue 08:45 Sign in to Torus: Main', 'Wed 09:30 Sign in to Torus: Main', 'Thu 08:45 Sign in to Torus: Main']);
    expect(shown.map((n) => n.title).join(' ')).not.toContain('Algo');
    // The silent "token ready" after each sign-in outside the quiet hours (Tue, Wed, Thu; Friday's 08:30 is quiet).
    expect(running.notifier.history.filter((n) => n.silent).map((n) => `${label(n.at)} ${n.title}`)).toEqual([
      'Tue 09:05 Torus token ready: Main',
      'Wed 09:40 Torus token ready: Main',
      'Thu 10:00 Torus token ready: Main',
    ]);
  });

  it('the tray tells the truth every hour: fresh while both work, red from the cutoff until Main is signed in', () => {
    expect(at('Mon', '10:00')).toMatchObject({ icon: 'fresh', main: 'fresh', algo: 'fresh', exported: true });
    expect(at('Tue', '05:00')).toMatchObject({ icon: 'fresh' });
    expect(at('Tue', '07:00')).toMatchObject({ icon: 'failed', main: 'needs-sign-in', algo: 'fresh', exported: false });
    expect(at('Tue', '09:00')).toMatchObject({ icon: 'failed', main: 'needs-sign-in' });
    expect(at('Tue', '10:00')).toMatchObject({ icon: 'fresh', main: 'fresh', exported: true });
    expect(at('Wed', '10:00')).toMatchObject({ icon: 'fresh', main: 'fresh', algo: 'fresh', exported: true });
    expect(at('Thu', '07:00')).toMatchObject({ main: 'needs-sign-in', algo: 'fresh', exported: false });
    expect(at('Thu', '09:00')).toMatchObject({ icon: 'failed', exported: false });
    expect(at('Thu', '11:00')).toMatchObject({ icon: 'fresh', exported: true });
    expect(at('Fri', '09:00')).toMatchObject({ icon: 'fresh', main: 'fresh', exported: true });
    // Every hour of the week the icon is the most urgent of the two statuses.
    for (const h of hours) {
      const urgent = [h.main, h.algo].includes('needs-sign-in') ? 'failed' : [h.main, h.algo].includes('expiring-soon') ? 'expiring' : 'fresh';
      expect(h.icon, h.at).toBe(urgent);
    }
  });

  it('the tray ages without any event: "expiring" in the half hour before each cutoff it was awake for', () => {
    // The hourly log samples :00, so 05:30–06:00 shows in the tray's image history: Tue, Thu and Fri
    // mornings (Wednesday's 05:30 passed while the laptop slept).
    const images = fake.__test.lastTray().imageHistory.map((i) => (typeof i === 'string' ? i : (i.path ?? '')));
    const switches = images.filter((p, i) => p.includes('tray-expiring') && !images[i - 1]?.includes('tray-expiring'));
    expect(switches).toHaveLength(3);
    expect(hours.filter((h) => h.icon === 'expiring')).toEqual([]);
  });

  it('the bot got the token during every session hour except while Main waited for sign-in, and then an immediate "sign in" answer', () => {
    const waiting = botResults.filter((r) => r.result !== 'token');
    expect(waiting.map((r) => r.at)).toEqual(['Thu 09:15']);
    expect(waiting.every((r) => r.result === 'rejected (sign in)')).toBe(true);
    // 7 session slots a day; Wednesday 09:15 passed asleep.
    expect(botResults).toHaveLength(5 * 7 - 1);
    expect(botResults.filter((r) => r.result === 'token')).toHaveLength(5 * 7 - 2);
  });

  it('over the whole week the app armed at most a handful of timers per profile and day (no polling)', () => {
    expect(running.monitor.fires).toBeLessThanOrEqual(5 * 2 * 6);
    expect(clock.requested.filter((ms) => ms > 0 && ms < MIN)).toEqual([]);
    expect(DAY).toBe(24 * HOUR);
  });
});
