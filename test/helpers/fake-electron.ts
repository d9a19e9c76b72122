/**
 * A fake `electron` module for main-process tests: the Electron binary cannot run here.
 *
 * One file per Electron module in ./fake-electron/, each fake typed against Electron's own
 * declarations (see ./fake-electron/mirror.ts): a member the fake shares with Electron has
 * Electron's signature, so a drift fails `tsc`. The fake is no kinder than Electron where that
 * has bitten real apps:
 * - the app is not ready at once after `__test.launch()`: `whenReady()` resolves later, and
 *   BrowserWindow, Tray, screen, session, protocol.handle, globalShortcut and powerMonitor
 *   throw before it, as in Electron;
 * - a native dialog takes the focus (the popover blurs) and stays open until answered;
 * - `show()` may not focus the window; `ready-to-show` comes after the first load;
 * - `nativeImage.createFromPath` on a missing file gives an empty image, silently;
 * - the clipboard is Electron 45's asynchronous one; `app.setPath` refuses relative paths;
 * - pages load through `webRequest` and `protocol.handle`, and navigation events come with
 *   Electron's shapes (`will-navigate` for the main frame only).
 *
 * Usage in a test file:
 *
 *   const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
 *   vi.mock('electron', () => fake);
 *   beforeEach(() => fake.__test.reset());
 *
 * Every `createFakeElectron()` is an independent world. `__test.reset()` clears a world in
 * place (the exported objects and classes stay the same, so ESM bindings in the code under
 * test keep working) and leaves it ready, as most glue runs after `ready`.
 */
import { FakeApp } from './fake-electron/app.js';
import { createBrowserWindowClass, type FakeBrowserWindow } from './fake-electron/browser-window.js';
import { createClipboard, FakeClipboardItem } from './fake-electron/clipboard.js';
import { createDialog } from './fake-electron/dialog.js';
import { fakeEvent, type FakeEmitter } from './fake-electron/emitter.js';
import { createContextBridge, FakeIpcMain, FakeIpcRenderer } from './fake-electron/ipc.js';
import { createMenuClass, createMenuItemClass } from './fake-electron/menu.js';
import { createNativeImage } from './fake-electron/native-image.js';
import { createNotificationClass, type FakeNotification } from './fake-electron/notification.js';
import { FakeProtocol } from './fake-electron/protocol.js';
import { FakeScreen } from './fake-electron/screen.js';
import { createSessionModule } from './fake-electron/session.js';
import { createGlobalShortcut, createNet, createShell, FakeNativeTheme, FakePowerMonitor } from './fake-electron/system.js';
import { createTrayClass, type FakeTray } from './fake-electron/tray.js';
import { FakeWorld, makeDisplay, type FakeDisplayInit, type FakeOpenDialog, type FakeShownNotification, type Point } from './fake-electron/world.js';

export { FakeEmitter, fakeEvent, NotReadyError, type FakeEvent } from './fake-electron/emitter.js';
export { FakeApp } from './fake-electron/app.js';
export { FakeBrowserWindow, type FakeWindowOptions } from './fake-electron/browser-window.js';
export { FakeClipboardItem } from './fake-electron/clipboard.js';
export { FakeIpcMain, FakeIpcRenderer, type FakeIpcInvokeOptions, type FakeIpcMainEvent } from './fake-electron/ipc.js';
export { FakeMenu, FakeMenuItem, type FakeMenuTemplateItem } from './fake-electron/menu.js';
export { FakeNativeImage, decodeImageSize } from './fake-electron/native-image.js';
export { FakeNotification, type FakeNotificationOptions } from './fake-electron/notification.js';
export { FakeProtocol } from './fake-electron/protocol.js';
export { FakeScreen } from './fake-electron/screen.js';
export { FakeSession, FakeDownloadItem } from './fake-electron/session.js';
export { FakeNativeTheme, FakePowerMonitor } from './fake-electron/system.js';
export { FakeTray } from './fake-electron/tray.js';
export { FakeWebContents, FakeWebFrameMain, type FakeKeyInput, type FakeNavigationOutcome } from './fake-electron/web-contents.js';
export {
  FakeWorld,
  makeDisplay,
  DEFAULT_DISPLAY,
  REPO_ROOT,
  type FakeDisplay,
  type FakeDisplayInit,
  type FakeLoginItemState,
  type FakeOpenDialog,
  type FakeSentMessage,
  type FakeShownNotification,
  type Rect,
  type Point,
} from './fake-electron/world.js';

