/**
 * A fake `electron` module for main-process tests: the Electron binary cannot run here.
 *
 * It models the parts of Electron this app uses closely enough that the glue code runs
 * unchanged: objects record what was done to them (tray image, menus, window options, sent
 * IPC messages, notifications, clipboard writes) and tests drive events (tray clicks, window
 * blur, navigation, key presses, power events, renderer IPC calls).
 *
 * Usage in a test file:
 *
 *   const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
 *   vi.mock('electron', () => fake);
 *   beforeEach(() => fake.__test.reset());
 *
 * Every `createFakeElectron()` is an independent world. `__test.reset()` clears a world in
 * place (the exported objects and classes stay the same, so ESM bindings in the code under
 * test keep working). To extend: add state to `FakeWorld` (and clear it in `reset`), add a
 * class or object below, and add it to `FakeElectron` and the object built in
 * `createFakeElectron`. Keep additions typed; cast to Electron types via `unknown` in tests.
 */
import path from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { MenuItemConstructorOptions } from 'electron';

// ---------------------------------------------------------------------------------------------
// Shared bits

// Geometry types are the app's own (main/popover-position.ts has no Electron import).
export type { Rect, Point } from '../../main/popover-position.js';
import type { Rect, Point } from '../../main/popover-position.js';

type AnyListener = (...args: never[]) => unknown;
type CallableListener = (...args: unknown[]) => unknown;

/** A small EventEmitter with the subset of Node's API Electron objects expose. */
export class FakeEmitter {
  private readonly listenersByEvent = new Map<string, Array<{ fn: CallableListener; once: boolean; original: AnyListener }>>();

  on(event: string, listener: AnyListener): this {
    return this.add(event, listener, false);
  }
  addListener(event: string, listener: AnyListener): this {
    return this.add(event, listener, false);
  }
  once(event: string, listener: AnyListener): this {
    return this.add(event, listener, true);
  }
  off(event: string, listener: AnyListener): this {
    const list = this.listenersByEvent.get(event);
    if (list) {
      const index = list.findIndex((l) => l.original === listener);
      if (index >= 0) list.splice(index, 1);
    }
    return this;
  }
  removeListener(event: string, listener: AnyListener): this {
    return this.off(event, listener);
  }
  removeAllListeners(event?: string): this {
    if (event === undefined) this.listenersByEvent.clear();
    else this.listenersByEvent.delete(event);
    return this;
  }
  listenerCount(event: string): number {
    return this.listenersByEvent.get(event)?.length ?? 0;
  }
  eventNames(): string[] {
    return [...this.listenersByEvent.keys()].filter((e) => this.listenerCount(e) > 0);
  }
  /** Calls the listeners synchronously, like Node's EventEmitter. Returns whether any listened. */
  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listenersByEvent.get(event);
    if (!list || list.length === 0) return false;
    for (const entry of [...list]) {
      if (entry.once) this.off(event, entry.original);
      entry.fn(...args);
    }
    return true;
  }
  private add(event: string, listener: AnyListener, once: boolean): this {
    const list = this.listenersByEvent.get(event) ?? [];
    list.push({ fn: listener as unknown as CallableListener, once, original: listener });
    this.listenersByEvent.set(event, list);
    return this;
  }
}

/** Electron's preventable `Event`. */
export interface FakeEvent {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
  [key: string]: unknown;
}

export function fakeEvent(extra: Record<string, unknown> = {}): FakeEvent {
  let prevented = false;
  return {
    ...extra,
    preventDefault() {
      prevented = true;
    },
    get defaultPrevented() {
      return prevented;
    },
  };
}

/** The repository root, so `app.getAppPath()` finds the real assets. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------------------------
// World: all state of one fake Electron

export interface FakeDisplay {
  id: number;
  label: string;
  bounds: Rect;
  workArea: Rect;
  size: { width: number; height: number };
  workAreaSize: { width: number; height: number };
  scaleFactor: number;
  rotation: number;
  internal: boolean;
  touchSupport: 'available' | 'unavailable' | 'unknown';
}

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
  };
}

export const DEFAULT_DISPLAY: FakeDisplayInit = { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } };

export interface FakeLoginItemState {
  openAtLogin: boolean;
  openAsHidden: boolean;
  args: string[];
  path: string | undefined;
  /** macOS 13+: what `getLoginItemSettings().status` reports. */
  status: 'not-registered' | 'enabled' | 'requires-approval' | 'not-found';
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

export class FakeWorld {
  // configuration (tests change these)
  appPath = REPO_ROOT;
  isPackaged = false;
  singleInstanceLock = true;
  paths: Record<string, string> = {};
  displays: FakeDisplay[] = [makeDisplay(DEFAULT_DISPLAY)];
  cursor: Point = { x: 960, y: 540 };
  notificationsSupported = true;
  /** Accelerators for which `globalShortcut.register` fails (taken by another app). */
  unavailableShortcuts = new Set<string>();
  online = true;
  /** What `ipcRenderer.invoke` reports as the sender's frame URL. */
  rendererUrl = pathToFileURL(path.join(REPO_ROOT, 'dist', 'renderer', 'index.html')).href;
  dialogResponse = 0;
  darkMode = false;

  // recordings
  nextId = 1;
  trays: FakeTray[] = [];
  windows: FakeBrowserWindow[] = [];
  menus: FakeMenu[] = [];
  applicationMenu: FakeMenu | null = null;
  images: FakeNativeImage[] = [];
  notifications: FakeNotification[] = [];
  shownNotifications: FakeShownNotification[] = [];
  clipboardText = '';
  clipboardWrites: string[] = [];
  clipboardBuffers = new Map<string, Buffer>();
  /** Electron 45 `clipboard.write([new ClipboardItem({...})])`: the formats of the current content besides text/plain. */
  clipboardFormats = new Map<string, unknown>();
  /** Every `clipboard.write([...items])` call's items, as given. */
  clipboardItemWrites: Array<Array<Record<string, unknown>>> = [];
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

  static defaultLoginItem(): FakeLoginItemState {
    return { openAtLogin: false, openAsHidden: false, args: [], path: undefined, status: 'not-registered', wasOpenedAtLogin: false };
  }
}

// ---------------------------------------------------------------------------------------------
// nativeImage

