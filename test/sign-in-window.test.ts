import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeBrowserWindow } from './helpers/fake-electron.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

const { openSignInWindow, isSignInWindowOpen, requestTokenFromUrl, DEFAULT_SIGN_IN_TIMEOUT_MS, SIGN_IN_WINDOW_TITLE } =
  await import('../main/sign-in-window.js');
const { SIGN_IN_PARTITION, hardenWebContents } = await import('../main/security.js');

const LOGIN_URL = 'https://torus.example/connect/login/key-abc123';
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function signInWindow(): FakeBrowserWindow {
  const window = fake.__test.windows.find((w) => w.title === SIGN_IN_WINDOW_TITLE);
  if (!window) throw new Error('no sign-in window');
  return window;
}

beforeEach(() => fake.__test.reset());
afterEach(() => {
  vi.useRealTimers();
  // Close what a test left open (this also settles its promise), then clear the world.
  for (const window of [...fake.__test.windows]) window.destroy();
  fake.__test.reset();
});

describe('openSignInWindow: the window', () => {
  it('opens the login URL in a sandboxed window with its own partition and no preload', async () => {
    const result = openSignInWindow(LOGIN_URL);
    const window = signInWindow();
    expect(window.loadedUrl).toBe(LOGIN_URL);
    expect(window.options).toMatchObject({ width: 800, height: 700, title: 'Sign in to Torus' });
    const prefs = window.options.webPreferences ?? {};
    expect(prefs).toMatchObject({ partition: SIGN_IN_PARTITION, sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(prefs).not.toHaveProperty('preload');
    expect(SIGN_IN_PARTITION.startsWith('persist:')).toBe(false);
    expect(window.webContents.session).toBe(fake.session.fromPartition(SIGN_IN_PARTITION));
    window.close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('denies window.open and all permissions in the sign-in session', async () => {
    const result = openSignInWindow(LOGIN_URL);
    const window = signInWindow();
    expect(window.webContents.tryOpenWindow('https://evil.example/')).toEqual({ action: 'deny' });
    const signInSession = fake.session.fromPartition(SIGN_IN_PARTITION);
    await expect(signInSession.requestPermission('geolocation')).resolves.toBe(false);
    expect(signInSession.permissionCheckHandler?.()).toBe(false);
    window.close();
    await result;
  });

  it('keeps its title when the page sets its own', async () => {
    const result = openSignInWindow(LOGIN_URL);
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
      await expect(openSignInWindow(url)).rejects.toMatchObject({ kind: 'invalid-input' });
    }
    expect(fake.__test.windows).toHaveLength(0);
  });
});

describe('openSignInWindow: catching the request token', () => {
  const cases: Array<[string, string, 'will-redirect' | 'will-navigate']> = [
    ['REQUEST_TOKEN in the query (server redirect)', 'https://app.example/cb?REQUEST_TOKEN=tok-UPPER&state=1', 'will-redirect'],
    ['request_token in the query (navigation)', 'https://app.example/cb?request_token=tok-lower', 'will-navigate'],
    ['requestToken in the fragment', 'https://app.example/cb#requestToken=tok-camel', 'will-redirect'],
    ['Request-Token in a fragment query', 'http://127.0.0.1:8080/#/?Request-Token=tok-dash', 'will-navigate'],
  ];
  for (const [name, url, kind] of cases) {
    it(`${name}: cancels the navigation, closes the window, resolves the token`, async () => {
      const log: string[] = [];
      const result = openSignInWindow(LOGIN_URL, { log: (line) => log.push(line) });
      const window = signInWindow();
      window.webContents.navigate('https://torus.example/connect/otp', 'will-navigate');
      expect(window.isDestroyed()).toBe(false);

      const { prevented } = window.webContents.navigate(url, kind);
      expect(prevented).toBe(true);
      const expected = requestTokenFromUrl(url);
      await expect(result).resolves.toEqual({ requestToken: expected });
      expect(expected).toMatch(/^tok-/);
      await nextTurn();
      expect(window.isDestroyed()).toBe(true);
      expect(isSignInWindowOpen()).toBe(false);
      // The redirect never loaded, and the token is in no log line.
      expect(window.webContents.url).toBe('https://torus.example/connect/otp');
      expect(log.join('\n')).not.toContain(expected);
    });
  }

  it('cancels the request itself in the session (webRequest.onBeforeRequest)', async () => {
    const result = openSignInWindow(LOGIN_URL);
    const signInSession = fake.session.fromPartition(SIGN_IN_PARTITION);
    await expect(
      signInSession.runWebRequest('onBeforeRequest', { url: 'https://torus.example/static/app.js?request_token=x', resourceType: 'script' }),
    ).resolves.toEqual({});
    await expect(
      signInSession.runWebRequest('onBeforeRequest', { url: 'https://torus.example/connect/login/key', resourceType: 'mainFrame' }),
    ).resolves.toEqual({});
    await expect(
      signInSession.runWebRequest('onBeforeRequest', { url: 'https://app.example/cb?Request_Token=via-webrequest', resourceType: 'mainFrame' }),
    ).resolves.toEqual({ cancel: true });
    await expect(result).resolves.toEqual({ requestToken: 'via-webrequest' });
    await nextTurn();
    expect(fake.__test.windows).toHaveLength(0);
    // The listener is removed once the sign-in is over.
    expect(signInSession.webRequestListeners.has('onBeforeRequest')).toBe(false);
  });

  it('ignores navigation inside Torus and an empty request_token; blocks non-web schemes', async () => {
    const result = openSignInWindow(LOGIN_URL);
    const contents = signInWindow().webContents;
    expect(contents.navigate('https://torus.example/connect/verify?step=otp').prevented).toBe(false);
    expect(contents.navigate('https://app.example/cb?request_token=').prevented).toBe(false);
    expect(contents.navigate('file:///etc/passwd').prevented).toBe(true);
    expect(isSignInWindowOpen()).toBe(true);
    signInWindow().close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('is left alone by the app-wide navigation guard', async () => {
    const result = openSignInWindow(LOGIN_URL);
    const contents = signInWindow().webContents;
    hardenWebContents(contents as never, { isOwnPage: () => false });
    expect(contents.navigate('https://torus.example/connect/otp').prevented).toBe(false);
    expect(contents.navigate('https://app.example/cb?request_token=abc', 'will-redirect').prevented).toBe(true);
    await expect(result).resolves.toEqual({ requestToken: 'abc' });
  });

  it('also catches a token that only shows up after navigating (did-navigate-in-page)', async () => {
    const result = openSignInWindow(LOGIN_URL);
    const window = signInWindow();
    window.webContents.emit('did-navigate-in-page', {}, 'https://app.example/cb#request_token=late', true);
    await expect(result).resolves.toEqual({ requestToken: 'late' });
    await nextTurn();
    expect(window.isDestroyed()).toBe(true);
  });
});

describe('openSignInWindow: ending without a token', () => {
  it('resolves closed when the user closes the window', async () => {
    const result = openSignInWindow(LOGIN_URL);
    signInWindow().close();
    await expect(result).resolves.toEqual({ outcome: 'closed' });
    expect(isSignInWindowOpen()).toBe(false);
  });

  it('times out after 10 minutes by default, closing the window', async () => {
    vi.useFakeTimers();
    const result = openSignInWindow(LOGIN_URL);
    const window = signInWindow();
    vi.advanceTimersByTime(DEFAULT_SIGN_IN_TIMEOUT_MS - 1);
    expect(window.isDestroyed()).toBe(false);
    vi.advanceTimersByTime(1);
    await expect(result).resolves.toEqual({ outcome: 'timeout' });
    expect(window.isDestroyed()).toBe(true);
    expect(DEFAULT_SIGN_IN_TIMEOUT_MS).toBe(10 * 60 * 1000);
  });

  it('honours a custom timeout; a token after the end is ignored', async () => {
    vi.useFakeTimers();
    const result = openSignInWindow(LOGIN_URL, { timeoutMs: 5000 });
    const window = signInWindow();
    const contents = window.webContents;
    vi.advanceTimersByTime(5000);
    await expect(result).resolves.toEqual({ outcome: 'timeout' });
    expect(window.isDestroyed()).toBe(true);
    contents.emit('will-redirect', { url: 'https://app.example/cb?request_token=late', preventDefault() {} }, '');
    await expect(result).resolves.toEqual({ outcome: 'timeout' });
  });
});

describe('openSignInWindow: one window at a time', () => {
  it('a second call focuses the open window and shares its promise', async () => {
    const first = openSignInWindow(LOGIN_URL);
    const window = signInWindow();
    window.minimize();
    window.blur();
    const second = openSignInWindow('https://torus.example/connect/login/other');
    expect(second).toBe(first);
    expect(fake.__test.windows.filter((w) => w.title === SIGN_IN_WINDOW_TITLE)).toHaveLength(1);
    expect(window.isMinimized()).toBe(false);
    expect(window.isFocused()).toBe(true);
    window.webContents.navigate('https://app.example/cb?request_token=shared', 'will-redirect');
    await expect(first).resolves.toEqual({ requestToken: 'shared' });
    await expect(second).resolves.toEqual({ requestToken: 'shared' });
  });

  it('opens a fresh window once the previous one is gone', async () => {
    const first = openSignInWindow(LOGIN_URL);
    signInWindow().close();
    await first;
    const second = openSignInWindow(LOGIN_URL);
    expect(second).not.toBe(first);
    expect(isSignInWindowOpen()).toBe(true);
    signInWindow().close();
    await expect(second).resolves.toEqual({ outcome: 'closed' });
  });
});