export interface FakeElectronTestHandle {
  readonly world: FakeWorld;
  /** Clears all state and configuration of this world, keeping its objects and classes. The world is ready. */
  reset(): void;
  /**
   * The app is starting: not ready. `whenReady()` resolves later: on a later turn of the event
   * loop, or, with `{ manual: true }`, when the test calls `emitReady()`.
   */
  launch(options?: { manual?: boolean }): void;
  /** Electron finishes launching: `will-finish-launching`, `ready`, and `whenReady()` resolves. */
  emitReady(): void;
  setDisplays(displays: FakeDisplayInit[]): void;
  /** Where the pointer is; `null` where the platform cannot tell (Wayland outside our windows). */
  setCursor(point: Point | null): void;
  readonly trays: FakeTray[];
  readonly windows: FakeBrowserWindow[];
  readonly notifications: FakeShownNotification[];
  /** The native message boxes open now, oldest first. */
  readonly openDialogs: FakeOpenDialog[];
  /** The most recently created tray (throws when none). */
  lastTray(): FakeTray;
  /** The most recently created, not destroyed window (throws when none). */
  lastWindow(): FakeBrowserWindow;
  /** The most recently shown notification (throws when none). */
  lastNotification(): FakeNotification;
}

export function createFakeElectron() {
  const world = new FakeWorld();
  const ipcMain = new FakeIpcMain(world);
  const ipcRenderer = new FakeIpcRenderer(world, ipcMain);
  const app = new FakeApp(world);
  const screen = new FakeScreen(world);
  const powerMonitor = new FakePowerMonitor(world);
  const nativeTheme = new FakeNativeTheme(world);
  const protocol = new FakeProtocol(world);
  const connect = (): void => {
    world.app = app;
    world.deliverToRenderer = (channel, args) => ipcRenderer.deliver(channel, args);
  };
  connect();

  const emitters: FakeEmitter[] = [app, screen, ipcMain, ipcRenderer, powerMonitor, nativeTheme];

  const test: FakeElectronTestHandle = {
    world,
    reset() {
      for (const window of [...world.windows]) window.removeAllListeners();
      for (const tray of world.trays) tray.removeAllListeners();
      for (const emitter of emitters) emitter.removeAllListeners();
      ipcMain.handlers.clear();
      ipcMain.handledChannels.length = 0;
      ipcMain.removedChannels.length = 0;
      powerMonitor.onBatteryPower = false;
      powerMonitor.idleState = 'active';
      nativeTheme.themeSource = 'system';
      app.name = 'Torus Token';
      app.commandLine.switches.clear();
      // Fresh copies of every field (arrays, maps and configuration) from a pristine world.
      Object.assign(world, new FakeWorld());
      connect();
    },
    launch(options = {}) {
      world.ready = false;
      if (!options.manual) setTimeout(() => world.becomeReady(), 0);
    },
    emitReady() {
      world.becomeReady();
    },
    setDisplays(displays) {
      world.displays = displays.map((d, i) => makeDisplay(d, i));
      screen.emit('display-metrics-changed', fakeEvent(), world.displays[0], []);
    },
    setCursor(point) {
      world.cursor = point ? { ...point } : null;
    },
    get trays() {
      return world.trays;
    },
    get windows() {
      return world.windows;
    },
    get notifications() {
      return world.shownNotifications;
    },
    get openDialogs() {
      return world.openDialogs;
    },
    lastTray() {
      const tray = world.trays[world.trays.length - 1];
      if (!tray) throw new Error('no Tray was created');
      return tray;
    },
    lastWindow() {
      const window = world.windows[world.windows.length - 1];
      if (!window) throw new Error('no BrowserWindow is open');
      return window;
    },
    lastNotification() {
      const shown = world.shownNotifications[world.shownNotifications.length - 1];
      if (!shown) throw new Error('no Notification was shown');
      return shown.notification;
    },
  };

  const modules = {
    app,
    BrowserWindow: createBrowserWindowClass(world),
    Tray: createTrayClass(world),
    Menu: createMenuClass(world),
    MenuItem: createMenuItemClass(world),
    nativeImage: createNativeImage(world),
    screen,
    ipcMain,
    ipcRenderer,
    contextBridge: createContextBridge(world),
    clipboard: createClipboard(world),
    ClipboardItem: FakeClipboardItem,
    Notification: createNotificationClass(world),
    powerMonitor,
    globalShortcut: createGlobalShortcut(world),
    shell: createShell(world),
    session: createSessionModule(world),
    protocol,
    dialog: createDialog(world),
    nativeTheme,
    net: createNet(world),
  };
  /** `import electron from 'electron'` gets the same object. */
  const fake = { ...modules, default: modules, __test: test };
  return fake;
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