export class FakeNativeImage {
  private template = false;
  constructor(
    readonly path: string | null,
    readonly dataUrl: string | null = null,
  ) {}
  setTemplateImage(option: boolean): void {
    this.template = option;
  }
  isTemplateImage(): boolean {
    return this.template;
  }
  isEmpty(): boolean {
    return this.path === null && this.dataUrl === null;
  }
  getSize(): { width: number; height: number } {
    return this.isEmpty() ? { width: 0, height: 0 } : { width: 16, height: 16 };
  }
  toDataURL(): string {
    return this.dataUrl ?? 'data:image/png;base64,';
  }
  resize(): FakeNativeImage {
    return this;
  }
}

function createNativeImage(world: FakeWorld) {
  const make = (p: string | null, dataUrl: string | null = null): FakeNativeImage => {
    const image = new FakeNativeImage(p, dataUrl);
    world.images.push(image);
    return image;
  };
  return {
    createFromPath: (p: string) => make(p),
    createEmpty: () => make(null),
    createFromDataURL: (url: string) => make(null, url),
    createFromBuffer: () => make(null, 'data:image/png;base64,'),
  };
}

// ---------------------------------------------------------------------------------------------
// Menu

export type FakeMenuTemplateItem = MenuItemConstructorOptions;

export class FakeMenuItem {
  readonly id: string | undefined;
  readonly label: string;
  readonly type: NonNullable<MenuItemConstructorOptions['type']>;
  readonly role: MenuItemConstructorOptions['role'];
  readonly sublabel: string | undefined;
  readonly toolTip: string | undefined;
  readonly accelerator: string | undefined;
  readonly submenu: FakeMenu | undefined;
  enabled: boolean;
  visible: boolean;
  checked: boolean;
  /** The menu this item is in (set by FakeMenu). */
  menu: FakeMenu | null = null;

  constructor(
    world: FakeWorld,
    readonly options: MenuItemConstructorOptions,
  ) {
    this.id = options.id;
    this.label = options.label ?? '';
    this.role = options.role;
    this.sublabel = options.sublabel;
    this.toolTip = options.toolTip;
    this.accelerator = options.accelerator;
    this.enabled = options.enabled ?? true;
    this.visible = options.visible ?? true;
    this.checked = options.checked ?? false;
    const sub = options.submenu;
    this.submenu = sub === undefined ? undefined : sub instanceof FakeMenu ? sub : new FakeMenu(world, sub as MenuItemConstructorOptions[]);
    this.type = options.type ?? (this.submenu ? 'submenu' : 'normal');
  }

  /**
   * Simulates the user choosing the item, as Electron does: nothing happens when it is
   * disabled or invisible; a checkbox flips, a radio item becomes the checked one of its
   * group; then `click(menuItem, window, event)` runs. Returns whether the click ran.
   */
  click(): boolean {
    if (!this.enabled || !this.visible || this.type === 'separator' || this.type === 'submenu') return false;
    if (this.type === 'checkbox') this.checked = !this.checked;
    if (this.type === 'radio') {
      for (const sibling of this.menu?.radioGroupOf(this) ?? [this]) sibling.checked = sibling === this;
    }
    this.options.click?.(this as never, undefined, { shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, triggeredByAccelerator: false } as never);
    return true;
  }
}

export class FakeMenu extends FakeEmitter {
  readonly items: FakeMenuItem[] = [];
  popups: Array<Record<string, unknown>> = [];

  constructor(
    world: FakeWorld,
    /** The template it was built from, unchanged. */
    readonly template: MenuItemConstructorOptions[] = [],
  ) {
    super();
    world.menus.push(this);
    for (const options of template) this.append(new FakeMenuItem(world, options));
  }

  append(item: FakeMenuItem): void {
    item.menu = this;
    this.items.push(item);
  }

  insert(position: number, item: FakeMenuItem): void {
    item.menu = this;
    this.items.splice(position, 0, item);
  }

  /** Adjacent radio items (up to a separator) form a group, as in Electron. */
  radioGroupOf(item: FakeMenuItem): FakeMenuItem[] {
    const index = this.items.indexOf(item);
    let start = index;
    while (start > 0 && this.items[start - 1]!.type === 'radio') start--;
    let end = index;
    while (end < this.items.length - 1 && this.items[end + 1]!.type === 'radio') end++;
    return this.items.slice(start, end + 1);
  }

  /** Every item, depth first, including those in submenus. */
  allItems(): FakeMenuItem[] {
    return this.items.flatMap((item) => [item, ...(item.submenu?.allItems() ?? [])]);
  }

  getMenuItemById(id: string): FakeMenuItem | null {
    return this.allItems().find((item) => item.id === id) ?? null;
  }

  /** The item with this exact label (or, with a RegExp, the first match), in any submenu. */
  findItem(label: string | RegExp): FakeMenuItem | undefined {
    return this.allItems().find((item) => (typeof label === 'string' ? item.label === label : label.test(item.label)));
  }

  /** Like `findItem`, but fails loudly when there is no such item. */
  item(label: string | RegExp): FakeMenuItem {
    const found = this.findItem(label);
    if (!found)
      throw new Error(
        `no menu item ${String(label)}; labels: ${this.allItems()
          .map((i) => JSON.stringify(i.label))
          .join(', ')}`,
      );
    return found;
  }

  /** Finds the item and clicks it; throws when it does not exist. Returns whether the click ran. */
  clickItem(label: string | RegExp): boolean {
    return this.item(label).click();
  }

  labels(): string[] {
    return this.items.map((item) => (item.type === 'separator' ? '---' : item.label));
  }

  popup(options: Record<string, unknown> = {}): void {
    this.popups.push(options);
    this.emit('menu-will-show', fakeEvent());
  }

  closePopup(): void {
    this.emit('menu-will-close', fakeEvent());
  }
}

function createMenuClass(world: FakeWorld) {
  return class Menu extends FakeMenu {
    constructor() {
      super(world, []);
    }
    static buildFromTemplate(template: Array<MenuItemConstructorOptions | FakeMenuItem>): FakeMenu {
      return new FakeMenu(
        world,
        template.map((entry) => (entry instanceof FakeMenuItem ? entry.options : entry)),
      );
    }
    static setApplicationMenu(menu: FakeMenu | null): void {
      world.applicationMenu = menu;
    }
    static getApplicationMenu(): FakeMenu | null {
      return world.applicationMenu;
    }
  };
}

