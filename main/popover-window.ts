/**
 * The popover: a small frameless window shown next to the tray icon.
 *
 * - Fixed size, not in the taskbar, on top, hidden until asked; created once and reused (and
 *   re-created if it was ever destroyed, or when its renderer process dies: a crashed page
 *   stays blank until then).
 * - Shown only once its page has painted (`ready-to-show`), on a background that matches the
 *   page's own (light or dark), so it never flashes white.
 * - Its position is recomputed on every show from the tray bounds, the display nearest the
 *   tray (or the pointer when the tray has no bounds, Linux) and that display's work area.
 *   Where neither is known (Wayland: no tray bounds, and no pointer position outside our own
 *   windows), it goes to the top-right corner of the primary display's work area.
 * - Hides on blur and on Escape. On Windows, clicking the tray icon while the popover is open
 *   first blurs (hiding it) and then clicks (which would show it again): a tray toggle within
 *   250 ms of a blur-hide is ignored, so the click closes it as the user meant.
 * - The renderer is our own page, `torus-token://popover/index.html` (app-protocol.ts), or in
 *   development (not in a packaged app) the dev server from TORUS_TOKEN_DEV_SERVER, which must
 *   be a loopback http(s) URL. DevTools only in development.
 */
import path from 'node:path';
import { app, BrowserWindow, nativeTheme, screen, type IpcMainInvokeEvent, type Rectangle, type WebContents } from 'electron';
import { popoverPosition, type Point } from './popover-position.js';
import { APP_INDEX_URL } from './app-protocol.js';
import { isRendererPage, type RendererLocation } from './renderer-page.js';
import { broadcast } from './ipc-main.js';
import type { PopoverView } from './tray-menu.js';

export type { RendererLocation };

export const POPOVER_SIZE = { width: 360, height: 480 } as const;
/** A tray click this soon after a blur-hide is the same gesture (Windows): ignored. */
export const BLUR_CLICK_GUARD_MS = 250;
export const DEV_SERVER_ENV = 'TORUS_TOKEN_DEV_SERVER';
/** The page's own background (renderer/src/app.css `--bg`, light and dark; a test keeps them equal). */
export const POPOVER_BACKGROUND = { light: '#f3f3f6', dark: '#1c1c1f' } as const;
/** Shown anyway when the page has not painted this long after a show was asked for (a hung load). */
export const PAINT_WAIT_MS = 1_500;
/** More renderer crashes than this within a minute: stop re-creating until the next show. */
export const MAX_CRASHES_PER_MINUTE = 3;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A dev-server URL is honoured only in development and only on loopback. */
export function devServerUrl(env: NodeJS.ProcessEnv, isPackaged: boolean): string | null {
  const raw = env[DEV_SERVER_ENV]?.trim();
  if (!raw || isPackaged) return null;
  try {
    const url = new URL(raw);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname)) return url.href;
  } catch {
    // not a URL: ignored below
  }
  return null;
}

/** Where the renderer comes from; also what the IPC sender check should trust. */
export function rendererLocation(appPath: string, env: NodeJS.ProcessEnv = process.env, isPackaged = app.isPackaged): RendererLocation {
  const dev = devServerUrl(env, isPackaged);
  if (dev) return { kind: 'url', url: dev };
  return { kind: 'app', url: APP_INDEX_URL, root: path.join(appPath, 'dist', 'renderer') };
}

export function preloadPath(appPath: string): string {
  return path.join(appPath, 'dist', 'preload', 'preload.cjs');
}

export interface PopoverWindowOptions {
  /** The tray icon's bounds now (all zero when unknown, as on Linux). */
  getTrayBounds: () => Rectangle;
  platform?: NodeJS.Platform;
  appPath?: string;
  env?: NodeJS.ProcessEnv;
  isPackaged?: boolean;
  /** Clock for the blur/click guard and the crash count. */
  now?: () => number;
  /** How long a show waits for the first paint at most (default PAINT_WAIT_MS). */
  paintWaitMs?: number;
  log?: (line: string) => void;
}

export interface PopoverShowOptions {
  /** Opens the popover on this view (sets the page's hash to `#<view>`; the page reacts to `hashchange`). */
  view?: PopoverView;
}

