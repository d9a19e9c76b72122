/**
 * The composition root: the one place where the core, the Electron glue and the popover are
 * wired together. Everything it wires is tested on its own; `test/app-main.test.ts` runs this
 * file against the fake `electron` module.
 */
import { app, clipboard, ClipboardItem, dialog, globalShortcut, ipcMain, Menu, net, powerMonitor, protocol, session, shell } from 'electron';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { createCore, type Core } from './core/use-cases/core.js';
import { keychainServiceFor, type SecretBackend } from './core/infra/keychain.js';
import { ClipboardGuard, copyToken } from './core/use-cases/clipboard.js';
import { ProfileMonitor, type Reminder } from './core/use-cases/monitor.js';
import { refresh } from './core/use-cases/tokens.js';
import { signIn } from './core/use-cases/sign-in.js';
import { switchProfile } from './core/use-cases/profiles.js';
import { inQuietHours } from './core/domain/schedule.js';
import { isTransientKind, isTorusError } from './core/errors.js';
import { configDir } from './core/paths.js';
import { redact } from './core/domain/redact.js';
import { realTimers, type Approver, type TimerApi } from './core/ports.js';
import { createIpcRouter } from './ipc/router.js';
import { createHandlers, updateSettings, type AppPorts } from './ipc/handlers.js';
import { AppView } from './ipc/app-view.js';
import { electronStoreWriter, type ElectronStoreConstructor } from './settings-writer.js';
import { commandLineTool, loginShellPath, RELEASES_URL } from './cli-install.js';
import { registerIpc, broadcast } from './ipc-main.js';
import { hardenApp } from './security.js';
import { createPopoverWindow, rendererLocation, type PopoverWindow } from './popover-window.js';
import { isRendererPage } from './renderer-page.js';
import { handleAppScheme, registerAppScheme } from './app-protocol.js';
import { applyApplicationMenu } from './app-menu.js';
import { createTrayController, type TrayController } from './tray.js';
import type { TrayActions, PopoverView } from './tray-menu.js';
import { Notifier } from './notifications.js';
import { openSignInWindow } from './sign-in-window.js';
import { createLoginItem, HIDDEN_ARG } from './login-item.js';
import { createClipboardPort } from './clipboard-port.js';
import { applyCopyShortcut, checkAccelerator, clearCopyShortcut } from './shortcut.js';
import type { AppState } from '../preload/contract.js';

export interface MainOptions {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  timers?: TimerApi;
  /** The keychain backend (tests may wrap the real one to record what is stored). */
  keychain?: SecretBackend;
  log?: (line: string) => void;
  /** How often to look whether the network is back while offline after a failure (default 15 s). */
  networkPollMs?: number;
}

export interface RunningApp {
  core: Core;
  view: AppView;
  monitor: ProfileMonitor;
  notifier: Notifier;
  popover: PopoverWindow;
  tray: TrayController;
  /** The latest state delivered to the tray and the popover. */
  state(): AppState | null;
  /** Resolves once the start-up check (refreshes and reminders) has finished. */
  startup: Promise<void>;
  /** Resolves when every state computed so far has been delivered. */
  settle(): Promise<void>;
  shutdown(): void;
}

const defaultLog = (line: string) => process.stderr.write(`[torus-token] ${redact(line)}\n`);

const NETWORK_WAITS_MS = [2_000, 5_000, 10_000, 30_000, 60_000];

/** At start-up the network may not be up yet: wait for it with backoff (bounded), never forever. */
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

