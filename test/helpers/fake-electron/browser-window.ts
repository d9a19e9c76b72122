/**
 * `BrowserWindow`. Like Electron it cannot be created before the app is ready, `show()` may not
 * give it the focus (window managers refuse focus stealing; see `FakeWorld.showFocuses`), and
 * `ready-to-show` comes once, after the first load has painted. A window shown before that,
 * without a `backgroundColor`, flashes white: recorded as `flashedWhite`.
 */
import type * as Electron from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { FakeMenu } from './menu.js';
import type { Mirror, Returning } from './mirror.js';
import { sessionFor, type FakeSession } from './session.js';
import { FakeWebContents } from './web-contents.js';
import type { FakeWorld, Point, Rect } from './world.js';

/** Options as given to `new BrowserWindow(options)`, with the fake session a test may pass. */
export type FakeWindowOptions = Electron.BrowserWindowConstructorOptions;

const WHITE = /^#?(fff|ffffff|ffffffff)$/i;

export class FakeBrowserWindow extends FakeEmitter implements Mirror<Electron.BrowserWindow, FakeBrowserWindow, { webContents: FakeWebContents }> {
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
  backgroundColor: string;
  /** `ready-to-show` was emitted (the first load painted). */
  readyToShow = false;
  /** The window became visible before its first paint, with a white (or no) background: a white flash. */
  flashedWhite = false;
  private visible = false;
  private focused = false;
  private minimized = false;
  private destroyed = false;
  private paintScheduled = false;

  constructor(
    private readonly world: FakeWorld,
    options: FakeWindowOptions = {},
  ) {
    super();
    world.requireReady('Cannot create BrowserWindow before app is ready');
    this.id = world.nextId++;
    this.options = options;
    const prefs = options.webPreferences ?? {};
    const session = (prefs.session as unknown as FakeSession | undefined) ?? sessionFor(world, prefs.partition ?? '');
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
    this.alwaysOnTop = options.alwaysOnTop === true;
    this.skipTaskbar = options.skipTaskbar === true;
    this.resizable = options.resizable !== false;
    this.title = typeof options.title === 'string' ? options.title : '';
    this.backgroundColor = options.backgroundColor ?? '#FFFFFF';
    world.windows.push(this);
    this.webContents = new FakeWebContents(world, session, this, prefs);
    if (options.show !== false) this.show();
  }

  async loadFile(filePath: string, options?: Electron.LoadFileOptions): Promise<void> {
    this.loadedFile = filePath;
    await this.webContents.loadFile(filePath, options);
  }
  async loadURL(url: string, options?: Electron.LoadURLOptions): Promise<void> {
    this.loadedUrl = url;
    await this.webContents.loadURL(url, options);
  }

  /** Called by the web contents when a load has finished: the first one paints and emits `ready-to-show` (once, later). */
  firstPaint(): void {
    if (this.readyToShow || this.paintScheduled) return;
    this.paintScheduled = true;
    setImmediate(() => {
      if (this.destroyed) return;
      this.readyToShow = true;
      this.emit('ready-to-show');
    });
  }

  show(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const wasVisible = this.visible;
    this.visible = true;
    this.minimized = false;
    this.showCount++;
    if (!wasVisible && !this.readyToShow && WHITE.test(this.backgroundColor)) this.flashedWhite = true;
    if (!wasVisible) this.emit('show');
    if (this.world.showFocuses) this.focus();
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
    if (this.focused || this.destroyed) return;
    for (const other of this.world.windows) if (other !== this && other.isFocused()) other.blur();
    this.focused = true;
    this.emit('focus');
  }
  /** The window loses focus (the user clicked elsewhere, a dialog opened): emits `blur`. */
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
  getPosition(): number[] {
    return [this.bounds.x, this.bounds.y];
  }
  setSize(width: number, height: number, _animate?: boolean): void {
    this.bounds = { ...this.bounds, width, height };
    this.emit('resize');
  }
  getSize(): number[] {
    return [this.bounds.width, this.bounds.height];
  }
  getContentSize(): number[] {
    return this.getSize();
  }
  setContentSize(width: number, height: number, _animate?: boolean): void {
    this.setSize(width, height);
  }
  setBounds(bounds: Partial<Electron.Rectangle>, _animate?: boolean): void {
    this.bounds = { ...this.bounds, ...bounds };
    if (bounds.x !== undefined || bounds.y !== undefined) this.positionHistory.push({ x: this.bounds.x, y: this.bounds.y });
    this.emit('move');
  }
  getBounds(): Electron.Rectangle {
    return { ...this.bounds };
  }
  getContentBounds(): Electron.Rectangle {
    return this.getBounds();
  }
  setAlwaysOnTop(flag: boolean, level?: Parameters<Electron.BrowserWindow['setAlwaysOnTop']>[1], _relativeLevel?: number): void {
    this.alwaysOnTop = flag;
    this.alwaysOnTopLevel = level;
  }
  isAlwaysOnTop(): boolean {
    return this.alwaysOnTop;
  }
  setVisibleOnAllWorkspaces(visible: boolean, _options?: Electron.VisibleOnAllWorkspacesOptions): void {
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
  setBackgroundColor(backgroundColor: string): void {
    this.backgroundColor = backgroundColor;
  }
  getBackgroundColor(): string {
    return this.backgroundColor;
  }
  setMenu(menu: Electron.Menu | null): void {
    this.menu = menu as unknown as FakeMenu | null;
  }
  removeMenu(): void {
    this.menu = null;
  }
  setMenuBarVisibility(_visible: boolean): void {}

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

interface BrowserWindowStatics {
  getAllWindows: Returning<typeof Electron.BrowserWindow.getAllWindows, FakeBrowserWindow[]>;
  getFocusedWindow: Returning<typeof Electron.BrowserWindow.getFocusedWindow, FakeBrowserWindow | null>;
  fromWebContents: Returning<typeof Electron.BrowserWindow.fromWebContents, FakeBrowserWindow | null>;
  fromId: Returning<typeof Electron.BrowserWindow.fromId, FakeBrowserWindow | null>;
}

export function createBrowserWindowClass(world: FakeWorld) {
  return class BrowserWindow extends FakeBrowserWindow {
    constructor(options: Electron.BrowserWindowConstructorOptions = {}) {
      super(world, options);
    }
    static getAllWindows(): FakeBrowserWindow[] {
      return [...world.windows];
    }
    static getFocusedWindow(): FakeBrowserWindow | null {
      return world.windows.find((w) => w.isFocused()) ?? null;
    }
    static fromWebContents(webContents: Electron.WebContents): FakeBrowserWindow | null {
      return world.windows.find((w) => (w.webContents as unknown) === webContents) ?? null;
    }
    static fromId(id: number): FakeBrowserWindow | null {
      return world.windows.find((w) => w.id === id) ?? null;
    }
  } satisfies BrowserWindowStatics & (new (options?: Electron.BrowserWindowConstructorOptions) => FakeBrowserWindow);
}