export interface PopoverWindow {
  /** The current window, creating it if needed. */
  readonly window: BrowserWindow;
  readonly location: RendererLocation;
  show(options?: PopoverShowOptions): void;
  hide(): void;
  /** For tray clicks: hides when visible (or about to show), else shows, except right after a blur-hide. */
  toggle(): void;
  isVisible(): boolean;
  /** The current window's web contents, or null: unlike `window`, never creates one (for pushes). */
  contents(): WebContents | null;
  /** Is this IPC call from the popover's own main frame (not a subframe, not another window)? */
  isOwnFrame(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): boolean;
  /**
   * While a native dialog of ours is open: a dialog takes focus, and the blur it causes must
   * not hide the popover it belongs to. Call the returned function when the dialog closes.
   */
  suspendBlurHide(): () => void;
  destroy(): void;
}

/** Is the sender of an IPC call the main frame of `contents`? By ids, not object identity (Electron may wrap a frame twice). */
export function isMainFrameOf(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, contents: WebContents | null): boolean {
  if (!contents || contents.isDestroyed() || event.sender.id !== contents.id) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  const main = contents.mainFrame;
  return frame.processId === main.processId && frame.routingId === main.routingId;
}

const within = (r: Rectangle, p: Point): boolean => p.x >= r.x && p.y >= r.y && p.x < r.x + r.width && p.y < r.y + r.height;

/** The pointer, when the platform can tell: Wayland answers (0, 0) (or nothing useful) outside our windows. */
function cursorPoint(): Point | undefined {
  try {
    const point = screen.getCursorScreenPoint();
    if (point.x === 0 && point.y === 0) return undefined;
    return screen.getAllDisplays().some((d) => within(d.bounds, point)) ? point : undefined;
  } catch {
    return undefined;
  }
}

