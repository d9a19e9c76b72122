/**
 * The composition root: the one place where the core, the Electron glue and the popover are
 * wired together. Everything it wires is tested on its own; `test/app-main.test.ts` runs
 * this file against the fake `electron` module.
 */
import { app, clipboard, ClipboardItem, dialog, globalShortcut, ipcMain, net, powerMonitor, session } from 'electron';
import { homedir } from 'node:os';
import { SettingsStore, type ConfFactory, type ConfLike } from './core/settings-store.js';
import { KeytarBackend, Vault, keychainServiceFor } from './core/vault.js';
import { TokenService } from './core/token-service.js';
import { AutoRefresher, isNetworkFailure } from './core/auto-refresh.js';
import { AppController, type AppPorts } from './core/app-controller.js';
import { configDir } from './core/paths.js';
import { redact } from './core/redact.js';
import { realTimers, type TimerApi } from './core/schedule.js';
import { isTorusError } from './core/errors.js';
import { controllerHandlers, createIpcRouter, trustedSenderCheck } from './ipc/router.js';
import { registerIpc, broadcast } from './ipc-main.js';
import { hardenApp, SIGN_IN_PARTITION } from './security.js';
import { createPopoverWindow, type PopoverWindow } from './popover-window.js';
import { createTrayController, type TrayController } from './tray.js';
import type { TrayActions, PopoverView } from './tray-menu.js';
import { Notifier } from './notifications.js';
import { openSignInWindow } from './sign-in-window.js';
import { createLoginItem, launchedAtLogin } from './login-item.js';
import { createClipboardPort } from './clipboard-port.js';
import { applyCopyShortcut, clearCopyShortcut } from './shortcut.js';
import type { AppState } from '../preload/contract.js';

export interface MainOptions {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  timers?: TimerApi;
  /** Makes electron-store; tests pass conf's factory (electron-store needs a real Electron). */
  confFactory?: ConfFactory;
  log?: (line: string) => void;
  /** How often to look whether the network is back while offline after a failure (default 15 s). */
  networkPollMs?: number;
}

export interface RunningApp {
  controller: AppController;
  service: TokenService;
  refresher: AutoRefresher;
  popover: PopoverWindow;
  tray: TrayController;
  settings: SettingsStore;
  /** Resolves once the login refresh (if any) has finished. */
  startup: Promise<void>;
  shutdown(): void;
}

const defaultLog = (line: string) => process.stderr.write(`[torus-token] ${redact(line)}\n`);

async function electronStoreFactory(): Promise<ConfFactory> {
  const { default: Store } = await import('electron-store');
  return ({ cwd, configName }) => new Store({ cwd, name: configName, clearInvalidConfig: false }) as unknown as ConfLike;
}

const NETWORK_WAITS_MS = [2_000, 5_000, 10_000, 30_000, 60_000];

/** At login the network may not be up yet: wait for it with backoff (bounded), never forever. */
export async function waitForNetwork(isOnline: () => boolean, timers: TimerApi): Promise<boolean> {
  for (const wait of NETWORK_WAITS_MS) {
    if (isOnline()) return true;
    await new Promise<void>((resolve) => timers.setTimeout(resolve, wait));
  }
  return isOnline();
}

/**
 * "Re-check when the network comes back". Electron's main process has no online event, so
 * while (and only while) a refresh has failed on the network and the machine is offline, one
 * timer looks at `isOnline()` every `intervalMs`; when the network is back it calls `onBack`
 * once and stops. Idle, or online, it holds no timer.
 */
export interface NetworkWatch {
  update(needed: boolean): void;
  readonly watching: boolean;
  stop(): void;
}

export function createNetworkWatch(isOnline: () => boolean, timers: TimerApi, onBack: () => void, intervalMs = 15_000): NetworkWatch {
  let handle: unknown = undefined;
  const stop = (): void => {
    if (handle !== undefined) timers.clearTimeout(handle);
    handle = undefined;
  };
  const tick = (): void => {
    handle = undefined;
    if (isOnline()) onBack();
    else handle = timers.setTimeout(tick, intervalMs);
  };
  return {
    update(needed) {
      if (!needed) return stop();
      if (handle !== undefined || isOnline()) return;
      handle = timers.setTimeout(tick, intervalMs);
    },
    get watching() {
      return handle !== undefined;
    },
    stop,
  };
}

function platformOf(platform: NodeJS.Platform): AppState['platform'] {
  return platform === 'darwin' || platform === 'win32' || platform === 'linux' ? platform : 'other';
}

