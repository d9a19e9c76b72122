/**
 * All state of one fake Electron: configuration the tests change, and recordings of what the
 * code under test did. Each fake module keeps its state here, so `reset()` can clear a world
 * in place while the exported objects stay the same (ESM bindings in the code under test keep
 * pointing at them).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Electron from 'electron';
import type { Rect, Point } from '../../../main/popover-position.js';
import { APP_INDEX_URL } from '../../../main/app-protocol.js';
import type { FakeEmitter } from './emitter.js';
import { NotReadyError } from './emitter.js';
import type { FakeBrowserWindow } from './browser-window.js';
import type { FakeTray } from './tray.js';
import type { FakeMenu } from './menu.js';
import type { FakeNativeImage } from './native-image.js';
import type { FakeNotification } from './notification.js';
import type { FakeSession } from './session.js';
import type { FakeWebContents } from './web-contents.js';

export type { Rect, Point };

/** The repository root, so `app.getAppPath()` finds the real assets. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type FakeDisplay = Electron.Display;

export interface FakeDisplayInit {
  id?: number;
  label?: string;
  bounds: Rect;
  workArea?: Rect;
  scaleFactor?: number;
}

export function makeDisplay(init: FakeDisplayInit, index = 0): FakeDisplay {
  const workArea = init.workArea ?? { ...init.bounds };
  return {
    id: init.id ?? index + 1,
    label: init.label ?? `Display ${index + 1}`,
    bounds: { ...init.bounds },
    workArea: { ...workArea },
    size: { width: init.bounds.width, height: init.bounds.height },
    workAreaSize: { width: workArea.width, height: workArea.height },
    scaleFactor: init.scaleFactor ?? 1,
    rotation: 0,
    internal: index === 0,
    touchSupport: 'unknown',
    accelerometerSupport: 'unknown',
    colorDepth: 24,
    colorSpace: '{primaries:BT709, transfer:SRGB, matrix:RGB, range:FULL}',
    depthPerComponent: 8,
    detected: true,
    displayFrequency: 60,
    maximumCursorSize: { width: 64, height: 64 },
    monochrome: false,
    nativeOrigin: { x: init.bounds.x, y: init.bounds.y },
  };
}

export const DEFAULT_DISPLAY: FakeDisplayInit = { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } };

export interface FakeLoginItemState {
  openAtLogin: boolean;
  args: string[];
  path: string | undefined;
  /** macOS 13+: what `getLoginItemSettings().status` reports. */
  status: Electron.LoginItemSettings['status'];
  wasOpenedAtLogin: boolean;
}

export interface FakeSentMessage {
  channel: string;
  args: unknown[];
}

export interface FakeShownNotification {
  notification: FakeNotification;
  title: string;
  body: string;
}

/** A native message box that is open (it has taken the focus) until it is answered. */
export interface FakeOpenDialog {
  readonly options: Electron.MessageBoxOptions;
  readonly parent: FakeBrowserWindow | null;
  /** The user presses the button at this index; the dialog closes and the parent gets the focus back. */
  answer(response: number): void;
}

export type FakeProtocolHandler = (request: Request) => Response | Promise<Response>;

export class FakeWorld {
  // configuration (tests change these)
  appPath = REPO_ROOT;
  isPackaged = false;
  singleInstanceLock = true;
  paths: Record<string, string> = {};
  displays: FakeDisplay[] = [makeDisplay(DEFAULT_DISPLAY)];
  /** The pointer; `null` where the platform cannot tell (Wayland, outside our windows): getCursorScreenPoint answers (0, 0). */
  cursor: Point | null = { x: 960, y: 540 };
  notificationsSupported = true;
  /** Accelerators for which `globalShortcut.register` fails (taken by another app). */
  unavailableShortcuts = new Set<string>();
  online = true;
  /** What `ipcRenderer.invoke` reports as the sender's frame URL. */
  rendererUrl = APP_INDEX_URL;
  /**
   * How native message boxes are answered: a button index answers on a later turn of the
   * event loop (the dialog is open, and has the focus, until then); 'manual' leaves every
   * dialog open until the test answers it (`__test.openDialogs`).
   */
  dialogResponse: number | 'manual' = 0;
  darkMode = false;
  /**
   * Whether `show()` also focuses the window. Window managers may refuse (focus-stealing
   * prevention on Windows and many Linux desktops), so the fake's `show()` does not: code that
   * needs the focus must ask for it (`focus()`).
   */
  showFocuses = false;

  // app readiness: the fake starts ready unless a test asks for a launch (`__test.launch()`)
  ready = true;
  readyWaiters: Array<() => void> = [];

  // recordings
  nextId = 1;
  trays: FakeTray[] = [];
  windows: FakeBrowserWindow[] = [];
  menus: FakeMenu[] = [];
  applicationMenu: FakeMenu | null = null;
  applicationMenuSet = false;
  images: FakeNativeImage[] = [];
  notifications: FakeNotification[] = [];
  shownNotifications: FakeShownNotification[] = [];
  clipboardText = '';
  clipboardWrites: string[] = [];
  /** Electron 45 `clipboard.write([new ClipboardItem({...})])`: the formats of the current content besides text/plain. */
  clipboardFormats = new Map<string, unknown>();
  /** Every `clipboard.write([...items])` call's items, as given. */
  clipboardItemWrites: Array<Array<Record<string, unknown>>> = [];
  /** The Linux primary selection (`clipboard.selection`). */
  selectionText = '';
  loginItem: FakeLoginItemState = FakeWorld.defaultLoginItem();
  loginItemCalls: Array<Record<string, unknown>> = [];
  shortcuts = new Map<string, () => void>();
  shortcutAttempts: string[] = [];
  openedExternal: string[] = [];
  openedPaths: string[] = [];
  exposedInMainWorld: Record<string, unknown> = {};
  sessions = new Map<string, FakeSession>();
  quitCalls = 0;
  exitCalls: number[] = [];
  dockHidden = false;
  appUserModelId: string | null = null;
  errorBoxes: Array<{ title: string; content: string }> = [];
  messageBoxes: Array<Record<string, unknown>> = [];
  openDialogs: FakeOpenDialog[] = [];
  privilegedSchemes: Electron.CustomScheme[] | null = null;
  protocolHandlers = new Map<string, FakeProtocolHandler>();
  /** Every web contents ever created, in order (also destroyed ones). */
  allContents: FakeWebContents[] = [];

  /** Set by createFakeElectron: the `app` emitter (`web-contents-created`, `ready`, …). */
  app: FakeEmitter | null = null;
  /** Set by createFakeElectron: hands a main → renderer message to the fake ipcRenderer. */
  deliverToRenderer: ((channel: string, args: unknown[]) => void) | null = null;

  static defaultLoginItem(): FakeLoginItemState {
    return { openAtLogin: false, args: [], path: undefined, status: 'not-registered', wasOpenedAtLogin: false };
  }

  /** Throws as Electron does for APIs that need the app to be ready. */
  requireReady(message: string): void {
    if (!this.ready) throw new NotReadyError(message);
  }

  becomeReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.app?.emit('will-finish-launching');
    this.app?.emit('ready', { preventDefault() {}, defaultPrevented: false }, {});
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }
}
