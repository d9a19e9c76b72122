import type { App, Session, WebContents, session as ElectronSession } from 'electron';

/**
 * App-wide Electron hardening (see ../shared/desktop-pitfalls.md, "Security"):
 * - every web contents: window.open denied, <webview> refused, navigation away from our own
 *   page blocked (the sign-in window manages its own navigation, see sign-in-window.ts);
 * - every session we use: all permission requests and permission checks denied;
 * - our renderer page: a strict Content-Security-Policy response header.
 */

/** The popover's Content-Security-Policy. Nothing remote, nothing inline, no plugins, no framing. */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The sign-in window's session partition. No `persist:` prefix: it lives in memory only. */
export const SIGN_IN_PARTITION = 'torus-signin';

export type AppLike = Pick<App, 'on'>;
export type SessionModuleLike = Pick<typeof ElectronSession, 'defaultSession' | 'fromPartition'>;
type SessionLike = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;

export interface HardenOptions {
  /** Is this URL our own renderer page? (The same check the IPC router uses for senders.) */
  isOwnPage: (url: string | undefined) => boolean;
  /** Extra partitions whose sessions get the deny-all permission handlers. */
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

const denied = new WeakSet<object>();

/** Denies every permission request and check on a session (idempotent). */
export function denyAllPermissions(target: SessionLike): void {
  if (denied.has(target)) return;
  denied.add(target);
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
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
  // Any session a web contents uses gets the deny-all permission handlers too.
  if (contents.session) denyAllPermissions(contents.session);
}

export function hardenApp(app: AppLike, sessions: SessionModuleLike, options: HardenOptions): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, options));

  const defaultSession = sessions.defaultSession;
  denyAllPermissions(defaultSession);
  for (const partition of new Set([SIGN_IN_PARTITION, ...(options.partitions ?? [])])) {
    denyAllPermissions(sessions.fromPartition(partition));
  }

  defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!options.isOwnPage(details.url)) {
      callback({});
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    // The literal is repeated here (equal to RENDERER_CSP, checked by a test) so that the
    // security scan can read and evaluate it.
    callback({
      responseHeaders: {
        ...headers,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });
}