/** Call before app 'ready'. Returns null when another instance already runs (it gets focus). */
export async function startApp(options: MainOptions = {}): Promise<RunningApp | null> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const timers = options.timers ?? realTimers;
  const log = options.log ?? defaultLog;
  const argv = options.argv ?? process.argv;

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  // The CLI and the app must share one settings file: pin userData to the core's folder.
  const dir = configDir(env, platform);
  app.setPath('userData', dir);
  if (platform === 'darwin') app.dock?.hide();
  // Windows shows toast notifications only for an app with an AppUserModelID (the installer's appId).
  if (platform === 'win32') app.setAppUserModelId('com.torustoken.app');
  // A tray app lives on without windows.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  const hidden = launchedAtLogin(argv, platform, app);

  const settings = SettingsStore.open({ dir, factory: options.confFactory ?? (await electronStoreFactory()) });
  const vault = new Vault(new KeytarBackend(), keychainServiceFor(env));
  const service = new TokenService({ settings, vault, log });

  // Known once the popover's location is; until then nothing counts as our page.
  let checkSender: (url: string | undefined) => boolean = () => false;
  hardenApp(app, session, { isOwnPage: (url) => checkSender(url), partitions: [SIGN_IN_PARTITION], log });

  // The popover asks the tray for its bounds on show; the tray exists by then.
  const trayRef: { current?: TrayController } = {};
  const popover: PopoverWindow = createPopoverWindow({
    getTrayBounds: () => trayRef.current?.getBounds() ?? { x: 0, y: 0, width: 0, height: 0 },
    platform,
    env,
    isPackaged: app.isPackaged,
  });
  const location = popover.location;
  checkSender = trustedSenderCheck(location.kind === 'file' ? { fileIndexUrl: location.url } : { devServerOrigin: location.url });

  const loginItem = createLoginItem({ app, platform, env, homeDir: homedir(), execPath: process.execPath, isPackaged: app.isPackaged });
  const clipboardPort = createClipboardPort({ clipboard, ClipboardItem, platform, log });

  const report = (action: string) => (error: unknown) => {
    const message = isTorusError(error) ? error.message : 'Something unexpected went wrong.';
    log(`${action} failed: ${isTorusError(error) ? error.kind : 'error'}`);
    ctl.addWarning(`${action}: ${message}`);
  };
  const copyToken = () => void ctl.copyToken().catch(report('Copy token'));

  const ports: AppPorts = {
    clipboard: clipboardPort,
    signIn: (loginUrl) => openSignInWindow(loginUrl, { log }),
    loginItem,
    applyShortcut: (accelerator) => applyCopyShortcut(globalShortcut, accelerator, copyToken, platform),
    hidePopover: () => popover.hide(),
    confirm: async ({ message, detail }) => {
      const { response } = await dialog.showMessageBox({
        type: 'warning',
        title: 'Torus Token',
        message,
        detail,
        buttons: ['Allow', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        noLink: true,
      });
      return response === 0;
    },
    quit: () => app.quit(),
    platform: platformOf(platform),
  };
  // Referenced lazily by the actions above, which only run after start-up.
  const ctl = new AppController(service, ports, timers);

  const router = createIpcRouter(controllerHandlers(ctl), { isTrustedSender: checkSender, log });
  const unregisterIpc = registerIpc(ipcMain, router, log);

  const actions: TrayActions = {
    copy: copyToken,
    refresh: () => void ctl.refresh().catch(report('Refresh')),
    signIn: () => void ctl.signIn().catch(report('Sign in')),
    open: (view?: PopoverView) => popover.show(view ? { view } : undefined),
    switchProfile: (id: string) => void ctl.switchProfile(id).catch(report('Switch profile')),
    setStartAtLogin: (enabled: boolean) => {
      try {
        ctl.updateSettings({ startAtLogin: enabled });
      } catch (error) {
        report('Start at login')(error);
      }
      return loginItem.get();
    },
    quit: () => app.quit(),
  };
  const tray = createTrayController({ actions, popover, platform, onError: (error) => report('Tray')(error) });
  trayRef.current = tray;

  const notifier = new Notifier({ launchedAtLogin: hidden, onSignIn: actions.signIn, isPopoverVisible: () => popover.isVisible() ?? false });
  const refresher = new AutoRefresher(service, timers, (profileId, error) =>
    log(`scheduled refresh of ${profileId} failed: ${isTorusError(error) ? error.kind : 'error'}`),
  );

  const onState = (state: AppState) => {
    tray.update(state, loginItem.get());
    broadcast(popover.window.webContents, 'state:changed', state);
    notifier.update(state);
  };
  ctl.onState(onState);
  const onSettingsChanged = () => {
    refresher.rearm();
    void ctl.publish();
  };
  // Our own writes, and the CLI's (a folder watch: event-driven, no polling).
  const unwatchOwn = settings.onChange(onSettingsChanged);
  const unwatchExternal = settings.onExternalChange(onSettingsChanged);
  const unwatch = () => {
    unwatchOwn();
    unwatchExternal();
  };

  const recheck = () => void refresher.recheck('resume');
  powerMonitor.on('resume', recheck);
  powerMonitor.on('unlock-screen', recheck);
  const networkWatch = createNetworkWatch(
    () => net.isOnline(),
    timers,
    () => void refresher.recheck('online'),
    options.networkPollMs,
  );
  const unwatchNetwork = service.onState(() => {
    const now = settings.get();
    networkWatch.update(now.profiles.some((p) => isNetworkFailure(service.state(p.id, now).lastError?.kind)));
  });
  app.on('second-instance', () => popover.show());

  const current = settings.get();
  if (current.app.copyShortcut) {
    const problem = ports.applyShortcut(current.app.copyShortcut);
    if (problem) ctl.addWarning(problem);
  }
  onState(await ctl.getState());
  refresher.rearm();

  const startup = (async () => {
    if (!hidden) {
      popover.show();
      return;
    }
    if (!current.refresh.atLogin) return;
    if (!(await waitForNetwork(() => net.isOnline(), timers))) log('network still down after waiting; the schedule retries');
    for (const profile of settings.get().profiles) {
      if (!service.isStale(profile.id)) continue;
      await service
        .refresh(profile.id, 'login')
        .catch((error: unknown) => log(`login refresh of ${profile.id} failed: ${isTorusError(error) ? error.kind : 'error'}`));
    }
  })();

  let stopped = false;
  const shutdown = () => {
    if (stopped) return;
    stopped = true;
    refresher.stop();
    unwatchNetwork();
    networkWatch.stop();
    unwatch();
    unregisterIpc();
    clearCopyShortcut(globalShortcut);
    notifier.dispose();
    ctl.dispose();
    tray.destroy();
    popover.destroy();
  };
  app.on('before-quit', shutdown);

  return { controller: ctl, service, refresher, popover, tray, settings, startup, shutdown };
}