/** The environment without the settings-folder and keychain-service overrides (packaged apps). */
export function withoutOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { TORUS_TOKEN_CONFIG_DIR: _dir, TORUS_TOKEN_KEYCHAIN_SERVICE: _service, ...rest } = env;
  return rest;
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
  // Registered before the first await: a second launch during start-up must not be lost.
  const popoverRef: { current?: PopoverWindow } = {};
  let pendingShow = false;
  let lookHook: () => void = () => undefined;
  const showPopover = () => {
    lookHook();
    if (popoverRef.current) popoverRef.current.show();
    else pendingShow = true;
  };
  app.on('second-instance', showPopover);
  // macOS reopens a running app (Finder, Spotlight) with `activate`, not `second-instance`.
  app.on('activate', showPopover);
  // The popover's own origin (app-protocol.ts); Electron accepts this only before `ready`.
  if (app.isReady()) log('app scheme: started after ready; the popover scheme could not be registered');
  else registerAppScheme(protocol);

  // A packaged app ignores the test/demo overrides of its settings folder and keychain entry:
  // they are a side door for anything that can set the environment of a login item.
  const trustedEnv = app.isPackaged ? withoutOverrides(env) : env;
  // The CLI and the app must share one settings file: pin userData to the core's folder.
  // app.setPath throws on a relative path (configDir resolves TORUS_TOKEN_CONFIG_DIR=./x) and, as
  // documented, on a folder that does not exist yet (the first run): create it, private.
  const dir = configDir(trustedEnv, platform);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    app.setPath('userData', dir);
  } catch (error) {
    // A full disk or a read-only home must not stop the app: the token is in the keychain, and
    // the first settings write names the folder and the cause in the popover.
    log(`settings folder unavailable at start (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (platform === 'darwin') app.dock?.hide();
  // Windows shows toast notifications only for an app with an AppUserModelID (the installer's appId).
  if (platform === 'win32') app.setAppUserModelId('com.torustoken.app');
  // A tray app lives on without windows.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  // No default menu (Reload, DevTools); an Edit menu on macOS for copy and paste.
  applyApplicationMenu(Menu, platform);
  // A start at login shows no window; every start checks the tokens (below).
  const hidden = argv.includes(HIDDEN_ARG);

  const { default: ElectronStore } = await import('electron-store');
  const core = await createCore({
    configDir: dir,
    settingsWriter: electronStoreWriter(ElectronStore as unknown as ElectronStoreConstructor, ipcMain),
    settingsUnreadable: 'use-defaults',
    keychainService: keychainServiceFor(trustedEnv),
    // Loopback servers (the simulator) are trusted only in development and the demo.
    policy: { trustLoopback: !app.isPackaged },
    log,
    now: () => timers.now(),
    ...(options.keychain ? { keychain: options.keychain } : {}),
  });

  // Our page: the app scheme, or in development the dev server (popover-window.ts).
  const location = rendererLocation(app.getAppPath(), env, app.isPackaged);
  const checkSender = (url: string | undefined): boolean => isRendererPage(location, url);
  if (location.kind === 'app') handleAppScheme(protocol, { root: location.root, log });
  hardenApp(app, session, { isOwnPage: checkSender, devServerOrigin: location.kind === 'url' ? location.url : null, log });

  // The popover asks the tray for its bounds on show; the tray exists by then.
  const trayRef: { current?: TrayController } = {};
  const popover: PopoverWindow = createPopoverWindow({
    getTrayBounds: () => trayRef.current?.getBounds() ?? { x: 0, y: 0, width: 0, height: 0 },
    platform,
    env,
    isPackaged: app.isPackaged,
    log,
  });

  const loginItem = createLoginItem({ app, platform, env, homeDir: homedir(), execPath: process.execPath, isPackaged: app.isPackaged });
  const clipboardPort = createClipboardPort({ clipboard, ClipboardItem, platform, log });
  const clipboardGuard = new ClipboardGuard(clipboardPort, timers);

  const appWarnings: string[] = [];
  const warn = (message: string) => {
    if (!appWarnings.includes(message)) appWarnings.push(message);
    void publish();
  };
  const view = new AppView(core, platformOf(platform), () => appWarnings);
  const report = (action: string) => (error: unknown) => {
    const message = isTorusError(error) ? error.message : 'Something unexpected went wrong.';
    log(`${action} failed: ${isTorusError(error) ? error.kind : 'error'}`);
    warn(`${action}: ${message}`);
  };

  /** One native dialog at a time, a child of the popover, which does not hide on the blur it causes. */
  let dialogOpen: Promise<unknown> = Promise.resolve();
  const approver: Approver = {
    approve: ({ profileName, changes }) => {
      const ask = async (): Promise<boolean> => {
        const resume = popover.suspendBlurHide();
        try {
          const { response } = await dialog.showMessageBox(popover.window, {
            type: 'warning',
            title: 'Torus Token',
            message: profileName ? `Allow this change to "${profileName}"?` : 'Allow this change?',
            detail: changes.map((c) => c.description).join('\n\n'),
            buttons: ['Allow', 'Cancel'],
            defaultId: 1,
            cancelId: 1,
            noLink: true,
          });
          return response === 0;
        } finally {
          resume();
        }
      };
      const answer = dialogOpen.then(ask, ask);
      dialogOpen = answer.catch(() => undefined);
      return answer;
    },
  };

  /**
   * The profile's registered redirect origin, once the core stores it (a settings field the lead
   * adds); until then null, and the sign-in window learns it from the first redirect.
   */

  let shellPath: Promise<string | null> | undefined;
  const copyShortcutAction = () => void actions.copy(core.settings.read().activeProfileId ?? '');
  const ports: AppPorts = {
    clipboard: clipboardGuard,
    signIn: { open: ({ loginUrl, profileId, redirectOrigin }) => openSignInWindow(loginUrl, { profileId, redirectOrigin, log }) },
    loginItem,
    shortcut: {
      check: (accelerator) => checkAccelerator(accelerator, platform),
      apply: (accelerator) => applyCopyShortcut(globalShortcut, accelerator, copyShortcutAction, platform),
    },
    approver,
    policy: core.policy,
    commandLineTool: async () => {
      // The login shell's PATH (a GUI app does not inherit it) is looked up once, on first use.
      shellPath ??= loginShellPath(env, platform);
      return commandLineTool({ platform, arch: process.arch, env, homeDir: homedir(), shellPath: await shellPath });
    },
    openCliDownload: () => void shell.openExternal(RELEASES_URL).catch(() => log('could not open the download page')),
    hidePopover: () => popover.hide(),
    quit: () => app.quit(),
  };

  const router = createIpcRouter(createHandlers(core, view, ports), { isTrustedSender: checkSender, log });
  // Only the popover's own main frame may call (not a subframe, not another window at our URL).
  const unregisterIpc = registerIpc(ipcMain, router, log, { isTrustedFrame: (event) => popover.isOwnFrame(event) });

  const actions = {
    copy: (profileId: string) => {
      const id = profileId || core.settings.read().profiles[0]?.id;
      if (!id) return;
      void copyToken(core, clipboardGuard, id).catch(report('Copy token'));
    },
    refresh: (profileId: string) => void refresh(core, profileId, 'manual').catch(report('Refresh')),
    signIn: (profileId: string) => void signIn(core, ports.signIn, profileId).catch(report('Sign in')),
    open: (view?: PopoverView) => {
      lookHook();
      popover.show(view ? { view } : undefined);
    },
    switchProfile: (id: string) => void switchProfile(core, id).catch(report('Switch profile')),
    setStartAtLogin: async (enabled: boolean) => {
      try {
        await updateSettings(core, ports, { startAtLogin: enabled });
      } catch (error) {
        report('Start at login')(error);
      }
      return loginItem.get();
    },
    quit: () => app.quit(),
  } satisfies TrayActions;

  const isQuiet = (profileId: string): boolean => {
    const settings = core.settings.read();
    const profile = settings.profiles.find((p) => p.id === profileId);
    return profile ? inQuietHours(core.now(), { time: settings.refresh.cutoffTime, zone: settings.refresh.cutoffZone }, profile.readyBy) : false;
  };
  const notifier = new Notifier({
    holdUntilStarted: true,
    onSignIn: (profileId) => actions.signIn(profileId),
    onOpen: () => showPopover(),
    isPopoverVisible: () => popover.isVisible(),
    isQuiet,
    now: core.now,
  });

  // Only the newest of overlapping publishes is delivered (computing a state reads the
  // keychain, so an older one can finish later and would put back a stale "refreshing").
  let sequence = 0;
  let latest: AppState | null = null;
  let delivering: Promise<void> = Promise.resolve();
  const publish = (): Promise<void> => {
    const mine = ++sequence;
    const work = view.state().then(
      (state) => {
        if (mine !== sequence) return;
        latest = state;
        trayRef.current?.update(state, loginItem.get());
        // Not `popover.window`: a late publish (after shutdown) must not create a window.
        broadcast(popover.contents(), 'state:changed', state);
        notifier.update(state);
        networkWatch.update(state.profiles.some((p) => p.lastError !== null && isTransientKind(p.lastError.kind)));
      },
      (error: unknown) => log(`state: could not be computed (${isTorusError(error) ? error.kind : 'error'})`),
    );
    delivering = delivering.then(() => work);
    return work;
  };

  const monitor = new ProfileMonitor(core, timers, {
    onTick: () => void publish(),
    onReminder: (reminder: Reminder) => {
      const profile = core.settings.read().profiles.find((p) => p.id === reminder.profileId);
      if (profile?.signInAtReadyBy && reminder.need === 'sign-in' && (reminder.event === 'ready-by' || reminder.event === 'login')) {
        actions.signIn(reminder.profileId);
        return;
      }
      void view
        .state()
        .then((state) => notifier.remind(reminder, state))
        .catch((error: unknown) => log(`reminder for ${reminder.profileId} failed: ${isTorusError(error) ? error.kind : 'error'}`));
    },
    onError: (profileId, error) => log(`automatic refresh of ${profileId} failed: ${isTorusError(error) ? error.kind : 'error'}`),
  });
  const networkWatch = createNetworkWatch(
    () => net.isOnline(),
    timers,
    () => void monitor.event('online'),
    options.networkPollMs,
  );

  // Whenever the trader looks (tray, popover, notification), a changed wall clock is noticed.
  lookHook = () => monitor.checkClock();
  const tray = createTrayController({ actions, popover, platform, onError: (error) => report('Tray')(error), onLook: lookHook, log });
  trayRef.current = tray;
  popoverRef.current = popover;

  const unwatchCore = core.onChange(() => void publish());
  // Our own settings writes, and the CLI's (a folder watch: event-driven, no polling).
  const onSettingsChanged = () => {
    view.forget(null);
    monitor.rearmAll();
    void publish();
  };
  const unwatchOwn = core.settings.onChange(onSettingsChanged);
  const unwatchExternal = core.settings.onExternalChange(onSettingsChanged);

  const onResume = () => void monitor.event('resume');
  const onUnlock = () => void monitor.event('unlock');
  powerMonitor.on('resume', onResume);
  powerMonitor.on('unlock-screen', onUnlock);

  const shortcut = core.settings.read().app.copyShortcut;
  if (shortcut) {
    const problem = ports.shortcut.apply(shortcut);
    if (problem) appWarnings.push(problem);
  }
  await publish();
  monitor.rearmAll();

  const startup = (async () => {
    if (!hidden || pendingShow) popover.show();
    // Every start (not only a detected login launch) checks the tokens, unless the trader
    // turned "refresh at login" off; reminders are given either way.
    if (core.settings.read().refresh.atLogin && !(await waitForNetwork(() => net.isOnline(), timers))) {
      log('network still down after waiting; the schedule retries');
    }
    await monitor.event('login');
    await publish();
    notifier.startupDone();
  })();

  let stopped = false;
  const shutdown = () => {
    if (stopped) return;
    stopped = true;
    monitor.stop();
    networkWatch.stop();
    unwatchCore();
    unwatchOwn();
    unwatchExternal();
    unregisterIpc();
    powerMonitor.removeListener('resume', onResume);
    powerMonitor.removeListener('unlock-screen', onUnlock);
    clearCopyShortcut(globalShortcut);
    notifier.dispose();
    view.dispose();
    clipboardGuard.dispose();
    tray.destroy();
    popover.destroy();
  };
  // Quitting takes our token off the clipboard first (if it is still there).
  let clipboardCleared = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    if (!clipboardCleared) {
      clipboardCleared = true;
      event.preventDefault();
      clipboardGuard.clearIfOurs();
      void clipboardPort.flush().finally(() => app.quit());
      return;
    }
    shutdown();
  });

  return {
    core,
    view,
    monitor,
    notifier,
    popover,
    tray,
    state: () => latest,
    startup,
    settle: () => delivering,
    shutdown,
  };
}
