import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeBrowserWindow } from './helpers/fake-electron.js';
import { topLevelDecision, normalizeRedirectOrigin, type SignInPolicy } from '../main/sign-in-policy.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

const { openSignInWindow, isSignInWindowOpen, requestTokenFromUrl, DEFAULT_SIGN_IN_TIMEOUT_MS, SIGN_IN_WINDOW_TITLE } =
  await import('../main/sign-in-window.js');
const { signInPartition, hardenWebContents } = await import('../main/security.js');

const LOGIN_URL = 'https://connects.torusdigital.com/connect/login/key-abc123';
const REDIRECT = 'https://trader.example';
const PROFILE = 'main';
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function signInWindow(): FakeBrowserWindow {
  const window = fake.__test.windows.find((w) => w.title === SIGN_IN_WINDOW_TITLE);
  if (!window) throw new Error('no sign-in window');
  return window;
}

/** Opens the window for PROFILE with a known redirect origin (or null to learn it). */
function open(options: { redirectOrigin?: string | null; log?: (line: string) => void; timeoutMs?: number; profileId?: string; url?: string } = {}) {
  return openSignInWindow(options.url ?? LOGIN_URL, {
    profileId: options.profileId ?? PROFILE,
    redirectOrigin: options.redirectOrigin === undefined ? REDIRECT : options.redirectOrigin,
    ...(options.log ? { log: options.log } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

beforeEach(() => fake.__test.reset());
afterEach(() => {
  vi.useRealTimers();
  // Close what a test left open (this also settles its promise), then clear the world.
  for (const window of [...fake.__test.windows]) window.destroy();
  fake.__test.reset();
});

describe('the navigation policy (sign-in-policy.ts)', () => {
  const known: SignInPolicy = { loginOrigin: 'https://connects.torusdigital.com', redirectOrigin: REDIRECT };
  const learning: SignInPolicy = { loginOrigin: 'https://connects.torusdigital.com', redirectOrigin: null };
  const simulator: SignInPolicy = { loginOrigin: 'http://127.0.0.1:7878', redirectOrigin: null };

  it.each<[string, SignInPolicy, string, ReturnType<typeof topLevelDecision>]>([
    ['Torus itself', known, 'https://connects.torusdigital.com/connect/otp', { action: 'allow' }],
    ['Torus SSO on another Torus host', known, 'https://sso.torusdigital.com/login?next=x', { action: 'allow' }],
    ['Torus over plain http', known, 'http://sso.torusdigital.com/login', { action: 'block', reason: 'foreign-origin' }],
    ['a look-alike host', known, 'https://torusdigital.com.evil.example/', { action: 'block', reason: 'foreign-origin' }],
    ['the redirect origin, with the token', known, `${REDIRECT}/cb?REQUEST_TOKEN=tok-1`, { action: 'capture', requestToken: 'tok-1', origin: REDIRECT }],
    ['the redirect origin, without a token', known, `${REDIRECT}/help`, { action: 'allow' }],
    ['another origin, with a token', known, 'https://evil.example/cb?request_token=tok-2', { action: 'block', reason: 'foreign-origin' }],
    ['a token on a Torus page (not the end URL)', known, 'https://sso.torusdigital.com/x?request_token=tok-3', { action: 'allow' }],
    ['a non-web scheme', known, 'file:///etc/passwd', { action: 'block', reason: 'not-web' }],
    ['javascript:', known, 'javascript:alert(1)', { action: 'block', reason: 'not-web' }],
    [
      'learning: the first token to a non-Torus origin',
      learning,
      'https://app.example:8443/cb#requestToken=tok-4',
      { action: 'capture', requestToken: 'tok-4', origin: 'https://app.example:8443' },
    ],
    ['learning: a token on a Torus host is not the redirect', learning, 'https://connects.torusdigital.com/cb?request_token=tok-5', { action: 'allow' }],
    ['learning: a non-Torus origin without a token', learning, 'https://evil.example/', { action: 'block', reason: 'foreign-origin' }],
    ['learning: an empty token is no token', learning, 'https://app.example/cb?request_token=', { action: 'block', reason: 'foreign-origin' }],
    ['simulator: its own pages', simulator, 'http://127.0.0.1:7878/connect/login/k', { action: 'allow' }],
    [
      'simulator: its callback with the token',
      simulator,
      'http://127.0.0.1:7878/callback?REQUEST_TOKEN=tok-6',
      { action: 'capture', requestToken: 'tok-6', origin: 'http://127.0.0.1:7878' },
    ],
  ])('%s', (_name, policy, url, expected) => {
    expect(topLevelDecision(url, policy)).toEqual(expected);
  });

  it('stores a redirect origin as an origin only', () => {
    expect(normalizeRedirectOrigin('https://Trader.Example:443/cb?x=1')).toBe('https://trader.example');
    expect(normalizeRedirectOrigin('ftp://x')).toBeNull();
    expect(normalizeRedirectOrigin(null)).toBeNull();
  });
});

describe('openSignInWindow: the window', () => {
  it('opens the login URL in a sandboxed window without a preload, in the profile’s own in-memory partition', async () => {
    const result = open();
    const window = signInWindow();
    expect(window.loadedUrl).toBe(LOGIN_URL);
    expect(window.options).toMatchObject({ width: 800, height: 700, title: 'Sign in to Torus' });
    const prefs = window.options.webPreferences ?? {};
    expect(prefs).toMatchObject({ partition: 'torus-signin-main', sandbox: true, contextIsolation: true, nodeIntegration: false, devTools: true });
    expect(prefs).not.toHaveProperty('preload');
    expect(signInPartition(PROFILE).startsWith('persist:')).toBe(false);
    expect(window.webContents.session).toBe(fake.session.fromPartition('torus-signin-main'));
    window.close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('each profile signs in in its own session, cleared when the sign-in ends, so one account’s session never serves another', async () => {
    const first = open({ profileId: 'alpha' });
    const alpha = signInWindow();
    alpha.webContents.navigate(`${REDIRECT}/cb?request_token=tok-alpha`, 'will-redirect');
    await expect(first).resolves.toEqual({ requestToken: 'tok-alpha', redirectOrigin: REDIRECT });
    await vi.waitFor(() => expect(alpha.webContents.session.storageCleared).toBe(1));
    expect(alpha.webContents.session.cacheCleared).toBe(1);
    expect(alpha.webContents.session.authCacheCleared).toBe(1);

    const second = open({ profileId: 'beta' });
    const beta = signInWindow();
    expect(beta.webContents.session).not.toBe(alpha.webContents.session);
    expect(beta.webContents.session.partition).toBe('torus-signin-beta');
    beta.close();
    await second;
    // Closed without a token: cleared as well.
    await vi.waitFor(() => expect(beta.webContents.session.storageCleared).toBe(1));
  });

  it('denies new windows, downloads and every permission in the sign-in session', async () => {
    const result = open();
    const window = signInWindow();
    expect(window.webContents.tryOpenWindow('https://evil.example/')).toEqual({ action: 'deny' });
    const signInSession = fake.session.fromPartition(signInPartition(PROFILE));
    expect(signInSession.download('https://connects.torusdigital.com/statement.pdf', window.webContents).prevented).toBe(true);
    await expect(signInSession.requestPermission('geolocation')).resolves.toBe(false);
    expect(signInSession.checkPermission('clipboard-read')).toBe(false);
    window.close();
    await result;
  });

  it('packaged: no DevTools', async () => {
    fake.__test.world.isPackaged = true;
    const result = open();
    const window = signInWindow();
    expect(window.options.webPreferences?.devTools).toBe(false);
    window.webContents.openDevTools();
    expect(window.webContents.isDevToolsOpened()).toBe(false);
    window.close();
    await result;
  });

  it('keeps its title when the page sets its own', async () => {
    const result = open();
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    signInWindow().emit('page-title-updated', event, 'Torus Login');
    expect(event.defaultPrevented).toBe(true);
    signInWindow().close();
    await result;
  });

  it('refuses a non-http(s) login URL without opening a window', async () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'torus://login', 'not a url']) {
      await expect(open({ url })).rejects.toMatchObject({ kind: 'invalid-input' });
    }
    expect(fake.__test.windows).toHaveLength(0);
  });
});

describe('openSignInWindow: where it may go', () => {
  it('top-level: Torus and the redirect origin only; anything else is blocked and logged by origin', async () => {
    const log: string[] = [];
    const result = open({ log: (line) => log.push(line) });
    const contents = signInWindow().webContents;
    expect(contents.navigate('https://sso.torusdigital.com/otp?step=2').prevented).toBe(false);
    expect(contents.navigate(`${REDIRECT}/help`).prevented).toBe(false);
    expect(contents.navigate('https://evil.example/phish?x=secret').prevented).toBe(true);
    expect(contents.navigate('file:///etc/passwd').prevented).toBe(true);
    expect(contents.getURL()).toBe(`${REDIRECT}/help`);
    expect(log.join('\n')).toContain('blocked a navigation to https://evil.example');
    expect(log.join('\n')).not.toContain('secret');
    expect(isSignInWindowOpen()).toBe(true);
    signInWindow().close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('an open redirect on the way (a Torus page redirecting elsewhere) is blocked', async () => {
    const result = open();
    const contents = signInWindow().webContents;
    const outcome = await contents.navigateFully('https://connects.torusdigital.com/logout', { redirects: ['https://evil.example/landing'] });
    expect(outcome).toEqual({ committed: null, blockedBy: 'will-redirect' });
    signInWindow().close();
    await result;
  });

  it('a top-level load that raises no will-navigate (history, reload) still meets the webRequest gate', async () => {
    const result = open();
    const contents = signInWindow().webContents;
    const outcome = await contents.navigateFully('https://evil.example/', { initiator: 'browser' });
    expect(outcome).toEqual({ committed: null, blockedBy: 'webRequest' });
    signInWindow().close();
    await result;
  });

  it('subframes and subresources Torus’s page loads keep working (a captcha, an OTP widget, fonts)', async () => {
    const result = open();
    const contents = signInWindow().webContents;
    const captcha = contents.addFrame('about:blank');
    await expect(contents.navigateFully('https://www.google.com/recaptcha/api2/anchor', { frame: captcha })).resolves.toEqual({
      committed: 'https://www.google.com/recaptcha/api2/anchor',
      blockedBy: null,
    });
    // A subframe's own redirect is its business.
    await expect(
      contents.navigateFully('https://otp-widget.example/start', { frame: captcha, redirects: ['https://otp-widget.example/step2'] }),
    ).resolves.toMatchObject({
      blockedBy: null,
    });
    for (const url of ['https://fonts.gstatic.com/s/inter.woff2', 'https://www.gstatic.com/recaptcha/api.js', 'https://cdn.example/otp.js']) {
      await expect(contents.request(url, url.endsWith('.woff2') ? 'font' : 'script')).resolves.toEqual({ cancelled: false });
    }
    expect(isSignInWindowOpen()).toBe(true);
    signInWindow().close();
    await result;
  });
});

describe('openSignInWindow: catching the request token', () => {
  const cases: Array<[string, string]> = [
    ['REQUEST_TOKEN in the query', `${REDIRECT}/cb?REQUEST_TOKEN=tok-UPPER&state=1`],
    ['request_token in the query', `${REDIRECT}/cb?request_token=tok-lower`],
    ['requestToken in the fragment', `${REDIRECT}/cb#requestToken=tok-camel`],
    ['Request-Token in a fragment query', `${REDIRECT}/#/?Request-Token=tok-dash`],
  ];
  for (const [name, url] of cases) {
    for (const kind of ['will-redirect', 'will-navigate'] as const) {
      it(`${name}, by a top-level ${kind === 'will-redirect' ? 'server redirect' : 'navigation'} to the redirect origin: cancelled, window closed, token resolved`, async () => {
        const log: string[] = [];
        const result = open({ log: (line) => log.push(line) });
        const window = signInWindow();
        window.webContents.navigate('https://connects.torusdigital.com/connect/otp', 'will-navigate');
        const { prevented } = window.webContents.navigate(url, kind);
        expect(prevented).toBe(true);
        const expected = requestTokenFromUrl(url);
        expect(expected).toMatch(/^tok-/);
        await expect(result).resolves.toEqual({ requestToken: expected, redirectOrigin: REDIRECT });
        await nextTurn();
        expect(window.isDestroyed()).toBe(true);
        expect(isSignInWindowOpen()).toBe(false);
        // The redirect never loaded, and the token is in no log line.
        expect(window.webContents.url).toBe('https://connects.torusdigital.com/connect/otp');
        expect(log.join('\n')).not.toContain(expected);
      });
    }
  }

  it('the main-frame request itself is cancelled in the session (webRequest.onBeforeRequest); other requests pass', async () => {
    const result = open();
    const signInSession = fake.session.fromPartition(signInPartition(PROFILE));
    await expect(signInSession.runWebRequest('onBeforeRequest', { url: `${REDIRECT}/static/app.js?request_token=x`, resourceType: 'script' })).resolves.toEqual(
      {},
    );
    await expect(
      signInSession.runWebRequest('onBeforeRequest', { url: 'https://connects.torusdigital.com/connect/login/key', resourceType: 'mainFrame' }),
    ).resolves.toEqual({});
    await expect(
      signInSession.runWebRequest('onBeforeRequest', { url: `${REDIRECT}/cb?Request_Token=via-webrequest`, resourceType: 'mainFrame' }),
    ).resolves.toEqual({ cancel: true });
    await expect(result).resolves.toEqual({ requestToken: 'via-webrequest', redirectOrigin: REDIRECT });
    await nextTurn();
    expect(fake.__test.windows).toHaveLength(0);
    // The listener is removed once the sign-in is over.
    expect(signInSession.webRequestListeners.has('onBeforeRequest')).toBe(false);
  });

  it('never from an in-page change (history.pushState), a subframe, or another origin', async () => {
    const result = open();
    const contents = signInWindow().webContents;
    contents.navigateInPage(`${REDIRECT}/cb#request_token=pushed`);
    const frame = contents.addFrame('https://connects.torusdigital.com/widget');
    await contents.navigateFully(`${REDIRECT}/cb?request_token=in-a-frame`, { frame });
    expect(contents.navigate(`${REDIRECT}/cb?request_token=redirected-frame`, 'will-redirect', false).prevented).toBe(false);
    expect(contents.navigate('https://evil.example/cb?request_token=elsewhere', 'will-redirect').prevented).toBe(true);
    await nextTurn();
    expect(isSignInWindowOpen()).toBe(true);
    signInWindow().close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('without a known redirect origin: the first top-level redirect with a token to a non-Torus origin is accepted, and its origin reported', async () => {
    const result = open({ redirectOrigin: null });
    const contents = signInWindow().webContents;
    // A token on a Torus page is not the end URL; navigation continues.
    expect(contents.navigate('https://connects.torusdigital.com/next?request_token=not-yet').prevented).toBe(false);
    const outcome = await contents.navigateFully('https://connects.torusdigital.com/connect/verify', {
      redirects: ['https://my-bot.example:8443/torus/callback?REQUEST_TOKEN=learnt'],
    });
    expect(outcome.blockedBy).toBe('will-redirect');
    await expect(result).resolves.toEqual({ requestToken: 'learnt', redirectOrigin: 'https://my-bot.example:8443' });
  });

  it('is left alone by the app-wide navigation guard', async () => {
    const result = open();
    const contents = signInWindow().webContents;
    hardenWebContents(contents as never, { isOwnPage: () => false });
    expect(contents.navigate('https://connects.torusdigital.com/connect/otp').prevented).toBe(false);
    expect(contents.navigate(`${REDIRECT}/cb?request_token=abc`, 'will-redirect').prevented).toBe(true);
    await expect(result).resolves.toEqual({ requestToken: 'abc', redirectOrigin: REDIRECT });
  });
});

describe('openSignInWindow: ending without a token', () => {
  it('resolves closed when the user closes the window', async () => {
    const result = open();
    signInWindow().close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
    expect(isSignInWindowOpen()).toBe(false);
  });

  it('times out after 10 minutes by default, closing the window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const result = open();
    const window = signInWindow();
    vi.advanceTimersByTime(DEFAULT_SIGN_IN_TIMEOUT_MS - 1);
    expect(window.isDestroyed()).toBe(false);
    vi.advanceTimersByTime(1);
    await expect(result).resolves.toEqual({ outcome: 'timeout' });
    expect(window.isDestroyed()).toBe(true);
    expect(DEFAULT_SIGN_IN_TIMEOUT_MS).toBe(10 * 60 * 1000);
  });

  it('honours a custom timeout; a token after the end is ignored', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const result = open({ timeoutMs: 5000 });
    const window = signInWindow();
    const contents = window.webContents;
    vi.advanceTimersByTime(5000);
    await expect(result).resolves.toEqual({ outcome: 'timeout' });
    expect(window.isDestroyed()).toBe(true);
    contents.emit('will-redirect', { url: `${REDIRECT}/cb?request_token=late`, isMainFrame: true, preventDefault() {} }, '');
    await expect(result).resolves.toEqual({ outcome: 'timeout' });
  });
});

describe('openSignInWindow: one window at a time', () => {
  it('a second call for the same profile focuses the open window and shares its promise', async () => {
    const first = open();
    const window = signInWindow();
    window.minimize();
    window.blur();
    const second = open({ url: 'https://connects.torusdigital.com/connect/login/other' });
    expect(second).toBe(first);
    expect(fake.__test.windows.filter((w) => w.title === SIGN_IN_WINDOW_TITLE)).toHaveLength(1);
    expect(window.isMinimized()).toBe(false);
    expect(window.isFocused()).toBe(true);
    window.webContents.navigate(`${REDIRECT}/cb?request_token=shared`, 'will-redirect');
    await expect(first).resolves.toEqual({ requestToken: 'shared', redirectOrigin: REDIRECT });
    await expect(second).resolves.toEqual({ requestToken: 'shared', redirectOrigin: REDIRECT });
  });

  it('a call for another profile is refused while one is open: its token must never land in the other profile', async () => {
    const first = open({ profileId: 'alpha' });
    await expect(open({ profileId: 'beta' })).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(fake.__test.windows.filter((w) => w.title === SIGN_IN_WINDOW_TITLE)).toHaveLength(1);
    signInWindow().close();
    await first;
  });

  it('opens a fresh window once the previous one is gone', async () => {
    const first = open();
    signInWindow().close();
    await first;
    const second = open();
    expect(second).not.toBe(first);
    expect(isSignInWindowOpen()).toBe(true);
    signInWindow().close();
    await expect(second).resolves.toEqual({ outcome: 'closed' });
  });
});
