import type { App, Session, WebContents, session as ElectronSession } from 'electron';

/**
 * App-wide Electron hardening (see ../shared/desktop-pitfalls.md, "Security"):
 * - every web contents: window.open denied, <webview> refused, navigation away from our own
 *   page blocked (the sign-in window manages its own navigation, see sign-in-window.ts);
 * - every session we use: all permission requests and permission checks denied, every
 *   download refused;
 * - our renderer page: a strict Content-Security-Policy. The packaged popover gets it from the
 *   app scheme's responses (app-protocol.ts); in development the dev server's page gets a
 *   header here, relaxed only as far as Vite's injected styles need.
 */

/** The popover's Content-Security-Policy. Nothing remote, nothing inline, no plugins, no framing. */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The same policy for `npm run dev` only: Vite's dev server injects each component's CSS as
 * a <style> element (hot reload), which `style-src 'self'` refuses, leaving an unstyled popover.
 * Scripts stay 'self' only; its HMR websocket is same-origin, which connect-src 'self' allows.
 * (renderer/index.html's meta policy is relaxed the same way by vite.config.ts in `vite serve`.)
 */
export const DEV_RENDERER_CSP = RENDERER_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/** The sign-in windows' session partitions: one per profile, in memory only (no `persist:` prefix). */
export const SIGN_IN_PARTITION_PREFIX = 'torus-signin-';

export function signInPartition(profileId: string): string {
  return `${SIGN_IN_PARTITION_PREFIX}${profileId}`;
}

export type AppLike = Pick<App, 'on'>;
export type SessionModuleLike = Pick<typeof ElectronSession, 'defaultSession' | 'fromPartition'>;
type SessionLike = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'on'>;

export interface HardenOptions {
  /** Is this URL our own renderer page? (The same check the IPC router uses for senders.) */
  isOwnPage: (url: string | undefined) => boolean;
  /** Development only: the dev server's origin, whose pages get DEV_RENDERER_CSP as a header. */
  devServerOrigin?: string | null;
  /** Extra partitions whose sessions are locked down up front. */
  partitions?: readonly string[];
  log?: (line: string) => void;
}

/**
 * Web contents whose navigation is handled by their own code (the sign-in window follows
 * Torus's login pages and cancels the redirect that carries the request token).
 */
const selfManagedNavigation = new WeakSet<object>();

export function manageNavigationItself(contents: WebContents): void {
  selfManagedNavigation.add(contents);
}

export function isNavigationSelfManaged(contents: object): boolean {
  return selfManagedNavigation.has(contents);
}

const lockedDown = new WeakSet<object>();

/** Denies every permission request and check, and every download, on a session (idempotent). */
export function lockDownSession(target: SessionLike, log: (line: string) => void = () => undefined): void {
  if (lockedDown.has(target)) return;
  lockedDown.add(target);
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
  // Nothing in this app downloads files; a page that tries (the sign-in page included) is refused.
  target.on('will-download', (event, item) => {
    event.preventDefault();
    log(`security: refused a download from ${describeUrl(item.getURL())}`);
  });
}

/**
 * How a URL appears in logs: its origin only. Paths and queries can carry secrets (the Torus
 * login path holds the API key; a redirect's query holds the request token).
 */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
    return `a ${parsed.protocol} address`;
  } catch {
    return 'an invalid address';
  }
}

/** Applies the per-web-contents rules; exported for tests and for contents created before ready. */
export function hardenWebContents(contents: WebContents, options: HardenOptions): void {
  const log = options.log ?? (() => undefined);
  contents.setWindowOpenHandler(({ url }) => {
    log(`security: denied a new window for ${describeUrl(url)}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    log('security: refused a <webview>');
    event.preventDefault();
  });
  contents.on('will-navigate', (event) => {
    if (isNavigationSelfManaged(contents)) return;
    if (options.isOwnPage(event.url)) return;
    log(`security: blocked navigation to ${describeUrl(event.url)}`);
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (isNavigationSelfManaged(contents)) return;
    if (options.isOwnPage(event.url)) return;
    log(`security: blocked a redirect to ${describeUrl(event.url)}`);
    event.preventDefault();
  });
  // Any session a web contents uses is locked down too.
  if (contents.session) lockDownSession(contents.session, log);
}

export function hardenApp(app: AppLike, sessions: SessionModuleLike, options: HardenOptions): void {
  const log = options.log ?? (() => undefined);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, options));

  const defaultSession = sessions.defaultSession;
  lockDownSession(defaultSession, log);
  for (const partition of new Set(options.partitions ?? [])) lockDownSession(sessions.fromPartition(partition), log);

  const devOrigin = options.devServerOrigin ? new URL(options.devServerOrigin).origin : null;
  if (!devOrigin) return;
  defaultSession.webRequest.onHeadersReceived((details, callback) => {
    let origin: string | null = null;
    try {
      origin = new URL(details.url).origin;
    } catch {
      // not a URL: left alone
    }
    if (origin !== devOrigin || details.resourceType !== 'mainFrame') {
      callback({});
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    // The literal is repeated here (equal to DEV_RENDERER_CSP, checked by a test) so that the
    // security scan can read and evaluate it.
    callback({
      responseHeaders: {
        ...headers,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });
}
