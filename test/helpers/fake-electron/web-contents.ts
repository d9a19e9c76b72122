/**
 * `webContents` and its frames (`WebFrameMain`).
 *
 * Loading is asynchronous, as in Electron: `loadURL` resolves after `did-finish-load`, asks the
 * session's `webRequest.onBeforeRequest` first (a cancelled main-frame request rejects with
 * ERR_BLOCKED_BY_CLIENT), serves custom schemes through `protocol.handle` (an unhandled scheme
 * rejects with ERR_UNKNOWN_URL_SCHEME) and `file:` URLs only when the file exists. The owning
 * window's `ready-to-show` follows the first load.
 *
 * Navigation is driven by the test as the page (or a server) would cause it:
 * - `navigate(url, kind)`: the synchronous `will-*` events of one step, with Electron's shapes;
 *   `will-navigate` exists for the main frame only (a subframe gets `will-frame-navigate`);
 * - `navigateFully(url, options)`: the whole sequence of a navigation, redirects included, with
 *   the `webRequest` gate in between, ending in `did-navigate` (or `did-frame-navigate`);
 * - `navigateInPage(url)`: `history.pushState` / a hash change: only `did-navigate-in-page`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Electron from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { Mirror } from './mirror.js';
import type { FakeSession } from './session.js';
import type { FakeBrowserWindow } from './browser-window.js';
import type { FakeSentMessage, FakeWorld } from './world.js';

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

type WindowOpenHandler = (details: Electron.HandlerDetails) => Electron.WindowOpenHandlerResponse;

let frameIds = 1;

export class FakeWebFrameMain implements Mirror<
  Electron.WebFrameMain,
  FakeWebFrameMain,
  { parent: FakeWebFrameMain | null; top: FakeWebFrameMain | null; frames: FakeWebFrameMain[] }
> {
  readonly frameTreeNodeId = frameIds++;
  readonly routingId: number;
  readonly frames: FakeWebFrameMain[] = [];
  readonly name = '';
  private destroyed = false;
  constructor(
    readonly processId: number,
    readonly parent: FakeWebFrameMain | null,
    public url: string,
  ) {
    this.routingId = this.frameTreeNodeId;
    parent?.frames.push(this);
  }
  get top(): FakeWebFrameMain {
    return this.parent ? this.parent.top : this;
  }
  get origin(): string {
    try {
      return new URL(this.url).origin;
    } catch {
      return 'null';
    }
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  detach(): void {
    this.destroyed = true;
  }
}

export interface FakeNavigationOptions {
  /** Server redirects on the way, in order; the navigation ends at the last one. */
  redirects?: string[];
  /** A navigation the page started (link, form, script: `will-navigate`) or the browser (loadURL, history: no `will-navigate`). */
  initiator?: 'renderer' | 'browser';
  /** The frame that navigates (default: the main frame). */
  frame?: FakeWebFrameMain;
}

export interface FakeNavigationOutcome {
  /** Where the frame ended up, or null when the navigation was stopped. */
  committed: string | null;
  /** What stopped it. */
  blockedBy: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'webRequest' | null;
}

const isMainFrameOf = (contents: FakeWebContents, frame: FakeWebFrameMain): boolean => frame === contents.mainFrame;

