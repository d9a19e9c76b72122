/**
 * The popover: a small frameless window shown next to the tray icon.
 *
 * - Fixed size, not in the taskbar, on top, hidden until asked; created once and reused (and
 *   re-created if it was ever destroyed).
 * - Its position is recomputed on every show from the tray bounds, the display nearest the
 *   tray (or the pointer when the tray has no bounds, Linux) and that display's work area.
 * - Hides on blur and on Escape. On Windows, clicking the tray icon while the popover is open
 *   first blurs (hiding it) and then clicks (which would show it again): a tray toggle within
 *   250 ms of a blur-hide is ignored, so the click closes it as the user meant.
 * - The renderer is our own page: `dist/renderer/index.html`, or in development (not in a
 *   packaged app) the dev server from TORUS_TOKEN_DEV_SERVER, which must be a loopback http(s) URL.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, screen, type Rectangle } from 'electron';
import { popoverPosition } from './popover-position.js';
import { ipcName } from '../preload/contract.js';
import type { PopoverView } from './tray-menu.js';

export const POPOVER_SIZE = { width: 360, height: 480 } as const;
/** A tray click this soon after a blur-hide is the same gesture (Windows): ignored. */
export const BLUR_CLICK_GUARD_MS = 250;
export const DEV_SERVER_ENV = 'TORUS_TOKEN_DEV_SERVER';

export type RendererLocation = { kind: 'file'; path: string; url: string } | { kind: 'url'; url: string };

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
  const file = path.join(appPath, 'dist', 'renderer', 'index.html');
  return { kind: 'file', path: file, url: pathToFileURL(file).href };
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
  /** Clock for the blur/click guard. */
  now?: () => number;
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
  /** For tray clicks: hides when visible, else shows, except right after a blur-hide. */
  toggle(): void;
  isVisible(): boolean;
  /**
   * While a native dialog of ours is open: a dialog takes focus, and the blur it causes must
   * not hide the popover it belongs to. Call the returned function when the dialog closes.
   */
  suspendBlurHide(): () => void;
  destroy(): void;
}

export function createPopoverWindow(options: PopoverWindowOptions): PopoverWindow {
  const platform = options.platform ?? process.platform;
  const appPath = options.appPath ?? app.getAppPath();
  const now = options.now ?? Date.now;
  const location = rendererLocation(appPath, options.env ?? process.env, options.isPackaged ?? app.isPackaged);
  const pageUrl = location.url;

  let win: BrowserWindow | null = null;
  let lastBlurHideAt = Number.NEGATIVE_INFINITY;
  let dialogsOpen = 0;
  let currentView: PopoverView | null = null;

  const load = (view: PopoverView | null): void => {
    if (!win) return;
    const done =
      location.kind === 'file'
        ? win.loadFile(location.path, view ? { hash: view } : {})
        : win.loadURL(`${location.url.replace(/#.*$/, '')}${view ? `#${view}` : ''}`);
    done.catch(() => console.error('popover: the page failed to load'));
  };

  const isOurPage = (url: string): boolean => {
    try {
      const target = new URL(url);
      const ours = new URL(pageUrl);
      return target.protocol === ours.protocol && target.host === ours.host && target.pathname === ours.pathname;
    } catch {
      return false;
    }
  };

  const create = (): BrowserWindow => {
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
      webPreferences: {
        preload: preloadPath(appPath),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        // Middle-click "open in new window" is pointless here and a needless surface.
        disableBlinkFeatures: 'Auxclick',
        spellcheck: false,
      },
    });
    if (platform === 'darwin') {
      // A menu-bar popover appears on the current Space, also over full-screen apps.
      created.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
    }

    created.on('blur', () => {
      if (!created.isVisible() || dialogsOpen > 0) return;
      created.hide();
      lastBlurHideAt = now();
    });
    created.on('closed', () => {
      if (win === created) win = null;
    });

    const contents = created.webContents;
    contents.on('before-input-event', (_event, input) => {
      // The renderer also handles Esc (hidePopover); this catches it even when the page is busy.
      if (input.type === 'keyDown' && input.key === 'Escape' && !input.shift && !input.control && !input.alt && !input.meta) hide();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!isOurPage(url)) event.preventDefault();
    });

    win = created;
    load(currentView);
    return created;
  };

  const ensure = (): BrowserWindow => (win && !win.isDestroyed() ? win : create());

  const position = (target: BrowserWindow): void => {
    const trayBounds = options.getTrayBounds();
    const cursor = screen.getCursorScreenPoint();
    const zero = trayBounds.x === 0 && trayBounds.y === 0 && trayBounds.width === 0 && trayBounds.height === 0;
    const anchor = zero ? cursor : { x: Math.round(trayBounds.x + trayBounds.width / 2), y: Math.round(trayBounds.y + trayBounds.height / 2) };
    const display = screen.getDisplayNearestPoint(anchor);
    const { x, y } = popoverPosition({
      trayBounds,
      display: { bounds: display.bounds, workArea: display.workArea, scaleFactor: display.scaleFactor },
      windowSize: POPOVER_SIZE,
      platform,
      cursor,
    });
    // setBounds (not setPosition): moving between displays of different scale factors with
    // setPosition can leave the window resized on Windows.
    target.setBounds({ x, y, width: POPOVER_SIZE.width, height: POPOVER_SIZE.height });
  };

  function show(showOptions: PopoverShowOptions = {}): void {
    const target = ensure();
    if (showOptions.view && showOptions.view !== currentView) {
      currentView = showOptions.view;
      load(currentView);
    }
    position(target);
    target.show();
    target.focus();
    target.webContents.send(ipcName('popover:shown'), null);
  }

  function hide(): void {
    if (win && !win.isDestroyed() && win.isVisible()) win.hide();
  }

  function toggle(): void {
    if (win && !win.isDestroyed() && win.isVisible()) {
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
      if (win && !win.isDestroyed()) win.destroy();
      win = null;
    },
  };
}
