/**
 * `session`: one FakeSession per partition, with permission handlers, `webRequest` listeners,
 * cookies, storage clearing and downloads. Sessions exist only once the app is ready, as in
 * Electron ("Session can only be received when app is ready").
 */
import type * as Electron from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { Mirror, Returning } from './mirror.js';
import type { FakeWorld } from './world.js';
import type { FakeWebContents } from './web-contents.js';

type PermissionRequestHandler = Parameters<Electron.Session['setPermissionRequestHandler']>[0];
type PermissionCheckHandler = Parameters<Electron.Session['setPermissionCheckHandler']>[0];
type Permission = Parameters<NonNullable<PermissionCheckHandler>>[1];
type WebRequestListener = (details: Record<string, unknown>, callback: (response: Record<string, unknown>) => void) => void;
type WebRequestEvent = 'onBeforeRequest' | 'onBeforeRedirect' | 'onBeforeSendHeaders' | 'onHeadersReceived' | 'onCompleted' | 'onErrorOccurred';

/** `session.webRequest`: one listener per event, as in Electron (a new one replaces the old; null removes it). */
export class FakeWebRequest implements Mirror<Electron.WebRequest, FakeWebRequest> {
  readonly listeners = new Map<WebRequestEvent, { filter: unknown; listener: WebRequestListener }>();
  private register(name: WebRequestEvent, filterOrListener: unknown, maybeListener?: unknown): void {
    const listener = (typeof filterOrListener === 'function' ? filterOrListener : maybeListener) as WebRequestListener | null | undefined;
    const filter = typeof filterOrListener === 'function' ? null : filterOrListener;
    if (listener) this.listeners.set(name, { filter, listener });
    else this.listeners.delete(name);
  }
  onBeforeRequest(filterOrListener: unknown, listener?: unknown): void {
    this.register('onBeforeRequest', filterOrListener, listener);
  }
  onBeforeRedirect(filterOrListener: unknown, listener?: unknown): void {
    this.register('onBeforeRedirect', filterOrListener, listener);
  }
  onBeforeSendHeaders(filterOrListener: unknown, listener?: unknown): void {
    this.register('onBeforeSendHeaders', filterOrListener, listener);
  }
  onHeadersReceived(filterOrListener: unknown, listener?: unknown): void {
    this.register('onHeadersReceived', filterOrListener, listener);
  }
  onCompleted(filterOrListener: unknown, listener?: unknown): void {
    this.register('onCompleted', filterOrListener, listener);
  }
  onErrorOccurred(filterOrListener: unknown, listener?: unknown): void {
    this.register('onErrorOccurred', filterOrListener, listener);
  }
}

/** A download Chromium is about to start (`will-download`). */
export class FakeDownloadItem extends FakeEmitter implements Mirror<Electron.DownloadItem, FakeDownloadItem> {
  private state: ReturnType<Electron.DownloadItem['getState']> = 'progressing';
  private savePath = '';
  constructor(private readonly url: string) {
    super();
  }
  getURL(): string {
    return this.url;
  }
  getFilename(): string {
    return new URL(this.url).pathname.split('/').pop() || 'download';
  }
  getState(): ReturnType<Electron.DownloadItem['getState']> {
    return this.state;
  }
  setSavePath(path: string): void {
    this.savePath = path;
  }
  getSavePath(): string {
    return this.savePath;
  }
  cancel(): void {
    this.state = 'cancelled';
  }
}

export class FakeSession extends FakeEmitter implements Mirror<Electron.Session, FakeSession, { webRequest: FakeWebRequest; cookies: FakeSession['cookies'] }> {
  permissionRequestHandler: PermissionRequestHandler = null;
  permissionCheckHandler: PermissionCheckHandler = null;
  storageCleared = 0;
  cacheCleared = 0;
  authCacheCleared = 0;
  userAgent = 'FakeElectron';
  readonly webRequest = new FakeWebRequest();
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
  /** Every download offered to this session: whether a `will-download` listener cancelled it. */
  readonly downloads: Array<{ url: string; prevented: boolean }> = [];

  constructor(readonly partition: string) {
    super();
  }

  /** The `webRequest` listeners by event (tests run them with `runWebRequest`). */
  get webRequestListeners(): FakeWebRequest['listeners'] {
    return this.webRequest.listeners;
  }

  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.permissionCheckHandler = handler;
  }
  async clearStorageData(_options?: Electron.ClearStorageDataOptions): Promise<void> {
    this.storageCleared++;
    this.cookies.jar.length = 0;
  }
  async clearCache(): Promise<void> {
    this.cacheCleared++;
  }
  async clearAuthCache(): Promise<void> {
    this.authCacheCleared++;
  }
  setUserAgent(userAgent: string, _acceptLanguages?: string): void {
    this.userAgent = userAgent;
  }
  getUserAgent(): string {
    return this.userAgent;
  }
  isPersistent(): boolean {
    return this.partition.startsWith('persist:');
  }

  /** Asks the permission handler as Chromium would; resolves to the decision (default: granted). */
  requestPermission(permission: Permission, webContents: FakeWebContents | null = null): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.permissionRequestHandler) return resolve(true);
      this.permissionRequestHandler(webContents as unknown as Electron.WebContents, permission, resolve, {} as Electron.PermissionRequest);
    });
  }

  /** Asks the permission check handler as Chromium would (default: granted). */
  checkPermission(permission: Permission, origin = 'null', webContents: FakeWebContents | null = null): boolean {
    if (!this.permissionCheckHandler) return true;
    return this.permissionCheckHandler(
      webContents as unknown as Electron.WebContents | null,
      permission,
      origin,
      {} as Electron.PermissionCheckHandlerHandlerDetails,
    );
  }

  /** Runs a webRequest listener (e.g. onBeforeRequest) and resolves with its response (null: no listener). */
  runWebRequest(name: WebRequestEvent, details: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const entry = this.webRequest.listeners.get(name);
    if (!entry) return Promise.resolve(null);
    return new Promise((resolve) => entry.listener(details, resolve));
  }

  /** A page in `webContents` starts a download: emits `will-download`; returns whether it was cancelled. */
  download(url: string, webContents: FakeWebContents | null = null): { prevented: boolean; item: FakeDownloadItem } {
    const item = new FakeDownloadItem(url);
    const event = fakeEvent();
    this.emit('will-download', event, item, webContents, webContents?.mainFrame ?? null);
    if (event.defaultPrevented) item.cancel();
    this.downloads.push({ url, prevented: event.defaultPrevented });
    return { prevented: event.defaultPrevented, item };
  }
}

export function sessionFor(world: FakeWorld, partition: string): FakeSession {
  let s = world.sessions.get(partition);
  if (!s) {
    s = new FakeSession(partition);
    world.sessions.set(partition, s);
  }
  return s;
}

const NOT_READY = 'Session can only be received when app is ready';

export function createSessionModule(world: FakeWorld) {
  return {
    fromPartition(partition: string, _options?: Electron.FromPartitionOptions): FakeSession {
      world.requireReady(NOT_READY);
      return sessionFor(world, partition);
    },
    fromPath(path: string, _options?: Electron.FromPathOptions): FakeSession {
      world.requireReady(NOT_READY);
      return sessionFor(world, `path:${path}`);
    },
    get defaultSession(): FakeSession {
      world.requireReady(NOT_READY);
      return sessionFor(world, '');
    },
  } satisfies {
    fromPartition: Returning<typeof Electron.session.fromPartition, FakeSession>;
    fromPath: Returning<typeof Electron.session.fromPath, FakeSession>;
    defaultSession: FakeSession;
  };
}
