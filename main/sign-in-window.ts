import { BrowserWindow, session } from 'electron';
import { TorusError } from './core/errors.js';
import { findRequestTokenParam } from './core/domain/request-token.js';
import { denyAllPermissions, describeUrl, manageNavigationItself, SIGN_IN_PARTITION } from './security.js';

/**
 * The Torus sign-in window. It opens `{base}/connect/login/<API_KEY>` in its own BrowserWindow
 * with its own in-memory session partition, no preload, sandboxed and isolated, and watches
 * every way the browser can reach the redirect that carries the request token:
 * - `will-redirect` (a server redirect) and `will-navigate` (a link, form or script), which can
 *   be cancelled before anything is sent to the redirect address;
 * - the session's `webRequest.onBeforeRequest` for main-frame and sub-frame requests, which
 *   cancels the request itself;
 * - `did-navigate`, `did-navigate-in-page` and `did-redirect-navigation` as late fallbacks
 *   (a token only in the fragment, for example).
 * The parameter is found in the query or the fragment, in any case (findRequestTokenParam).
 * The first token wins: the navigation is cancelled, the window closes and the promise
 * resolves. The token is never logged.
 */
export type SignInWindowResult = { requestToken: string } | { outcome: 'closed' | 'timeout' };

export interface SignInWindowOptions {
  /** Gives up (and closes the window) after this long. Default 10 minutes. */
  timeoutMs?: number;
  parent?: BrowserWindow;
  /** Log lines never contain the token, the login path (it holds the API key) or any query. */
  log?: (line: string) => void;
}

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 10 * 60 * 1000;
export const SIGN_IN_WINDOW_TITLE = 'Sign in to Torus';

let active: { window: BrowserWindow; promise: Promise<SignInWindowResult> } | null = null;

/** The request token a URL carries (query or fragment, any case), or undefined. */
export function requestTokenFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const value = findRequestTokenParam(parsed)?.trim();
  return value ? value : undefined;
}

function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Is a sign-in window open right now? */
export function isSignInWindowOpen(): boolean {
  return active !== null && !active.window.isDestroyed();
}

export function openSignInWindow(loginUrl: string, options: SignInWindowOptions = {}): Promise<SignInWindowResult> {
  if (active && !active.window.isDestroyed()) {
    const existing = active.window;
    if (existing.isMinimized()) existing.restore();
    existing.show();
    existing.focus();
    return active.promise;
  }
  active = null;

  if (!isWebUrl(loginUrl)) {
    return Promise.reject(
      new TorusError(
        'invalid-input',
        'The Torus sign-in address must start with https:// (or http:// for a local test server). Check the base URL in Settings.',
      ),
    );
  }

  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
  const signInSession = session.fromPartition(SIGN_IN_PARTITION);
  denyAllPermissions(signInSession);

  const window = new BrowserWindow({
    width: 800,
    height: 700,
    title: SIGN_IN_WINDOW_TITLE,
    autoHideMenuBar: true,
    ...(options.parent ? { parent: options.parent } : {}),
    webPreferences: {
      partition: SIGN_IN_PARTITION,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click would open links in new windows (denied anyway); switch it off entirely.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const contents = window.webContents;
  // hardenApp's navigation guard leaves this window's navigation to the handlers below.
  manageNavigationItself(contents);

  let settle: (result: SignInWindowResult) => void = () => undefined;
  const promise = new Promise<SignInWindowResult>((resolve) => {
    settle = resolve;
  });
  let settled = false;

  const closeWindow = (): void => {
    if (!window.isDestroyed()) window.close();
  };

  const finish = (result: SignInWindowResult, deferClose: boolean): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signInSession.webRequest.onBeforeRequest(null);
    if (active?.window === window) active = null;
    log(`sign-in: ${'requestToken' in result ? 'request token captured' : `ended (${result.outcome})`}`);
    settle(result);
    // Closing a window from inside a navigation event is deferred to the next turn.
    if (deferClose) setImmediate(closeWindow);
    else closeWindow();
  };

  /** Returns true (and finishes) when the URL carries the token. */
  const capture = (url: string | undefined, deferClose: boolean): boolean => {
    if (settled) return false;
    const requestToken = requestTokenFromUrl(url);
    if (requestToken === undefined) return false;
    finish({ requestToken }, deferClose);
    return true;
  };

  const timer = setTimeout(() => finish({ outcome: 'timeout' }, false), timeoutMs);

  const guardNavigation = (event: { preventDefault(): void; url?: string }, legacyUrl: string): void => {
    const url = event.url || legacyUrl;
    if (settled || capture(url, true)) {
      event.preventDefault();
      return;
    }
    if (!isWebUrl(url)) {
      log(`sign-in: blocked navigation to ${describeUrl(url)}`);
      event.preventDefault();
    }
  };
  contents.on('will-redirect', (event, url) => guardNavigation(event, url));
  contents.on('will-navigate', (event, url) => guardNavigation(event, url));
  contents.on('did-redirect-navigation', (event, url) => void capture(event.url || url, true));
  contents.on('did-navigate', (_event, url) => void capture(url, true));
  contents.on('did-navigate-in-page', (_event, url) => void capture(url, true));

  signInSession.webRequest.onBeforeRequest((details, callback) => {
    const isFrame = details.resourceType === 'mainFrame' || details.resourceType === 'subFrame';
    // The partition is this window's alone, so every frame request here is the sign-in flow's.
    if (isFrame && capture(details.url, true)) {
      callback({ cancel: true });
      return;
    }
    callback({});
  });

  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // A page's beforeunload handler must not keep the window open once we close it.
  contents.on('will-prevent-unload', (event) => event.preventDefault());
  // Keep our title (the page's own title would replace it).
  window.on('page-title-updated', (event) => event.preventDefault());
  window.on('closed', () => finish({ outcome: 'closed' }, false));

  active = { window, promise };
  window.loadURL(loginUrl).catch((error: unknown) => {
    // A cancelled navigation (the captured redirect) rejects with ERR_ABORTED: expected.
    if (settled) return;
    const code = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'unknown';
    log(`sign-in: the page at ${describeUrl(loginUrl)} did not load (${code})`);
  });
  return promise;
}