export function createPopoverWindow(options: PopoverWindowOptions): PopoverWindow {
  const platform = options.platform ?? process.platform;
  const appPath = options.appPath ?? app.getAppPath();
  const now = options.now ?? Date.now;
  const isPackaged = options.isPackaged ?? app.isPackaged;
  const log = options.log ?? ((line: string) => console.error(line));
  const location = rendererLocation(appPath, options.env ?? process.env, isPackaged);

  let win: BrowserWindow | null = null;
  let lastBlurHideAt = Number.NEGATIVE_INFINITY;
  let dialogsOpen = 0;
  let currentView: PopoverView | null = null;
  let painted = false;
  let showPending = false;
  let paintTimer: ReturnType<typeof setTimeout> | null = null;
  let crashes: number[] = [];

  const load = (view: PopoverView | null): void => {
    if (!win) return;
    const base = location.url.replace(/#.*$/, '');
    win.loadURL(`${base}${view ? `#${view}` : ''}`).catch(() => log('popover: the page failed to load'));
  };

  const background = (): string => (nativeTheme.shouldUseDarkColors ? POPOVER_BACKGROUND.dark : POPOVER_BACKGROUND.light);
  // The page follows the system theme; so does the colour behind it.
  const onThemeUpdated = (): void => {
    if (win && !win.isDestroyed()) win.setBackgroundColor(background());
  };
  nativeTheme.on('updated', onThemeUpdated);

  const create = (): BrowserWindow => {
    painted = false;
    const created = new BrowserWindow({
      width: POPOVER_SIZE.width,
      height: POPOVER_SIZE.height,
      useContentSize: true,
      show: false,
      frame: false,
      resizable: false,
      movable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      skipTaskbar: true,
      alwaysOnTop: true,
      title: 'Torus Token',
      backgroundColor: background(),
      webPreferences: {
        preload: preloadPath(appPath),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        devTools: !isPackaged,
        // Middle-click "open in new window" is pointless here and a needless surface.
        disableBlinkFeatures: 'Auxclick',
        spellcheck: false,
      },
    });
    if (platform === 'darwin') {
      // A menu-bar popover appears on the current Space, also over full-screen apps.
      created.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
    }

    created.once('ready-to-show', () => {
      if (win !== created) return;
      painted = true;
      if (showPending) reveal();
    });
    created.on('blur', () => {
      if (!created.isVisible() || dialogsOpen > 0) return;
      created.hide();
      lastBlurHideAt = now();
    });
    created.on('closed', () => {
      if (win === created) win = null;
    });

    const contents = created.webContents;
    // Esc is the page's to handle (it closes a dialog first, and asks before unsaved text is
    // lost); it asks main to hide when Esc means "close". Blur hides an unresponsive page.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!isRendererPage(location, url)) event.preventDefault();
    });
    contents.on('render-process-gone', (_event, details) => {
      log(`popover: its renderer process is gone (${details.reason}, exit code ${details.exitCode}); re-creating it`);
      // Destroying a window from inside its own event is deferred to the next turn.
      setImmediate(() => recover(created));
    });

    win = created;
    load(currentView);
    return created;
  };

  /** A crashed page is blank until the window is re-created; a crash loop is not chased forever. */
  const recover = (crashed: BrowserWindow): void => {
    if (win !== crashed) return;
    const wasShowing = crashed.isVisible() || showPending;
    const t = now();
    crashes = [...crashes.filter((at) => t - at < 60_000), t];
    win = null;
    if (!crashed.isDestroyed()) crashed.destroy();
    if (crashes.length > MAX_CRASHES_PER_MINUTE) {
      log(`popover: ${crashes.length} renderer crashes within a minute; it is re-created on the next show`);
      showPending = false;
      return;
    }
    create();
    if (wasShowing) show();
  };

  const ensure = (): BrowserWindow => (win && !win.isDestroyed() ? win : create());

  const position = (target: BrowserWindow): void => {
    const trayBounds = options.getTrayBounds();
    const zero = trayBounds.x === 0 && trayBounds.y === 0 && trayBounds.width === 0 && trayBounds.height === 0;
    const cursor = zero ? cursorPoint() : undefined;
    const anchor = zero ? cursor : { x: Math.round(trayBounds.x + trayBounds.width / 2), y: Math.round(trayBounds.y + trayBounds.height / 2) };
    const display = anchor ? screen.getDisplayNearestPoint(anchor) : screen.getPrimaryDisplay();
    const { x, y } = popoverPosition({
      trayBounds,
      display: { bounds: display.bounds, workArea: display.workArea, scaleFactor: display.scaleFactor },
      windowSize: POPOVER_SIZE,
      platform,
      ...(cursor ? { cursor } : {}),
    });
    // setBounds (not setPosition): moving between displays of different scale factors with
    // setPosition can leave the window resized on Windows. (Wayland compositors ignore it and
    // place the window themselves.)
    target.setBounds({ x, y, width: POPOVER_SIZE.width, height: POPOVER_SIZE.height });
  };

  /** Makes the (painted) window visible, focused, and tells the page. */
  function reveal(): void {
    showPending = false;
    if (paintTimer) clearTimeout(paintTimer);
    paintTimer = null;
    const target = win;
    if (!target || target.isDestroyed()) return;
    position(target);
    target.show();
    // show() does not always focus (focus-stealing prevention): ask, or blur-to-hide never fires.
    target.focus();
    broadcast(target.webContents, 'popover:shown', null);
  }

  function show(showOptions: PopoverShowOptions = {}): void {
    ensure();
    if (showOptions.view && showOptions.view !== currentView) {
      currentView = showOptions.view;
      load(currentView);
    }
    if (painted) {
      reveal();
      return;
    }
    showPending = true;
    if (!paintTimer) {
      paintTimer = setTimeout(() => {
        paintTimer = null;
        if (!showPending) return;
        log('popover: the page has not painted yet; showing it anyway');
        reveal();
      }, options.paintWaitMs ?? PAINT_WAIT_MS);
    }
  }

  function hide(): void {
    showPending = false;
    if (win && !win.isDestroyed() && win.isVisible()) win.hide();
  }

  function toggle(): void {
    if (showPending || (win && !win.isDestroyed() && win.isVisible())) {
      hide();
      return;
    }
    // The click that caused the blur-hide: the user meant to close it, which already happened.
    if (now() - lastBlurHideAt < BLUR_CLICK_GUARD_MS) return;
    show();
  }

  ensure();

  return {
    get window() {
      return ensure();
    },
    location,
    show,
    hide,
    toggle,
    isVisible: () => win !== null && !win.isDestroyed() && win.isVisible(),
    contents: () => (win && !win.isDestroyed() ? win.webContents : null),
    isOwnFrame: (event) => isMainFrameOf(event, win && !win.isDestroyed() ? win.webContents : null),
    suspendBlurHide() {
      dialogsOpen++;
      let resumed = false;
      return () => {
        if (resumed) return;
        resumed = true;
        dialogsOpen--;
      };
    },
    destroy() {
      nativeTheme.removeListener('updated', onThemeUpdated);
      showPending = false;
      if (paintTimer) clearTimeout(paintTimer);
      paintTimer = null;
      if (win && !win.isDestroyed()) win.destroy();
      win = null;
    },
  };
}