function createMenuItemClass(world: FakeWorld) {
  return class MenuItem extends FakeMenuItem {
    constructor(options: MenuItemConstructorOptions) {
      super(world, options);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Tray

export class FakeTray extends FakeEmitter {
  readonly id: number;
  image: FakeNativeImage | string;
  pressedImage: FakeNativeImage | string | null = null;
  tooltip = '';
  title = '';
  contextMenu: FakeMenu | null = null;
  /** Every menu passed to `setContextMenu`, in order. */
  contextMenuHistory: Array<FakeMenu | null> = [];
  /** Every `popUpContextMenu` call: the menu (or the context menu when none was given). */
  poppedUpMenus: Array<{ menu: FakeMenu | null; position: Point | undefined }> = [];
  imageHistory: Array<FakeNativeImage | string> = [];
  tooltipHistory: string[] = [];
  balloons: Array<Record<string, unknown>> = [];
  ignoreDoubleClickEvents = false;
  /** What `getBounds()` returns; Linux (AppIndicator) reports all zeros. */
  bounds: Rect = { x: 0, y: 0, width: 0, height: 0 };
  private destroyed = false;

  constructor(
    world: FakeWorld,
    image: FakeNativeImage | string,
    readonly guid?: string,
  ) {
    super();
    this.id = world.nextId++;
    this.image = image;
    this.imageHistory.push(image);
    world.trays.push(this);
  }

  setImage(image: FakeNativeImage | string): void {
    this.image = image;
    this.imageHistory.push(image);
  }
  setPressedImage(image: FakeNativeImage | string): void {
    this.pressedImage = image;
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
    this.tooltipHistory.push(tooltip);
  }
  setTitle(title: string): void {
    this.title = title;
  }
  getTitle(): string {
    return this.title;
  }
  setContextMenu(menu: FakeMenu | null): void {
    this.contextMenu = menu;
    this.contextMenuHistory.push(menu);
  }
  popUpContextMenu(menu?: FakeMenu, position?: Point): void {
    this.poppedUpMenus.push({ menu: menu ?? this.contextMenu, position });
  }
  closeContextMenu(): void {}
  getBounds(): Rect {
    return { ...this.bounds };
  }
  getGUID(): string | null {
    return this.guid ?? null;
  }
  setIgnoreDoubleClickEvents(ignore: boolean): void {
    this.ignoreDoubleClickEvents = ignore;
  }
  getIgnoreDoubleClickEvents(): boolean {
    return this.ignoreDoubleClickEvents;
  }
  displayBalloon(options: Record<string, unknown>): void {
    this.balloons.push(options);
  }
  removeBalloon(): void {}
  focus(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The path of the current image (when it was created from a path). */
  get imagePath(): string | null {
    return typeof this.image === 'string' ? this.image : this.image.path;
  }

  /** The user left-clicks the icon: emits `click(event, bounds, position)`. */
  click(position?: Point): void {
    this.emit('click', fakeEvent({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), this.getBounds(), position ?? { x: 0, y: 0 });
  }
  /** The user right-clicks the icon: emits `right-click(event, bounds)`. */
  rightClick(): void {
    this.emit('right-click', fakeEvent({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), this.getBounds());
  }
  doubleClick(): void {
    this.emit('double-click', fakeEvent({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), this.getBounds());
  }
  /** The menu a right click would show: the last popped-up one, else the context menu. */
  get lastPoppedUpMenu(): FakeMenu | null {
    return this.poppedUpMenus[this.poppedUpMenus.length - 1]?.menu ?? null;
  }
}

function createTrayClass(world: FakeWorld) {
  return class Tray extends FakeTray {
    constructor(image: FakeNativeImage | string, guid?: string) {
      super(world, image, guid);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Session

type PermissionRequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type WebRequestListener = (details: Record<string, unknown>, callback: (response: Record<string, unknown>) => void) => void;

export class FakeSession extends FakeEmitter {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  storageCleared = 0;
  cacheCleared = 0;
  userAgent = 'FakeElectron';
  readonly webRequestListeners = new Map<string, { filter: unknown; listener: WebRequestListener }>();
  readonly webRequest: Record<
    'onBeforeRequest' | 'onBeforeRedirect' | 'onBeforeSendHeaders' | 'onHeadersReceived' | 'onCompleted' | 'onErrorOccurred',
    (filterOrListener: unknown, maybeListener?: WebRequestListener | null) => void
  >;
  readonly cookies = {
    jar: [] as Array<Record<string, unknown>>,
    get: async (_filter: Record<string, unknown> = {}) => [...this.cookies.jar],
    set: async (details: Record<string, unknown>) => {
      this.cookies.jar.push(details);
    },
    remove: async () => {
      this.cookies.jar.length = 0;
    },
    flushStore: async () => {},
  };

  constructor(readonly partition: string) {
    super();
    const register =
      (name: string) =>
      (filterOrListener: unknown, maybeListener?: WebRequestListener | null): void => {
        const listener = (typeof filterOrListener === 'function' ? filterOrListener : maybeListener) as WebRequestListener | null | undefined;
        const filter = typeof filterOrListener === 'function' ? null : filterOrListener;
        if (listener) this.webRequestListeners.set(name, { filter, listener });
        else this.webRequestListeners.delete(name);
      };
    this.webRequest = {
      onBeforeRequest: register('onBeforeRequest'),
      onBeforeRedirect: register('onBeforeRedirect'),
      onBeforeSendHeaders: register('onBeforeSendHeaders'),
      onHeadersReceived: register('onHeadersReceived'),
      onCompleted: register('onCompleted'),
      onErrorOccurred: register('onErrorOccurred'),
    };
  }

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: ((...args: unknown[]) => boolean) | null): void {
    this.permissionCheckHandler = handler;
  }
  async clearStorageData(): Promise<void> {
    this.storageCleared++;
  }
  async clearCache(): Promise<void> {
    this.cacheCleared++;
  }
  setUserAgent(userAgent: string): void {
    this.userAgent = userAgent;
  }
  getUserAgent(): string {
    return this.userAgent;
  }

  /** Asks the permission handler as Chromium would; resolves to the decision (default: granted). */
  requestPermission(permission: string, webContents: unknown = null): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.permissionRequestHandler) return resolve(true);
      this.permissionRequestHandler(webContents, permission, resolve, {});
    });
  }

  /** Runs a webRequest listener (e.g. onBeforeRequest) and resolves with its response. */
  runWebRequest(name: string, details: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const entry = this.webRequestListeners.get(name);
    if (!entry) return Promise.resolve(null);
    return new Promise((resolve) => entry.listener(details, resolve));
  }
}

function sessionFor(world: FakeWorld, partition: string): FakeSession {
  let s = world.sessions.get(partition);
  if (!s) {
    s = new FakeSession(partition);
    world.sessions.set(partition, s);
  }
  return s;
}

function createSessionModule(world: FakeWorld) {
  return {
    fromPartition: (partition: string, _options?: { cache?: boolean }) => sessionFor(world, partition),
    fromPath: (p: string) => sessionFor(world, `path:${p}`),
    get defaultSession(): FakeSession {
      return sessionFor(world, '');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// BrowserWindow and webContents

export interface FakeKeyInput {
  type: 'keyDown' | 'keyUp';
  key: string;
  code: string;
  isAutoRepeat: boolean;
  isComposing: boolean;
  shift: boolean;
  control: boolean;
  alt: boolean;
  meta: boolean;
  location: number;
  modifiers: string[];
}

type WindowOpenHandler = (details: { url: string; frameName: string; features: string; disposition: string; referrer: unknown; postBody?: unknown }) => {
  action: 'allow' | 'deny';
  overrideBrowserWindowOptions?: unknown;
};

export class FakeWebContents extends FakeEmitter {
  readonly id: number;
  url = '';
  sent: FakeSentMessage[] = [];
  loadedUrls: string[] = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  devToolsOpened = false;
  executed: string[] = [];
  private destroyed = false;

  constructor(
    private readonly world: FakeWorld,
    readonly session: FakeSession,
    readonly owner: FakeBrowserWindow | null,
  ) {
    super();
    this.id = world.nextId++;
  }

  get mainFrame(): { url: string; routingId: number; processId: number } {
    return { url: this.url, routingId: 1, processId: this.id };
  }

  /** Main → renderer message. Recorded, and delivered to the fake ipcRenderer's listeners. */
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
    ipcRendererOf(this.world)?.deliver(channel, args);
  }
  /** The messages sent on one channel, newest last. */
  sentOn(channel: string): unknown[][] {
    return this.sent.filter((m) => m.channel === channel).map((m) => m.args);
  }
  getURL(): string {
    return this.url;
  }
  async loadURL(url: string): Promise<void> {
    this.url = url;
    this.loadedUrls.push(url);
    this.emit('did-start-loading');
    this.emit('did-finish-load');
  }
  async loadFile(file: string, options: { query?: Record<string, string>; search?: string; hash?: string } = {}): Promise<void> {
    const url = pathToFileURL(file);
    if (options.query) for (const [k, v] of Object.entries(options.query)) url.searchParams.set(k, v);
    if (options.search) url.search = options.search;
    if (options.hash) url.hash = options.hash;
    await this.loadURL(url.href);
  }
  reload(): void {
    this.emit('did-finish-load');
  }
  stop(): void {}
  focus(): void {}
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  /** The page calls `window.open(url)`: returns the handler's decision (Electron allows by default). */
  tryOpenWindow(url: string): { action: 'allow' | 'deny' } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window', referrer: { url: this.url, policy: 'default' } });
  }
  /**
   * The page (or a server redirect) tries to navigate. Emits `kind` with Electron's shapes:
   * an event carrying `url` and `isMainFrame`, then the legacy positional arguments. Returns
   * whether a listener cancelled it; when not cancelled, the URL becomes the current one.
   */
  navigate(url: string, kind: 'will-navigate' | 'will-redirect' | 'will-frame-navigate' = 'will-navigate', isMainFrame = true): { prevented: boolean } {
    const event = fakeEvent({ url, isMainFrame, isSameDocument: false, frame: { url } });
    this.emit(kind, event, url, false, isMainFrame);
    if (!event.defaultPrevented) {
      this.url = url;
      this.emit('did-navigate', fakeEvent(), url, 200, 'OK');
    }
    return { prevented: event.defaultPrevented };
  }
  /** A key press reaches the page: emits `before-input-event`; returns whether it was prevented. */
  pressKey(
    key: string,
    modifiers: Partial<Pick<FakeKeyInput, 'shift' | 'control' | 'alt' | 'meta' | 'isAutoRepeat'>> = {},
    type: FakeKeyInput['type'] = 'keyDown',
  ): { prevented: boolean } {
    const input: FakeKeyInput = {
      type,
      key,
      code: key.length === 1 ? `Key${key.toUpperCase()}` : key,
      isAutoRepeat: modifiers.isAutoRepeat ?? false,
      isComposing: false,
      shift: modifiers.shift ?? false,
      control: modifiers.control ?? false,
      alt: modifiers.alt ?? false,
      meta: modifiers.meta ?? false,
      location: 0,
      modifiers: (['shift', 'control', 'alt', 'meta'] as const).filter((m) => modifiers[m]),
    };
    const event = fakeEvent();
    this.emit('before-input-event', event, input);
    return { prevented: event.defaultPrevented };
  }
  openDevTools(): void {
    this.devToolsOpened = true;
  }
  closeDevTools(): void {
    this.devToolsOpened = false;
  }
  isDevToolsOpened(): boolean {
    return this.devToolsOpened;
  }
  async executeJavaScript(code: string): Promise<unknown> {
    this.executed.push(code);
    return undefined;
  }
  setUserAgent(userAgent: string): void {
    this.session.setUserAgent(userAgent);
  }
  getUserAgent(): string {
    return this.session.getUserAgent();
  }
  close(): void {
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** Options as given to `new BrowserWindow(options)`; kept loose on purpose. */
export type FakeWindowOptions = Record<string, unknown> & {
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  show?: boolean;
  webPreferences?: Record<string, unknown> & { partition?: string; session?: FakeSession; preload?: string };
};

export class FakeBrowserWindow extends FakeEmitter {
  readonly id: number;
  readonly webContents: FakeWebContents;
  /** The options exactly as passed to the constructor. */
  readonly options: FakeWindowOptions;
  loadedFile: string | null = null;
  loadedUrl: string | null = null;
  bounds: Rect;
  /** Every position set (setPosition or setBounds), in order. */
  positionHistory: Point[] = [];
  showCount = 0;
  hideCount = 0;
  alwaysOnTop: boolean;
  alwaysOnTopLevel: string | undefined;
  visibleOnAllWorkspaces = false;
  skipTaskbar: boolean;
  resizable: boolean;
  title: string;
  menu: FakeMenu | null | undefined = undefined;
  private visible = false;
  private focused = false;
  private minimized = false;
  private destroyed = false;

  constructor(
    private readonly world: FakeWorld,
    options: FakeWindowOptions = {},
  ) {
    super();
    this.id = world.nextId++;
    this.options = options;
    const prefs = options.webPreferences ?? {};
    const session = prefs.session ?? sessionFor(world, prefs.partition ?? '');
    this.webContents = new FakeWebContents(world, session, this);
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    this.alwaysOnTop = options.alwaysOnTop === true;
    this.skipTaskbar = options.skipTaskbar === true;
    this.resizable = options.resizable !== false;
    this.title = typeof options.title === 'string' ? options.title : '';
    world.windows.push(this);
    if (options.show !== false) this.show();
  }

  async loadFile(file: string, options?: { query?: Record<string, string>; search?: string; hash?: string }): Promise<void> {
    this.loadedFile = file;
    await this.webContents.loadFile(file, options);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    await this.webContents.loadURL(url);
  }

  show(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const wasVisible = this.visible;
    this.visible = true;
    this.minimized = false;
    this.showCount++;
    if (!wasVisible) this.emit('show');
    this.focus();
  }
  showInactive(): void {
    const wasVisible = this.visible;
    this.visible = true;
    this.showCount++;
    if (!wasVisible) this.emit('show');
  }
  hide(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const wasVisible = this.visible;
    this.visible = false;
    this.hideCount++;
    if (this.focused) this.blur();
    if (wasVisible) this.emit('hide');
  }
  isVisible(): boolean {
    return this.visible && !this.destroyed;
  }
  focus(): void {
    if (this.focused) return;
    for (const other of this.world.windows) if (other !== this && other.isFocused()) other.blur();
    this.focused = true;
    this.emit('focus');
  }
  /** The window loses focus (the user clicked elsewhere): emits `blur`. */
  blur(): void {
    if (!this.focused) return;
    this.focused = false;
    this.emit('blur');
  }
  isFocused(): boolean {
    return this.focused;
  }
  minimize(): void {
    this.minimized = true;
    this.emit('minimize');
  }
  restore(): void {
    this.minimized = false;
    this.emit('restore');
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  moveTop(): void {}
  center(): void {
    const display = this.world.displays[0];
    if (!display) return;
    const wa = display.workArea;
    this.setPosition(Math.round(wa.x + (wa.width - this.bounds.width) / 2), Math.round(wa.y + (wa.height - this.bounds.height) / 2));
  }

  setPosition(x: number, y: number, _animate?: boolean): void {
    this.bounds = { ...this.bounds, x, y };
    this.positionHistory.push({ x, y });
    this.emit('move');
  }
  getPosition(): [number, number] {
    return [this.bounds.x, this.bounds.y];
  }
  setSize(width: number, height: number): void {
    this.bounds = { ...this.bounds, width, height };
    this.emit('resize');
  }
  getSize(): [number, number] {
    return [this.bounds.width, this.bounds.height];
  }
  getContentSize(): [number, number] {
    return this.getSize();
  }
  setContentSize(width: number, height: number): void {
    this.setSize(width, height);
  }
  setBounds(bounds: Partial<Rect>): void {
    this.bounds = { ...this.bounds, ...bounds };
    if (bounds.x !== undefined || bounds.y !== undefined) this.positionHistory.push({ x: this.bounds.x, y: this.bounds.y });
    this.emit('move');
  }
  getBounds(): Rect {
    return { ...this.bounds };
  }
  getContentBounds(): Rect {
    return this.getBounds();
  }
  setAlwaysOnTop(flag: boolean, level?: string): void {
    this.alwaysOnTop = flag;
    this.alwaysOnTopLevel = level;
  }
  isAlwaysOnTop(): boolean {
    return this.alwaysOnTop;
  }
  setVisibleOnAllWorkspaces(visible: boolean): void {
    this.visibleOnAllWorkspaces = visible;
  }
  isVisibleOnAllWorkspaces(): boolean {
    return this.visibleOnAllWorkspaces;
  }
  setSkipTaskbar(skip: boolean): void {
    this.skipTaskbar = skip;
  }
  setResizable(resizable: boolean): void {
    this.resizable = resizable;
  }
  isResizable(): boolean {
    return this.resizable;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  getTitle(): string {
    return this.title;
  }
  setMenu(menu: FakeMenu | null): void {
    this.menu = menu;
  }
  removeMenu(): void {
    this.menu = null;
  }
  setMenuBarVisibility(): void {}

  /** `close()`: emits a preventable `close`; unless prevented, the window is destroyed. */
  close(): void {
    if (this.destroyed) return;
    const event = fakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.visible = false;
    this.focused = false;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
    const index = this.world.windows.indexOf(this);
    if (index >= 0) this.world.windows.splice(index, 1);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

function createBrowserWindowClass(world: FakeWorld) {
  return class BrowserWindow extends FakeBrowserWindow {
    constructor(options: FakeWindowOptions = {}) {
      super(world, options);
    }
    static getAllWindows(): FakeBrowserWindow[] {
      return [...world.windows];
    }
    static getFocusedWindow(): FakeBrowserWindow | null {
      return world.windows.find((w) => w.isFocused()) ?? null;
    }
    static fromWebContents(webContents: FakeWebContents): FakeBrowserWindow | null {
      return world.windows.find((w) => w.webContents === webContents) ?? null;
    }
    static fromId(id: number): FakeBrowserWindow | null {
      return world.windows.find((w) => w.id === id) ?? null;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// app

export class FakeApp extends FakeEmitter {
  readonly commandLine = {
    switches: new Map<string, string>(),
    appendSwitch: (name: string, value = '') => {
      this.commandLine.switches.set(name, value);
    },
    hasSwitch: (name: string) => this.commandLine.switches.has(name),
    getSwitchValue: (name: string) => this.commandLine.switches.get(name) ?? '',
  };
  readonly dock = {
    hide: () => {
      this.world.dockHidden = true;
    },
    show: async () => {
      this.world.dockHidden = false;
    },
    isVisible: () => !this.world.dockHidden,
    setBadge: (_text: string) => {},
    setMenu: (_menu: FakeMenu) => {},
  };
  name = 'Torus Token';

  constructor(private readonly world: FakeWorld) {
    super();
  }

  get isPackaged(): boolean {
    return this.world.isPackaged;
  }
  getName(): string {
    return this.name;
  }
  setName(name: string): void {
    this.name = name;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  getLocale(): string {
    return 'en-US';
  }
  getAppPath(): string {
    return this.world.appPath;
  }
  getPath(name: string): string {
    return this.world.paths[name] ?? path.join(tmpdir(), 'fake-electron', name);
  }
  setPath(name: string, value: string): void {
    this.world.paths[name] = value;
  }
  isReady(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  requestSingleInstanceLock(): boolean {
    return this.world.singleInstanceLock;
  }
  hasSingleInstanceLock(): boolean {
    return this.world.singleInstanceLock;
  }
  releaseSingleInstanceLock(): void {}
  /** Simulates a second launch: emits `second-instance(event, argv, workingDirectory)`. */
  secondInstance(argv: string[] = [], workingDirectory = process.cwd()): void {
    this.emit('second-instance', fakeEvent(), argv, workingDirectory, {});
  }
  setAppUserModelId(id: string): void {
    this.world.appUserModelId = id;
  }
  setLoginItemSettings(settings: { openAtLogin?: boolean; openAsHidden?: boolean; args?: string[]; path?: string } & Record<string, unknown>): void {
    this.world.loginItemCalls.push({ ...settings });
    const item = this.world.loginItem;
    if (settings.openAtLogin !== undefined) item.openAtLogin = settings.openAtLogin;
    if (settings.openAsHidden !== undefined) item.openAsHidden = settings.openAsHidden;
    if (settings.args !== undefined) item.args = [...settings.args];
    if (settings.path !== undefined) item.path = settings.path;
    if (item.status !== 'requires-approval') item.status = item.openAtLogin ? 'enabled' : 'not-registered';
  }
  getLoginItemSettings(_options?: Record<string, unknown>): {
    openAtLogin: boolean;
    openAsHidden: boolean;
    wasOpenedAtLogin: boolean;
    wasOpenedAsHidden: boolean;
    restoreState: boolean;
    status: FakeLoginItemState['status'];
    executableWillLaunchAtLogin: boolean;
    launchItems: Array<{ name: string; path: string; args: string[]; scope: string; enabled: boolean }>;
  } {
    const item = this.world.loginItem;
    const enabled = item.openAtLogin && item.status !== 'requires-approval';
    return {
      openAtLogin: item.openAtLogin,
      openAsHidden: item.openAsHidden,
      wasOpenedAtLogin: item.wasOpenedAtLogin,
      wasOpenedAsHidden: false,
      restoreState: false,
      status: item.status,
      executableWillLaunchAtLogin: enabled,
      launchItems: item.openAtLogin ? [{ name: 'Torus Token', path: item.path ?? process.execPath, args: [...item.args], scope: 'user', enabled }] : [],
    };
  }
  /** Like Electron: `before-quit` (preventable), then `will-quit` (preventable), then `quit`. */
  quit(): void {
    this.world.quitCalls++;
    const before = fakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    const will = fakeEvent();
    this.emit('will-quit', will);
    if (will.defaultPrevented) return;
    this.emit('quit', fakeEvent(), 0);
  }
  exit(code = 0): void {
    this.world.exitCalls.push(code);
  }
  relaunch(): void {}
  focus(): void {}
  hide(): void {}
  show(): void {}
}

// ---------------------------------------------------------------------------------------------
// screen

export class FakeScreen extends FakeEmitter {
  constructor(private readonly world: FakeWorld) {
    super();
  }
  getPrimaryDisplay(): FakeDisplay {
    const primary = this.world.displays[0];
    if (!primary) throw new Error('fake screen has no displays');
    return primary;
  }
  getAllDisplays(): FakeDisplay[] {
    return [...this.world.displays];
  }
  /** The display containing the point, else the one whose bounds are nearest to it. */
  getDisplayNearestPoint(point: Point): FakeDisplay {
    const distance = (d: FakeDisplay): number => {
      const b = d.bounds;
      const dx = Math.max(b.x - point.x, 0, point.x - (b.x + b.width - 1));
      const dy = Math.max(b.y - point.y, 0, point.y - (b.y + b.height - 1));
      return dx * dx + dy * dy;
    };
    let best = this.getPrimaryDisplay();
    for (const d of this.world.displays) if (distance(d) < distance(best)) best = d;
    return best;
  }
  /** The display that overlaps the rectangle most (primary when none does). */
  getDisplayMatching(rect: Rect): FakeDisplay {
    const overlap = (d: FakeDisplay): number => {
      const b = d.bounds;
      const w = Math.min(b.x + b.width, rect.x + rect.width) - Math.max(b.x, rect.x);
      const h = Math.min(b.y + b.height, rect.y + rect.height) - Math.max(b.y, rect.y);
      return w > 0 && h > 0 ? w * h : 0;
    };
    let best = this.getPrimaryDisplay();
    for (const d of this.world.displays) if (overlap(d) > overlap(best)) best = d;
    return best;
  }
  getCursorScreenPoint(): Point {
    return { ...this.world.cursor };
  }
  dipToScreenPoint(point: Point): Point {
    return { ...point };
  }
  screenToDipPoint(point: Point): Point {
    return { ...point };
  }
}

// ---------------------------------------------------------------------------------------------
// IPC

export interface FakeIpcInvokeOptions {
  /** The sender frame's URL; defaults to the world's `rendererUrl`. `null` means no frame. */
  senderUrl?: string | null;
  /** The sending webContents; defaults to a detached fake one. */
  sender?: FakeWebContents;
}

export interface FakeIpcMainEvent {
  sender: FakeWebContents;
  senderFrame: { url: string; routingId: number; processId: number } | null;
  frameId: number;
  processId: number;
  returnValue?: unknown;
  reply?: (channel: string, ...args: unknown[]) => void;
}

type InvokeHandler = (event: FakeIpcMainEvent, ...args: unknown[]) => unknown;

export class FakeIpcMain extends FakeEmitter {
  readonly handlers = new Map<string, InvokeHandler>();
  /** Every channel ever passed to `handle`, in order (also after removal). */
  readonly handledChannels: string[] = [];
  readonly removedChannels: string[] = [];

  constructor(private readonly world: FakeWorld) {
    super();
  }

  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
    this.handledChannels.push(channel);
  }
  handleOnce(channel: string, handler: InvokeHandler): void {
    this.handle(channel, (event, ...args) => {
      this.handlers.delete(channel);
      return handler(event, ...args);
    });
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
    this.removedChannels.push(channel);
  }

  private eventFor(options: FakeIpcInvokeOptions): FakeIpcMainEvent {
    const senderUrl = options.senderUrl === undefined ? this.world.rendererUrl : options.senderUrl;
    const sender = options.sender ?? new FakeWebContents(this.world, sessionFor(this.world, ''), null);
    if (options.sender === undefined && senderUrl !== null) sender.url = senderUrl;
    return {
      sender,
      senderFrame: senderUrl === null ? null : { url: senderUrl, routingId: 1, processId: sender.id },
      frameId: 1,
      processId: sender.id,
    };
  }

  /** Simulates `ipcRenderer.invoke(channel, ...args)` from a renderer at `senderUrl`. */
  async invoke(channel: string, payload?: unknown, options: FakeIpcInvokeOptions = {}): Promise<unknown> {
    return this.invokeWithArgs(channel, payload === undefined ? [] : [payload], options);
  }
  async invokeWithArgs(channel: string, args: unknown[], options: FakeIpcInvokeOptions = {}): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return handler(this.eventFor(options), ...args);
  }
  /** Simulates `ipcRenderer.send(channel, ...args)`. */
  sendFromRenderer(channel: string, args: unknown[] = [], options: FakeIpcInvokeOptions = {}): FakeIpcMainEvent {
    const event = this.eventFor(options);
    event.reply = (replyChannel, ...replyArgs) => event.sender.send(replyChannel, ...replyArgs);
    this.emit(channel, event, ...args);
    return event;
  }
}

export class FakeIpcRenderer extends FakeEmitter {
  constructor(
    private readonly world: FakeWorld,
    private readonly main: FakeIpcMain,
  ) {
    super();
  }
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.main.invokeWithArgs(channel, args, { senderUrl: this.world.rendererUrl });
  }
  send(channel: string, ...args: unknown[]): void {
    this.main.sendFromRenderer(channel, args, { senderUrl: this.world.rendererUrl });
  }
  /** Called by `webContents.send`: listeners get `(event, ...args)`. */
  deliver(channel: string, args: unknown[]): void {
    this.emit(channel, { sender: this, senderId: 0 }, ...args);
  }
}

const rendererByWorld = new WeakMap<FakeWorld, FakeIpcRenderer>();
function ipcRendererOf(world: FakeWorld): FakeIpcRenderer | undefined {
  return rendererByWorld.get(world);
}

// ---------------------------------------------------------------------------------------------
// Notification

export interface FakeNotificationOptions {
  title?: string;
  body?: string;
  subtitle?: string;
  silent?: boolean;
  icon?: unknown;
  urgency?: 'normal' | 'critical' | 'low';
  timeoutType?: 'default' | 'never';
  [key: string]: unknown;
}

export class FakeNotification extends FakeEmitter {
  readonly options: FakeNotificationOptions;
  shown = false;
  closed = false;

  constructor(
    private readonly world: FakeWorld,
    options: FakeNotificationOptions = {},
  ) {
    super();
    this.options = { ...options };
    world.notifications.push(this);
  }
  get title(): string {
    return this.options.title ?? '';
  }
  get body(): string {
    return this.options.body ?? '';
  }
  show(): void {
    this.shown = true;
    this.world.shownNotifications.push({ notification: this, title: this.title, body: this.body });
    this.emit('show', fakeEvent());
  }
  close(): void {
    this.closed = true;
    this.emit('close', fakeEvent());
  }
  /** The user clicks the notification. */
  click(): void {
    this.emit('click', fakeEvent());
  }
}

function createNotificationClass(world: FakeWorld) {
  return class Notification extends FakeNotification {
    constructor(options: FakeNotificationOptions = {}) {
      super(world, options);
    }
    static isSupported(): boolean {
      return world.notificationsSupported;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The module

function createClipboard(world: FakeWorld) {
  return {
    readText: (_type?: string) => world.clipboardText,
    writeText: (text: string, _type?: string) => {
      world.clipboardText = text;
      world.clipboardWrites.push(text);
    },
    clear: () => {
      world.clipboardText = '';
      world.clipboardBuffers.clear();
      world.clipboardFormats.clear();
    },
    availableFormats: () => (world.clipboardText ? ['text/plain', ...world.clipboardBuffers.keys()] : [...world.clipboardBuffers.keys()]),
    has: (format: string) => world.clipboardBuffers.has(format) || (format === 'text/plain' && world.clipboardText !== ''),
    write: (data: { text?: string } | FakeClipboardItem[]) => {
      if (Array.isArray(data)) {
        // Electron 45 W3C-style write: one new clipboard content with every format at once.
        world.clipboardItemWrites.push(data.map((item) => ({ ...item.items })));
        world.clipboardBuffers.clear();
        world.clipboardFormats.clear();
        world.clipboardText = '';
        for (const item of data) {
          for (const [type, value] of Object.entries(item.items)) {
            if (type === 'text/plain' && typeof value === 'string') {
              world.clipboardText = value;
              world.clipboardWrites.push(value);
            } else world.clipboardFormats.set(type, value);
          }
        }
        return Promise.resolve();
      }
      if (data.text !== undefined) {
        world.clipboardText = data.text;
        world.clipboardWrites.push(data.text);
      }
    },
    writeBuffer: (format: string, buffer: Buffer) => {
      world.clipboardBuffers.set(format, buffer);
    },
    readBuffer: (format: string) => world.clipboardBuffers.get(format) ?? Buffer.alloc(0),
  };
}

/** Electron 45's `ClipboardItem` (main process): keeps the MIME-type → payload record. */
export class FakeClipboardItem {
  readonly items: Record<string, unknown>;
  constructor(items: Record<string, unknown>) {
    this.items = { ...items };
  }
  get types(): string[] {
    return Object.keys(this.items);
  }
  async getType(type: string): Promise<unknown> {
    if (!(type in this.items)) throw new Error(`The type '${type}' was not found`);
    return this.items[type];
  }
}

function createGlobalShortcut(world: FakeWorld) {
  return {
    register: (accelerator: string, callback: () => void): boolean => {
      world.shortcutAttempts.push(accelerator);
      if (world.unavailableShortcuts.has(accelerator) || world.shortcuts.has(accelerator)) return false;
      world.shortcuts.set(accelerator, callback);
      return true;
    },
    isRegistered: (accelerator: string) => world.shortcuts.has(accelerator),
    unregister: (accelerator: string) => {
      world.shortcuts.delete(accelerator);
    },
    unregisterAll: () => {
      world.shortcuts.clear();
    },
    /** The user presses the shortcut. Returns whether one was registered. */
    trigger: (accelerator: string): boolean => {
      const callback = world.shortcuts.get(accelerator);
      callback?.();
      return callback !== undefined;
    },
  };
}

function createShell(world: FakeWorld) {
  return {
    openExternal: async (url: string, _options?: Record<string, unknown>) => {
      world.openedExternal.push(url);
    },
    openPath: async (p: string) => {
      world.openedPaths.push(p);
      return '';
    },
    showItemInFolder: (p: string) => {
      world.openedPaths.push(p);
    },
    beep: () => {},
  };
}

function createDialog(world: FakeWorld) {
  return {
    showErrorBox: (title: string, content: string) => {
      world.errorBoxes.push({ title, content });
    },
    showMessageBox: async (...args: unknown[]) => {
      const options = (args.find((a) => typeof a === 'object' && a !== null && 'message' in a) ?? {}) as Record<string, unknown>;
      world.messageBoxes.push(options);
      return { response: world.dialogResponse, checkboxChecked: false };
    },
    showMessageBoxSync: (...args: unknown[]) => {
      const options = (args.find((a) => typeof a === 'object' && a !== null && 'message' in a) ?? {}) as Record<string, unknown>;
      world.messageBoxes.push(options);
      return world.dialogResponse;
    },
  };
}

export class FakePowerMonitor extends FakeEmitter {
  onBatteryPower = false;
  idleState: 'active' | 'idle' | 'locked' | 'unknown' = 'active';
  getSystemIdleState(_threshold: number): 'active' | 'idle' | 'locked' | 'unknown' {
    return this.idleState;
  }
  getSystemIdleTime(): number {
    return 0;
  }
  isOnBatteryPower(): boolean {
    return this.onBatteryPower;
  }
}

export class FakeNativeTheme extends FakeEmitter {
  themeSource: 'system' | 'light' | 'dark' = 'system';
  constructor(private readonly world: FakeWorld) {
    super();
  }
  get shouldUseDarkColors(): boolean {
    return this.themeSource === 'dark' || (this.themeSource === 'system' && this.world.darkMode);
  }
}

export interface FakeElectronTestHandle {
  readonly world: FakeWorld;
  /** Clears all state and configuration of this world, keeping its objects and classes. */
  reset(): void;
  setDisplays(displays: FakeDisplayInit[]): void;
  setCursor(point: Point): void;
  readonly trays: FakeTray[];
  readonly windows: FakeBrowserWindow[];
  readonly notifications: FakeShownNotification[];
  /** The most recently created tray (throws when none). */
  lastTray(): FakeTray;
  /** The most recently created, not destroyed window (throws when none). */
  lastWindow(): FakeBrowserWindow;
  /** The most recently shown notification (throws when none). */
  lastNotification(): FakeNotification;
}

export interface FakeElectron {
  app: FakeApp;
  BrowserWindow: ReturnType<typeof createBrowserWindowClass>;
  Tray: ReturnType<typeof createTrayClass>;
  Menu: ReturnType<typeof createMenuClass>;
  MenuItem: ReturnType<typeof createMenuItemClass>;
  nativeImage: ReturnType<typeof createNativeImage>;
  screen: FakeScreen;
  ipcMain: FakeIpcMain;
  ipcRenderer: FakeIpcRenderer;
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void; exposeInIsolatedWorld(worldId: number, key: string, api: unknown): void };
  clipboard: ReturnType<typeof createClipboard>;
  ClipboardItem: typeof FakeClipboardItem;
  Notification: ReturnType<typeof createNotificationClass>;
  powerMonitor: FakePowerMonitor;
  globalShortcut: ReturnType<typeof createGlobalShortcut>;
  shell: ReturnType<typeof createShell>;
  session: ReturnType<typeof createSessionModule>;
  dialog: ReturnType<typeof createDialog>;
  nativeTheme: FakeNativeTheme;
  net: { isOnline(): boolean; readonly online: boolean };
  /** `import electron from 'electron'` gets the same object. */
  default: FakeElectron;
  __test: FakeElectronTestHandle;
}

export function createFakeElectron(): FakeElectron {
  const world = new FakeWorld();
  const ipcMain = new FakeIpcMain(world);
  const ipcRenderer = new FakeIpcRenderer(world, ipcMain);
  rendererByWorld.set(world, ipcRenderer);
  const app = new FakeApp(world);
  const screen = new FakeScreen(world);
  const powerMonitor = new FakePowerMonitor();
  const nativeTheme = new FakeNativeTheme(world);

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
      const fresh = new FakeWorld();
      Object.assign(world, fresh);
    },
    setDisplays(displays) {
      world.displays = displays.map((d, i) => makeDisplay(d, i));
      screen.emit('display-metrics-changed', fakeEvent(), world.displays[0], []);
    },
    setCursor(point) {
      world.cursor = { ...point };
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

  const fake: FakeElectron = {
    app,
    BrowserWindow: createBrowserWindowClass(world),
    Tray: createTrayClass(world),
    Menu: createMenuClass(world),
    MenuItem: createMenuItemClass(world),
    nativeImage: createNativeImage(world),
    screen,
    ipcMain,
    ipcRenderer,
    contextBridge: {
      exposeInMainWorld(key, api) {
        world.exposedInMainWorld[key] = api;
      },
      exposeInIsolatedWorld(_worldId, key, api) {
        world.exposedInMainWorld[key] = api;
      },
    },
    clipboard: createClipboard(world),
    ClipboardItem: FakeClipboardItem,
    Notification: createNotificationClass(world),
    powerMonitor,
    globalShortcut: createGlobalShortcut(world),
    shell: createShell(world),
    session: createSessionModule(world),
    dialog: createDialog(world),
    nativeTheme,
    net: {
      isOnline: () => world.online,
      get online() {
        return world.online;
      },
    },
    default: undefined as unknown as FakeElectron,
    __test: test,
  };
  fake.default = fake;
  return fake;
}
