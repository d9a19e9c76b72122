import { app, BrowserWindow, session, type Session } from 'electron';
import { TorusError } from './core/errors.js';
import { describeUrl, lockDownSession, manageNavigationItself, signInPartition } from './security.js';
import { normalizeRedirectOrigin, topLevelDecision, webOrigin, type NavigationDecision, type SignInPolicy } from './sign-in-policy.js';

export { requestTokenFromUrl } from './sign-in-policy.js';

/**
 * The Torus sign-in window. It opens `{base}/connect/login/<API_KEY>` in its own BrowserWindow,
 * sandboxed, isolated, without a preload, in the profile's own in-memory session partition
 * (one account's Torus session never serves another's sign-in), which is cleared when the
 * sign-in ends.
 *
 * Where it may go is sign-in-policy.ts: top-level navigations only to Torus and the redirect
 * origin, the request token only from a top-level navigation or redirect to the redirect
 * origin. It is enforced at every door a top-level navigation passes:
 * - `will-navigate` (a link, form or script in the page) and `will-redirect` for the main frame
 *   (a server redirect), which are cancelled before anything is sent;
 * - the session's `webRequest.onBeforeRequest` for main-frame requests, which also sees the
 *   navigations that raise no `will-navigate` (history, reload) and every redirect hop.
 * Subframes and subresources pass untouched (Torus's captcha, OTP widget, fonts), and an
 * in-page change (`history.pushState`, a hash) never hands over a token. Downloads and new
 * windows are refused. The first token wins: the navigation is cancelled, the window closes
 * and the promise resolves with the token and the origin it came from. The token is never
 * logged, nor is the login path (it holds the API key) or any query.
 */
export type SignInWindowResult = { requestToken: string; redirectOrigin: string } | { outcome: 'closed' | 'timeout' };

export interface SignInWindowOptions {
  /** Whose sign-in this is: the session partition is this profile's own. */
  profileId: string;
  /** The profile's redirect origin; null while it is to be learnt from the first redirect. */
  redirectOrigin: string | null;
  /** Gives up (and closes the window) after this long. Default 10 minutes. */
  timeoutMs?: number;
  parent?: BrowserWindow;
  /** DevTools for this window (default: only in development). */
  devTools?: boolean;
  /** Log lines never contain the token, the login path (it holds the API key) or any query. */
  log?: (line: string) => void;
}

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 10 * 60 * 1000;
export const SIGN_IN_WINDOW_TITLE = 'Sign in to Torus';

let active: { window: BrowserWindow; promise: Promise<SignInWindowResult>; profileId: string } | null = null;

/** Is a sign-in window open right now? */
export function isSignInWindowOpen(): boolean {
  return active !== null && !active.window.isDestroyed();
}

function bringToFront(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Forgets everything the sign-in left in its partition: cookies, storage, cache, HTTP auth. */
async function clearSession(target: Session, log: (line: string) => void): Promise<void> {
  const results = await Promise.allSettled([target.clearStorageData(), target.clearCache(), target.clearAuthCache()]);
  if (results.some((r) => r.status === 'rejected')) log('sign-in: the sign-in session could not be cleared completely');
}

export function openSignInWindow(loginUrl: string, options: SignInWindowOptions): Promise<SignInWindowResult> {
  if (active && !active.window.isDestroyed()) {
    bringToFront(active.window);
    if (active.profileId === options.profileId) return active.promise;
    // Never hand one profile's sign-in to another: that would save one account's token in the other.
    return Promise.reject(new TorusError('invalid-input', 'A sign-in for another profile is open. Finish it or close its window first.'));
  }
  active = null;

  const loginOrigin = webOrigin(loginUrl);
  if (loginOrigin === null) {
    return Promise.reject(
      new TorusError(
        'invalid-input',
        'The Torus sign-in address must start with https:// (or http:// for a local test server). Check the base URL in Settings.',
      ),
    );
  }

  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
  const policy: SignInPolicy = { loginOrigin, redirectOrigin: normalizeRedirectOrigin(options.redirectOrigin) };
  const partition = signInPartition(options.profileId);
  const signInSession = session.fromPartition(partition);
  lockDownSession(signInSession, log);

  const window = new BrowserWindow({
    width: 800,
    height: 700,
    title: SIGN_IN_WINDOW_TITLE,
    autoHideMenuBar: true,
    ...(options.parent ? { parent: options.parent } : {}),
    webPreferences: {
      partition,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: options.devTools ?? !app.isPackaged,
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
    log(`sign-in: ${'requestToken' in result ? `request token captured at ${result.redirectOrigin}` : `ended (${result.outcome})`}`);
    settle(result);
    const end = (): void => {
      closeWindow();
      void clearSession(signInSession, log);
    };
    // Closing a window from inside a navigation event is deferred to the next turn.
    if (deferClose) setImmediate(end);
    else end();
  };

  /** Applies the policy to a top-level URL; returns whether the navigation must be cancelled. */
  const judge = (url: string, where: string): boolean => {
    if (settled) return true;
    const decision: NavigationDecision = topLevelDecision(url, policy);
    switch (decision.action) {
      case 'allow':
        return false;
      case 'capture':
        finish({ requestToken: decision.requestToken, redirectOrigin: decision.origin }, true);
        return true;
      case 'block':
        log(
          `sign-in: blocked a ${where} to ${describeUrl(url)} (${decision.reason === 'not-web' ? 'not a web address' : 'neither Torus nor the redirect address'})`,
        );
        return true;
    }
  };

  const timer = setTimeout(() => finish({ outcome: 'timeout' }, false), timeoutMs);

  contents.on('will-navigate', (event) => {
    if (judge(event.url, 'navigation')) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    // A subframe's redirect (a captcha's, an OTP widget's) is that frame's business.
    if (!event.isMainFrame) return;
    if (judge(event.url, 'redirect')) event.preventDefault();
  });

  signInSession.webRequest.onBeforeRequest((details, callback) => {
    // The partition is this window's alone; only top-level documents are judged.
    if (details.resourceType === 'mainFrame' && judge(details.url, 'page load')) {
      callback({ cancel: true });
      return;
    }
    callback({});
  });

  contents.setWindowOpenHandler(({ url }) => {
    log(`sign-in: denied a new window for ${describeUrl(url)}`);
    return { action: 'deny' };
  });
  // A page's beforeunload handler must not keep the window open once we close it.
  contents.on('will-prevent-unload', (event) => event.preventDefault());
  // Keep our title (the page's own title would replace it).
  window.on('page-title-updated', (event) => event.preventDefault());
  window.on('closed', () => finish({ outcome: 'closed' }, false));

  active = { window, promise, profileId: options.profileId };
  window.loadURL(loginUrl).catch((error: unknown) => {
    // A cancelled navigation (the captured redirect) rejects with ERR_ABORTED: expected.
    if (settled) return;
    const code = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'unknown';
    log(`sign-in: the page at ${describeUrl(loginUrl)} did not load (${code})`);
  });
  return promise;
}