export class FakeWebContents
  extends FakeEmitter
  implements Mirror<Electron.WebContents, FakeWebContents, { session: FakeSession; mainFrame: FakeWebFrameMain }>
{
  readonly id: number;
  url = '';
  sent: FakeSentMessage[] = [];
  loadedUrls: string[] = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  devToolsOpened = false;
  executed: string[] = [];
  /** The last response a custom-scheme handler gave for a main-frame load (status and headers). */
  lastResponse: { url: string; status: number; headers: Headers } | null = null;
  readonly mainFrame: FakeWebFrameMain;
  private destroyed = false;
  private crashed = false;
  private loading = false;

  constructor(
    private readonly world: FakeWorld,
    readonly session: FakeSession,
    readonly owner: FakeBrowserWindow | null,
    readonly webPreferences: Electron.WebPreferences = {},
  ) {
    super();
    this.id = world.nextId++;
    this.mainFrame = new FakeWebFrameMain(this.id, null, '');
    world.allContents.push(this);
    // Electron announces every new web contents on `app`, before its creator gets it back.
    world.app?.emit('web-contents-created', fakeEvent(), this);
  }

  get userAgent(): string {
    return this.session.getUserAgent();
  }

  /** Main → renderer message. Recorded, and delivered to the fake ipcRenderer's listeners (not after a crash). */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
    if (!this.crashed) this.world.deliverToRenderer?.(channel, args);
  }
  /** The messages sent on one channel, newest last. */
  sentOn(channel: string): unknown[][] {
    return this.sent.filter((m) => m.channel === channel).map((m) => m.args);
  }
  getURL(): string {
    return this.url;
  }
  getTitle(): string {
    return this.owner?.getTitle() ?? '';
  }
  isLoading(): boolean {
    return this.loading;
  }
  isLoadingMainFrame(): boolean {
    return this.loading;
  }
  getLastWebPreferences(): Electron.WebPreferences | null {
    return this.webPreferences;
  }

  async loadURL(url: string, _options?: Electron.LoadURLOptions): Promise<void> {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.loadedUrls.push(url);
    this.url = url;
    this.mainFrame.url = url;
    this.crashed = false;
    this.loading = true;
    this.emit('did-start-loading');
    try {
      await this.fetchMainFrame(url);
    } catch (error) {
      this.loading = false;
      this.emit('did-fail-load', fakeEvent(), (error as { errno?: number }).errno ?? -2, (error as { code?: string }).code ?? 'ERR_FAILED', url, true);
      this.owner?.firstPaint();
      throw error;
    }
    if (this.destroyed) return;
    this.loading = false;
    this.emit('dom-ready');
    this.emit('did-finish-load');
    this.owner?.firstPaint();
  }

  /** What Chromium would fetch for a main-frame load: the webRequest gate, then the scheme. */
  private async fetchMainFrame(url: string): Promise<void> {
    const fail = (code: string, errno: number): Error => Object.assign(new Error(`${code} (${errno}) loading '${url}'`), { code, errno, url });
    const gate = await this.session.runWebRequest('onBeforeRequest', { url, resourceType: 'mainFrame', method: 'GET', webContentsId: this.id });
    if (gate?.['cancel'] === true) throw fail('ERR_BLOCKED_BY_CLIENT', -20);
    const scheme = url.slice(0, Math.max(url.indexOf(':'), 0));
    if (scheme === 'http' || scheme === 'https' || scheme === 'about' || scheme === 'data') return;
    if (scheme === 'file') {
      if (!existsSync(fileURLToPath(url.replace(/[?#].*$/, '')))) throw fail('ERR_FILE_NOT_FOUND', -6);
      return;
    }
    // Custom schemes are served by protocol.handle, registered on the default session only.
    const handler = this.session.partition === '' ? this.world.protocolHandlers.get(scheme) : undefined;
    if (!handler) throw fail('ERR_UNKNOWN_URL_SCHEME', -302);
    const response = await handler(new Request(url.replace(/#.*$/, '')));
    const body = await response.arrayBuffer();
    this.lastResponse = { url, status: response.status, headers: response.headers };
    if (response.status >= 400 && body.byteLength === 0) throw fail('ERR_HTTP_RESPONSE_CODE_FAILURE', -379);
  }

  async loadFile(filePath: string, options: Electron.LoadFileOptions = {}): Promise<void> {
    const url = pathToFileURL(filePath);
    if (options.query) for (const [k, v] of Object.entries(options.query)) url.searchParams.set(k, v);
    if (options.search) url.search = options.search;
    if (options.hash) url.hash = options.hash;
    await this.loadURL(url.href);
  }
  /** Reloads the page; after a crash this starts a new renderer, as in Electron. */
  reload(): void {
    void this.loadURL(this.url).catch(() => undefined);
  }
  reloadIgnoringCache(): void {
    this.reload();
  }
  stop(): void {}
  focus(): void {}
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }
  /** The page calls `window.open(url)`: returns the handler's decision (Electron allows by default). */
  tryOpenWindow(url: string): { action: 'allow' | 'deny' } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    const response = this.windowOpenHandler({
      url,
      frameName: '',
      features: '',
      disposition: 'new-window',
      referrer: { url: this.url, policy: 'default' },
    } as Electron.HandlerDetails);
    return { action: response.action };
  }

  private navigationEvent(url: string, frame: FakeWebFrameMain): ReturnType<typeof fakeEvent> {
    return fakeEvent({ url, isMainFrame: isMainFrameOf(this, frame), isSameDocument: false, frame, initiator: frame });
  }

  /** Emits one preventable `will-*` event with Electron's arguments; returns whether it was prevented. */
  private emitWill(kind: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', url: string, frame: FakeWebFrameMain): boolean {
    const event = this.navigationEvent(url, frame);
    if (kind === 'will-frame-navigate') this.emit(kind, event);
    else this.emit(kind, event, url, false, isMainFrameOf(this, frame), frame.processId, frame.routingId);
    return event.defaultPrevented;
  }

  /**
   * One synchronous navigation step the page (or a server redirect) causes in the main frame, or
   * in a subframe with `isMainFrame = false`. Emits Electron's `will-*` events (a subframe never
   * gets `will-navigate`, only `will-frame-navigate`). When nothing prevents it, the frame's URL
   * changes and `did-navigate` (or `did-frame-navigate`) follows. Returns whether it was prevented.
   */
  navigate(url: string, kind: 'will-navigate' | 'will-redirect' | 'will-frame-navigate' = 'will-navigate', isMainFrame = true): { prevented: boolean } {
    const frame = isMainFrame ? this.mainFrame : (this.mainFrame.frames[0] ?? this.addFrame('about:blank'));
    let prevented: boolean;
    if (kind === 'will-redirect') prevented = this.emitWill('will-redirect', url, frame);
    else {
      prevented = this.emitWill('will-frame-navigate', url, frame);
      if (!prevented && isMainFrame && kind === 'will-navigate') prevented = this.emitWill('will-navigate', url, frame);
    }
    if (!prevented) this.commit(url, frame);
    return { prevented };
  }

  /** A whole navigation, as Chromium runs it: will-* events, the webRequest gate at every hop, redirects, commit. */
  async navigateFully(url: string, options: FakeNavigationOptions = {}): Promise<FakeNavigationOutcome> {
    const frame = options.frame ?? this.mainFrame;
    const main = isMainFrameOf(this, frame);
    if ((options.initiator ?? 'renderer') === 'renderer') {
      if (this.emitWill('will-frame-navigate', url, frame)) return { committed: null, blockedBy: 'will-frame-navigate' };
      if (main && this.emitWill('will-navigate', url, frame)) return { committed: null, blockedBy: 'will-navigate' };
    }
    const hops = [url, ...(options.redirects ?? [])];
    for (const [index, hop] of hops.entries()) {
      if (index > 0 && this.emitWill('will-redirect', hop, frame)) return { committed: null, blockedBy: 'will-redirect' };
      if (index > 0) this.emit('did-redirect-navigation', this.navigationEvent(hop, frame), hop, false, main, frame.processId, frame.routingId);
      const gate = await this.session.runWebRequest('onBeforeRequest', {
        url: hop,
        resourceType: main ? 'mainFrame' : 'subFrame',
        method: 'GET',
        webContentsId: this.id,
        frame,
      });
      if (gate?.['cancel'] === true) return { committed: null, blockedBy: 'webRequest' };
    }
    const final = hops[hops.length - 1]!;
    this.commit(final, frame);
    return { committed: final, blockedBy: null };
  }

  private commit(url: string, frame: FakeWebFrameMain): void {
    frame.url = url;
    if (isMainFrameOf(this, frame)) {
      this.url = url;
      this.emit('did-navigate', fakeEvent(), url, 200, 'OK');
    } else {
      this.emit('did-frame-navigate', fakeEvent(), url, 200, 'OK', false, frame.processId, frame.routingId);
    }
  }

  /** `history.pushState` or a hash change in a frame: no request, no will-* event, only `did-navigate-in-page`. */
  navigateInPage(url: string, frame: FakeWebFrameMain = this.mainFrame): void {
    frame.url = url;
    if (isMainFrameOf(this, frame)) this.url = url;
    this.emit(
      'did-navigate-in-page',
      fakeEvent({ url, isMainFrame: isMainFrameOf(this, frame), frame }),
      url,
      isMainFrameOf(this, frame),
      frame.processId,
      frame.routingId,
    );
  }

  /** The page adds an iframe. */
  addFrame(url: string): FakeWebFrameMain {
    return new FakeWebFrameMain(this.id, this.mainFrame, url);
  }

  /** A subresource request (script, font, image, XHR…) of a frame, through the webRequest gate; returns whether it was cancelled. */
  async request(url: string, resourceType: 'script' | 'stylesheet' | 'image' | 'font' | 'xhr' | 'media' | 'other' = 'script'): Promise<{ cancelled: boolean }> {
    const gate = await this.session.runWebRequest('onBeforeRequest', { url, resourceType, method: 'GET', webContentsId: this.id });
    return { cancelled: gate?.['cancel'] === true };
  }

  /** The renderer process dies: `render-process-gone`, and the page is gone until reloaded or recreated. */
  crash(reason: Electron.RenderProcessGoneDetails['reason'] = 'crashed', exitCode = 139): void {
    this.crashed = true;
    this.emit('render-process-gone', fakeEvent(), { reason, exitCode } satisfies Electron.RenderProcessGoneDetails);
  }
  isCrashed(): boolean {
    return this.crashed;
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
  /** Does nothing when the window was created with `webPreferences.devTools: false`, as in Electron. */
  openDevTools(_options?: Electron.OpenDevToolsOptions): void {
    if (this.webPreferences.devTools === false) return;
    this.devToolsOpened = true;
  }
  closeDevTools(): void {
    this.devToolsOpened = false;
  }
  isDevToolsOpened(): boolean {
    return this.devToolsOpened;
  }
  async executeJavaScript(code: string, _userGesture?: boolean): Promise<unknown> {
    this.executed.push(code);
    return undefined;
  }
  setUserAgent(userAgent: string): void {
    this.session.setUserAgent(userAgent);
  }
  getUserAgent(): string {
    return this.session.getUserAgent();
  }
  close(_opts?: Electron.CloseOpts): void {
    this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.mainFrame.detach();
    this.emit('destroyed');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}
