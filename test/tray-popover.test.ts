// Electron glue for the tray, the popover and notifications, run against the fake `electron`.
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppState, LoginItemView, ProfileView, TokenStatus, TokenView } from '../preload/contract.js';
import type { FakeBrowserWindow, FakeMenu, FakeNativeImage, FakeTray } from './helpers/fake-electron.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

import { createTrayController, type TrayController } from '../main/tray.js';
import { createTrayImage, trayIconKey, trayIconPath, trayTooltip, TRAY_ICON_KEYS, TOOLTIP_MAX } from '../main/tray-icons.js';
import { createPopoverWindow, BLUR_CLICK_GUARD_MS, POPOVER_SIZE, rendererLocation, type PopoverWindow } from '../main/popover-window.js';
import { popoverPosition } from '../main/popover-position.js';
import { notificationFor, Notifier, type NotificationContext, type NotificationSpec } from '../main/notifications.js';
import type { TrayActions } from '../main/tray-menu.js';
import { ipcName } from '../preload/contract.js';

const NOW = Date.UTC(2025, 5, 10, 21, 0);
const REPO = fake.app.getAppPath();

function profile(id: string, name: string, mode: ProfileView['mode'] = 'request-token'): ProfileView {
  return {
    id,
    name,
    mode,
    baseUrl: 'https://api.example.test',
    totpBaseUrl: 'https://totp.example.test',
    exportFilePath: null,
    exportHookCommand: null,
    status: 'fresh',
    credentials: {
      apiKey: { saved: true, lastFour: 'abcd' },
      apiSecret: { saved: true, lastFour: 'wxyz' },
      requestToken: { saved: true },
      totpSecret: { saved: false },
    },
  };
}
function token(over: Partial<TokenView> = {}): TokenView {
  return {
    masked: 'eyJh…Q123',
    fingerprint: '0a1b2c3d',
    issuedAt: NOW - 3_600_000,
    expiresAt: Date.UTC(2025, 5, 11, 6, 0),
    expirySource: 'daily-cutoff',
    source: 'request-token',
    ...over,
  };
}
function state(over: Partial<AppState> = {}): AppState {
  return {
    activeProfileId: 'main',
    profiles: [profile('main', 'Main')],
    status: 'fresh',
    token: token(),
    lastError: null,
    nextRefreshAt: null,
    warnings: [],
    platform: 'linux',
    ...over,
  };
}
const failure = (message: string, needsSignIn = false, at = NOW - 1000): AppState['lastError'] => ({
  kind: needsSignIn ? 'rejected' : 'network',
  message,
  needsSignIn,
  at,
});

function recordingActions(): TrayActions & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    copy: () => void calls.push(['copy']),
    refresh: () => void calls.push(['refresh']),
    signIn: () => void calls.push(['signIn']),
    open: (view) => void calls.push(['open', view]),
    switchProfile: (id) => void calls.push(['switchProfile', id]),
    setStartAtLogin: (enabled) => void calls.push(['setStartAtLogin', enabled]),
    quit: () => void calls.push(['quit']),
  };
}

const asImage = (image: FakeTray['image']): FakeNativeImage => image as FakeNativeImage;

beforeEach(() => {
  fake.__test.reset();
});

describe('tray icons and tooltips', () => {
  it('maps every status to an icon', () => {
    const map: Record<TokenStatus, string> = {
      fresh: 'fresh',
      'expiring-soon': 'expiring',
      stale: 'expiring',
      refreshing: 'refreshing',
      failed: 'failed',
      'needs-sign-in': 'failed',
      none: 'failed',
    };
    for (const [status, key] of Object.entries(map)) expect(trayIconKey(status as TokenStatus), status).toBe(key);
  });

  it('uses files that exist: template PNGs on macOS, .ico on Windows, @2x PNG on Linux', () => {
    for (const key of TRAY_ICON_KEYS) {
      expect(trayIconPath(key, 'darwin')).toBe(path.join(REPO, 'assets', 'tray', `tray-${key}Template.png`));
      expect(trayIconPath(key, 'win32')).toBe(path.join(REPO, 'assets', 'tray', `tray-${key}.ico`));
      expect(trayIconPath(key, 'linux')).toBe(path.join(REPO, 'assets', 'tray', `tray-${key}@2x.png`));
      for (const platform of ['darwin', 'win32', 'linux'] as const) expect(existsSync(trayIconPath(key, platform)), `${key} ${platform}`).toBe(true);
      // macOS finds the 2x variant by name next to the 1x file.
      expect(existsSync(path.join(REPO, 'assets', 'tray', `tray-${key}Template@2x.png`))).toBe(true);
    }
  });

  it('marks the macOS image as a template, and only that one', () => {
    const mac = createTrayImage('fresh', 'darwin') as unknown as FakeNativeImage;
    const win = createTrayImage('fresh', 'win32') as unknown as FakeNativeImage;
    const linux = createTrayImage('fresh', 'linux') as unknown as FakeNativeImage;
    expect(mac.isTemplateImage()).toBe(true);
    expect(win.isTemplateImage()).toBe(false);
    expect(linux.isTemplateImage()).toBe(false);
  });

  it.each<[string, Partial<AppState>, string]>([
    ['fresh', {}, 'Torus Token — token fresh, expires 06:00 (in 9 h)'],
    ['expiring', { status: 'expiring-soon', token: token({ expiresAt: NOW + 25 * 60_000 }) }, 'Torus Token — token expiring soon, expires 21:25 (in 25 min)'],
    ['refreshing', { status: 'refreshing' }, 'Torus Token — refreshing…'],
    ['sign in', { status: 'needs-sign-in', token: null, lastError: failure('Torus refused the request token.', true) }, 'Torus Token — sign in needed'],
    [
      'failed',
      { status: 'failed', token: null, lastError: failure('Could not reach Torus. Check your connection.') },
      'Torus Token — refresh failed: Could not reach Torus',
    ],
    ['several profiles', { profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }, 'Torus Token (Main) — token fresh, expires 06:00 (in 9 h)'],
  ])('tooltip: %s', (_name, over, expected) => {
    expect(trayTooltip(state(over), { now: NOW, timeZone: 'UTC' })).toBe(expected);
  });

  it('keeps the tooltip within the Windows limit and free of the token', () => {
    const text = trayTooltip(
      state({ status: 'failed', token: null, lastError: failure(`${'Very long reason '.repeat(20)}eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl`) }),
      { now: NOW },
    );
    expect(text.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    expect(text).not.toContain('eyJ');
    expect(trayTooltip(state(), { now: NOW })).not.toContain(token().masked);
  });
});

describe('tray controller', () => {
  let controller: TrayController | null = null;
  afterEach(() => controller?.destroy());

  function setup(platform: NodeJS.Platform, actions: TrayActions = recordingActions()) {
    const toggle = vi.fn();
    controller = createTrayController({ actions, popover: { toggle }, platform, now: () => NOW, timeZone: 'UTC', refreshTextEveryMs: 0 });
    const tray = fake.__test.lastTray();
    return { controller, tray, toggle };
  }

  for (const platform of ['darwin', 'win32'] as const) {
    it(`${platform}: left click toggles the popover, right click pops up the menu; no context menu is set`, () => {
      const { controller, tray, toggle } = setup(platform);
      controller.update(state(), true);
      tray.click();
      expect(toggle).toHaveBeenCalledTimes(1);
      expect(tray.poppedUpMenus).toHaveLength(0);
      tray.rightClick();
      expect(toggle).toHaveBeenCalledTimes(1);
      expect(tray.poppedUpMenus).toHaveLength(1);
      const menu = tray.lastPoppedUpMenu!;
      expect(menu.labels()).toContain('Copy token');
      expect(menu.getMenuItemById('start-at-login')!.checked).toBe(true);
      expect(tray.contextMenuHistory).toEqual([]);
      expect(tray.contextMenu).toBeNull();
    });
  }

  it('macOS ignores double-click events so quick clicks all toggle', () => {
    expect(setup('darwin').tray.getIgnoreDoubleClickEvents()).toBe(true);
  });

  it('Linux: the menu is set on the tray (rebuilt on every update); click still toggles', () => {
    const { controller, tray, toggle } = setup('linux');
    controller.update(state(), false);
    expect(tray.contextMenu).not.toBeNull();
    const first = tray.contextMenu!;
    expect(first.labels()).toEqual([
      'Token fresh, expires 06:00 (in 9 h)',
      '---',
      'Copy token',
      'Refresh now',
      'Sign in to Torus…',
      '---',
      'Open',
      'Profiles',
      'Start at login',
      'Settings…',
      '---',
      'Quit',
    ]);
    controller.update(state({ status: 'refreshing' }), false);
    expect(tray.contextMenuHistory).toHaveLength(2);
    expect(tray.contextMenu).not.toBe(first);
    expect(tray.contextMenu!.getMenuItemById('refresh')!.label).toBe('Refreshing…');
    expect(tray.listenerCount('right-click')).toBe(0);
    tray.click();
    expect(toggle).toHaveBeenCalledTimes(1);
    expect(tray.poppedUpMenus).toHaveLength(0);
  });

  it('Linux: every menu item reaches its action through the tray', () => {
    const actions = recordingActions();
    const { controller, tray } = setup('linux', actions);
    controller.update(state({ profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }), false);
    const menu = tray.contextMenu!;
    for (const label of ['Copy token', 'Refresh now', 'Sign in to Torus…', 'Open', 'Paper', 'Start at login', 'Settings…', 'Quit']) menu.clickItem(label);
    expect(actions.calls).toEqual([
      ['copy'],
      ['refresh'],
      ['signIn'],
      ['open', 'token'],
      ['switchProfile', 'paper'],
      ['setStartAtLogin', true],
      ['open', 'settings'],
      ['quit'],
    ]);
  });

  it('changes icon and tooltip with the status', () => {
    const { controller, tray } = setup('darwin');
    const cases: Array<[Partial<AppState>, string, string]> = [
      [{}, 'tray-freshTemplate.png', 'Torus Token — token fresh, expires 06:00 (in 9 h)'],
      [{ status: 'refreshing' }, 'tray-refreshingTemplate.png', 'Torus Token — refreshing…'],
      [
        { status: 'expiring-soon', token: token({ expiresAt: NOW + 10 * 60_000 }) },
        'tray-expiringTemplate.png',
        'Torus Token — token expiring soon, expires 21:10 (in 10 min)',
      ],
      [
        { status: 'failed', token: null, lastError: failure('Torus did not answer in time.') },
        'tray-failedTemplate.png',
        'Torus Token — refresh failed: Torus did not answer in time',
      ],
      [{ status: 'needs-sign-in', token: null, lastError: failure('Refused.', true) }, 'tray-failedTemplate.png', 'Torus Token — sign in needed'],
    ];
    for (const [over, file, tooltip] of cases) {
      controller.update(state(over), false);
      expect(path.basename(tray.imagePath!)).toBe(file);
      expect(asImage(tray.image).isTemplateImage()).toBe(true);
      expect(tray.tooltip).toBe(tooltip);
    }
    expect(controller.iconKey).toBe('failed');
  });

  it('uses .ico images on Windows and PNGs on Linux', () => {
    const win = setup('win32');
    win.controller.update(state({ status: 'stale', token: token({ expiresAt: NOW - 1 }) }), false);
    expect(path.basename(win.tray.imagePath!)).toBe('tray-expiring.ico');
    win.controller.destroy();
    const linux = setup('linux');
    linux.controller.update(state(), false);
    expect(path.basename(linux.tray.imagePath!)).toBe('tray-fresh@2x.png');
  });

  it('shows the real login-item outcome right after the checkbox is used', async () => {
    const actions = recordingActions();
    const view: LoginItemView = { supported: true, enabled: false, note: 'requires approval in System Settings' };
    actions.setStartAtLogin = (enabled) => {
      actions.calls.push(['setStartAtLogin', enabled]);
      return Promise.resolve(view);
    };
    const { controller, tray } = setup('win32', actions);
    controller.update(state(), false);
    tray.rightClick();
    tray.lastPoppedUpMenu!.clickItem('Start at login');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(actions.calls).toEqual([['setStartAtLogin', true]]);
    const item = (controller.menu as unknown as FakeMenu).getMenuItemById('start-at-login')!;
    expect(item.checked).toBe(false);
    expect(item.sublabel).toBe('requires approval in System Settings');
  });

  it('re-renders the relative time when the menu opens', () => {
    let now = NOW;
    const toggle = vi.fn();
    controller = createTrayController({
      actions: recordingActions(),
      popover: { toggle },
      platform: 'darwin',
      now: () => now,
      timeZone: 'UTC',
      refreshTextEveryMs: 0,
    });
    const tray = fake.__test.lastTray();
    controller.update(state(), false);
    now = NOW + 4 * 3_600_000;
    tray.rightClick();
    expect(tray.lastPoppedUpMenu!.items[0]!.label).toBe('Token fresh, expires 06:00 (in 5 h)');
    expect(tray.tooltip).toBe('Torus Token — token fresh, expires 06:00 (in 5 h)');
  });
});

describe('popover window', () => {
  let popover: PopoverWindow | null = null;
  let clock = 10_000;
  let trayBounds = { x: 1200, y: 0, width: 24, height: 24 };
  afterEach(() => popover?.destroy());

  function setup(platform: NodeJS.Platform = 'darwin', extra: { env?: NodeJS.ProcessEnv; isPackaged?: boolean } = {}) {
    clock = 10_000;
    popover = createPopoverWindow({
      getTrayBounds: () => trayBounds,
      platform,
      now: () => clock,
      env: extra.env ?? {},
      ...(extra.isPackaged === undefined ? {} : { isPackaged: extra.isPackaged }),
    });
    return { popover, win: popover.window as unknown as FakeBrowserWindow };
  }

  beforeEach(() => {
    trayBounds = { x: 1200, y: 0, width: 24, height: 24 };
    fake.__test.setDisplays([{ bounds: { x: 0, y: 0, width: 1440, height: 900 }, workArea: { x: 0, y: 25, width: 1440, height: 875 }, scaleFactor: 2 }]);
  });

  it('is a frameless, fixed-size, hidden, on-top, sandboxed window loading our page', () => {
    const { win } = setup();
    expect(win.options).toMatchObject({
      width: POPOVER_SIZE.width,
      height: POPOVER_SIZE.height,
      frame: false,
      resizable: false,
      skipTaskbar: true,
      alwaysOnTop: true,
      show: false,
      fullscreenable: false,
      webPreferences: {
        preload: path.join(REPO, 'dist', 'preload', 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    expect(POPOVER_SIZE).toEqual({ width: 360, height: 480 });
    expect(win.isVisible()).toBe(false);
    expect(win.loadedFile).toBe(path.join(REPO, 'dist', 'renderer', 'index.html'));
    expect(win.webContents.getURL()).toBe(pathToFileURL(path.join(REPO, 'dist', 'renderer', 'index.html')).href);
    expect(win.visibleOnAllWorkspaces).toBe(true);
  });

  it('loads the dev server only in development and only from loopback', () => {
    const env = { TORUS_TOKEN_DEV_SERVER: 'http://localhost:5173/' };
    const dev = setup('linux', { env, isPackaged: false });
    expect(dev.win.loadedUrl).toBe('http://localhost:5173/');
    expect(dev.win.loadedFile).toBeNull();
    dev.popover.destroy();
    expect(rendererLocation(REPO, env, true).kind).toBe('file');
    expect(rendererLocation(REPO, { TORUS_TOKEN_DEV_SERVER: 'https://evil.example/' }, false).kind).toBe('file');
    expect(rendererLocation(REPO, { TORUS_TOKEN_DEV_SERVER: 'not a url' }, false).kind).toBe('file');
  });

  it('toggles, positioned by popoverPosition from the tray bounds, and tells the page it was shown', () => {
    const { popover, win } = setup('darwin');
    popover.toggle();
    expect(win.isVisible()).toBe(true);
    expect(win.isFocused()).toBe(true);
    const expected = popoverPosition({
      trayBounds,
      display: { bounds: { x: 0, y: 0, width: 1440, height: 900 }, workArea: { x: 0, y: 25, width: 1440, height: 875 }, scaleFactor: 2 },
      windowSize: POPOVER_SIZE,
      platform: 'darwin',
    });
    expect(expected).toEqual({ x: 1032, y: 25 });
    expect(win.getBounds()).toEqual({ ...expected, ...POPOVER_SIZE });
    expect(win.webContents.sentOn(ipcName('popover:shown'))).toEqual([[null]]);
    popover.toggle();
    expect(win.isVisible()).toBe(false);
  });

  it('recomputes the position on every show (taskbar moved to another monitor)', () => {
    const { popover, win } = setup('win32');
    fake.__test.setDisplays([
      { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } },
      { bounds: { x: -1920, y: 0, width: 1920, height: 1080 }, workArea: { x: -1920, y: 0, width: 1920, height: 1040 } },
    ]);
    trayBounds = { x: 1700, y: 1040, width: 24, height: 40 };
    popover.show();
    expect(win.getPosition()).toEqual([1532, 560]);
    popover.hide();
    trayBounds = { x: -220, y: 1040, width: 24, height: 40 };
    popover.show();
    expect(win.getPosition()).toEqual([-388, 560]);
    expect(win.getSize()).toEqual([360, 480]);
  });

  it('Linux: zero tray bounds place it by the pointer, on the pointer’s display', () => {
    trayBounds = { x: 0, y: 0, width: 0, height: 0 };
    fake.__test.setDisplays([
      { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 32, width: 1920, height: 1048 } },
      { bounds: { x: 1920, y: 0, width: 2560, height: 1440 }, workArea: { x: 1920, y: 32, width: 2560, height: 1408 } },
    ]);
    fake.__test.setCursor({ x: 4000, y: 12 });
    const { popover, win } = setup('linux');
    popover.show();
    expect(win.getPosition()).toEqual([3820, 32]);
  });

  it('hides on blur; a tray click within 250 ms after that is ignored, a later one shows it', () => {
    const { popover, win } = setup('win32');
    popover.toggle();
    expect(win.isVisible()).toBe(true);
    clock = 20_000;
    win.blur();
    expect(win.isVisible()).toBe(false);
    clock = 20_000 + BLUR_CLICK_GUARD_MS - 1;
    popover.toggle();
    expect(win.isVisible()).toBe(false);
    clock = 20_000 + BLUR_CLICK_GUARD_MS + 1;
    popover.toggle();
    expect(win.isVisible()).toBe(true);
    expect(win.webContents.sentOn(ipcName('popover:shown'))).toHaveLength(2);
  });

  it('an explicit hide (Esc, toggle) does not arm the click guard', () => {
    const { popover, win } = setup('win32');
    popover.show();
    clock = 30_000;
    popover.hide();
    clock = 30_010;
    popover.toggle();
    expect(win.isVisible()).toBe(true);
  });

  it('Escape hides it (before-input-event); other keys do not', () => {
    const { popover, win } = setup();
    popover.show();
    win.webContents.pressKey('a');
    win.webContents.pressKey('Escape', {}, 'keyUp');
    win.webContents.pressKey('Escape', { meta: true });
    expect(win.isVisible()).toBe(true);
    win.webContents.pressKey('Escape');
    expect(win.isVisible()).toBe(false);
  });

  it('denies window.open and navigation away from our page', () => {
    const { win } = setup();
    expect(win.webContents.tryOpenWindow('https://evil.example/')).toEqual({ action: 'deny' });
    expect(win.webContents.navigate('https://evil.example/').prevented).toBe(true);
    const own = pathToFileURL(path.join(REPO, 'dist', 'renderer', 'index.html')).href;
    expect(win.webContents.navigate(`${own}#settings`).prevented).toBe(false);
  });

  it('opens on a view by hash, and re-creates a destroyed window', () => {
    const { popover, win } = setup();
    popover.show({ view: 'settings' });
    expect(win.webContents.getURL()).toMatch(/index\.html#settings$/);
    win.destroy();
    popover.show();
    const again = popover.window as unknown as FakeBrowserWindow;
    expect(again).not.toBe(win);
    expect(again.isVisible()).toBe(true);
    expect(again.webContents.getURL()).toMatch(/index\.html#settings$/);
  });

  it('a tray click on Windows toggles the real popover (tray + popover together)', () => {
    const { popover, win } = setup('win32');
    fake.__test.setDisplays([{ bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }]);
    const tray = createTrayController({ actions: recordingActions(), popover, platform: 'win32', refreshTextEveryMs: 0 });
    const fakeTray = fake.__test.lastTray();
    fakeTray.bounds = { x: 1700, y: 1040, width: 24, height: 40 };
    trayBounds = tray.getBounds();
    fakeTray.click();
    expect(win.isVisible()).toBe(true);
    expect(win.getPosition()).toEqual([1532, 560]);
    // Clicking the icon while open: blur first (hides), then click (ignored: no flicker).
    clock += 1000;
    win.blur();
    clock += 40;
    fakeTray.click();
    expect(win.isVisible()).toBe(false);
    expect(win.showCount).toBe(1);
    tray.destroy();
  });
});

describe('notifications', () => {
  const ctx = (over: Partial<NotificationContext> = {}): NotificationContext => ({ launchedAtLogin: false, now: NOW, timeZone: 'UTC', ...over });
  const refreshing = state({ status: 'refreshing', token: null });
  const newToken = token({ fingerprint: 'ffff0000', issuedAt: NOW - 1000 });
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw';

  interface Row {
    name: string;
    prev: AppState | null;
    next: AppState;
    context: NotificationContext;
    expected: (Pick<NotificationSpec, 'kind' | 'title' | 'body'> & { action?: 'sign-in' }) | null;
  }
  const rows: Row[] = [
    {
      name: 'refreshed at login',
      prev: refreshing,
      next: state({ token: newToken }),
      context: ctx({ launchedAtLogin: true }),
      expected: { kind: 'refreshed-at-login', title: 'Torus token ready', body: "Today's token was refreshed at login. It expires at 06:00 (in 9 h)." },
    },
    { name: 'a refresh at a normal start is no news', prev: refreshing, next: state({ token: newToken }), context: ctx(), expected: null },
    {
      name: 'refreshed at login only once per run',
      prev: refreshing,
      next: state({ token: newToken }),
      context: ctx({ launchedAtLogin: true, loginRefreshNotified: true }),
      expected: null,
    },
    {
      name: 'refresh failed, with the reason',
      prev: refreshing,
      next: state({ status: 'failed', token: null, lastError: failure('Could not reach Torus. Check your connection.') }),
      context: ctx(),
      expected: { kind: 'refresh-failed', title: 'Token refresh failed', body: 'Could not reach Torus.' },
    },
    {
      name: 'refresh failed while the old token still works',
      prev: state({ status: 'refreshing' }),
      next: state({ lastError: failure('Torus is having problems (HTTP 503).') }),
      context: ctx(),
      expected: {
        kind: 'refresh-failed',
        title: 'Token refresh failed',
        body: 'Torus is having problems (HTTP 503). The current token still works until 06:00.',
      },
    },
    {
      name: 'the same failure again (a retry) is not repeated',
      prev: refreshing,
      next: state({ status: 'failed', token: null, lastError: failure('Could not reach Torus.', false, NOW) }),
      context: ctx({ lastFailureKey: 'failed:main:network:Could not reach Torus.' }),
      expected: null,
    },
    {
      name: 'no failure notice while the popover shows it',
      prev: refreshing,
      next: state({ status: 'failed', token: null, lastError: failure('Could not reach Torus.') }),
      context: ctx({ popoverVisible: true }),
      expected: null,
    },
    {
      name: 'sign-in needed',
      prev: refreshing,
      next: state({ status: 'needs-sign-in', token: null, lastError: failure('Torus refused the request token.', true) }),
      context: ctx(),
      expected: {
        kind: 'sign-in-needed',
        title: 'Sign in to Torus',
        body: 'Torus needs a fresh sign-in before it issues a new token. Click to sign in.',
        action: 'sign-in',
      },
    },
    {
      name: 'sign-in needed at a login start (first state)',
      prev: null,
      next: state({ status: 'needs-sign-in', token: null, lastError: failure('Refused.', true) }),
      context: ctx({ launchedAtLogin: true }),
      expected: {
        kind: 'sign-in-needed',
        title: 'Sign in to Torus',
        body: 'Torus needs a fresh sign-in before it issues a new token. Click to sign in.',
        action: 'sign-in',
      },
    },
    {
      name: 'no notice on the first state of a normal start',
      prev: null,
      next: state({ status: 'needs-sign-in', token: null, lastError: failure('Refused.', true) }),
      context: ctx(),
      expected: null,
    },
    {
      name: 'expiring with no silent refresh (request-token mode)',
      prev: state(),
      next: state({ status: 'expiring-soon', token: token({ expiresAt: NOW + 20 * 60_000 }) }),
      context: ctx(),
      expected: {
        kind: 'expiring-no-silent-refresh',
        title: 'Torus token expires soon',
        body: 'The token expires at 21:20 (in 20 min). Renewing it needs a fresh sign-in to Torus. Click to sign in.',
        action: 'sign-in',
      },
    },
    {
      name: 'expiring: once per token',
      prev: state(),
      next: state({ status: 'expiring-soon' }),
      context: ctx({ expiringNotified: new Set(['0a1b2c3d']) }),
      expected: null,
    },
    {
      name: 'expiring in TOTP mode refreshes silently: no notice',
      prev: state(),
      next: state({ status: 'expiring-soon', profiles: [profile('main', 'Main', 'totp')] }),
      context: ctx(),
      expected: null,
    },
    {
      name: 'several profiles: the notice names the profile',
      prev: state({ status: 'refreshing', profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }),
      next: state({ status: 'failed', token: null, profiles: [profile('main', 'Main'), profile('paper', 'Paper')], lastError: failure('Timed out.') }),
      context: ctx(),
      expected: { kind: 'refresh-failed', title: 'Token refresh failed for Main', body: 'Timed out.' },
    },
    {
      name: 'switching profiles is the user’s own act',
      prev: state({ profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }),
      next: state({
        activeProfileId: 'paper',
        status: 'needs-sign-in',
        token: null,
        profiles: [profile('main', 'Main'), profile('paper', 'Paper')],
        lastError: failure('Refused.', true),
      }),
      context: ctx(),
      expected: null,
    },
    {
      name: 'a token-shaped string in an error never reaches the text',
      prev: refreshing,
      next: state({ status: 'failed', token: null, lastError: failure(`Unexpected reply ${jwt}`) }),
      context: ctx(),
      expected: { kind: 'refresh-failed', title: 'Token refresh failed', body: 'Unexpected reply [redacted].' },
    },
  ];

  it.each(rows)('notificationFor: $name', ({ prev, next, context, expected }) => {
    const spec = notificationFor(prev, next, context);
    if (expected === null) {
      expect(spec).toBeNull();
      return;
    }
    expect(spec).toMatchObject(expected);
    if (!expected.action) expect(spec!.action).toBeUndefined();
    const text = `${spec!.title} ${spec!.body}`;
    expect(text).not.toContain('eyJ');
    expect(text).not.toContain(next.token?.masked ?? '\u0000');
    expect(text).not.toContain(next.token?.fingerprint ?? '\u0000');
  });

  it('Notifier shows via Electron, remembers what it said, and a sign-in click opens sign-in', () => {
    const onSignIn = vi.fn();
    const notifier = new Notifier({ launchedAtLogin: true, onSignIn, now: () => NOW, timeZone: 'UTC' });
    expect(notifier.update(refreshing)).toBeNull();
    expect(notifier.update(state({ token: newToken }))?.kind).toBe('refreshed-at-login');
    expect(fake.__test.notifications.map((n) => n.title)).toEqual(['Torus token ready']);
    // Not again for the next new token.
    notifier.update(state({ status: 'refreshing', token: newToken }));
    expect(notifier.update(state({ token: token({ fingerprint: '12345678', issuedAt: NOW }) }))).toBeNull();

    // Clicking a notification without an action does nothing.
    fake.__test.lastNotification().click();
    expect(onSignIn).not.toHaveBeenCalled();

    const refused = state({ status: 'needs-sign-in', token: null, lastError: failure('Torus refused the request token.', true) });
    expect(notifier.update(refused)?.kind).toBe('sign-in-needed');
    // The same state again (e.g. a re-publish) is not repeated.
    expect(notifier.update({ ...refused, lastError: failure('Torus refused the request token.', true, NOW + 5) })).toBeNull();
    fake.__test.lastNotification().click();
    expect(onSignIn).toHaveBeenCalledTimes(1);

    // Expiring once per token fingerprint.
    notifier.update(state());
    const expiring = state({ status: 'expiring-soon', token: token({ expiresAt: NOW + 20 * 60_000 }) });
    expect(notifier.update(expiring)?.kind).toBe('expiring-no-silent-refresh');
    expect(notifier.update(state({ ...expiring, nextRefreshAt: NOW + 1 }))).toBeNull();
    fake.__test.lastNotification().click();
    expect(onSignIn).toHaveBeenCalledTimes(2);

    expect(fake.__test.notifications).toHaveLength(3);
    for (const shown of fake.__test.notifications) expect(`${shown.title} ${shown.body}`).not.toMatch(/eyJ|0a1b2c3d/);
  });

  it('Notifier does not repeat a failure while retries keep failing, but does after a success', () => {
    const notifier = new Notifier({ launchedAtLogin: false, onSignIn: () => {}, now: () => NOW });
    const failed = (at: number) => state({ status: 'failed', token: null, lastError: failure('Could not reach Torus.', false, at) });
    notifier.update(refreshing);
    expect(notifier.update(failed(NOW))?.kind).toBe('refresh-failed');
    notifier.update(refreshing);
    expect(notifier.update(failed(NOW + 1))).toBeNull();
    notifier.update(state());
    notifier.update(state({ status: 'refreshing' }));
    expect(notifier.update(failed(NOW + 2))?.kind).toBe('refresh-failed');
  });

  it('Notifier decides but shows nothing where notifications are unsupported', () => {
    fake.__test.world.notificationsSupported = false;
    const notifier = new Notifier({ launchedAtLogin: false, onSignIn: () => {}, now: () => NOW });
    notifier.update(refreshing);
    expect(notifier.update(state({ status: 'failed', token: null, lastError: failure('Timed out.') }))?.kind).toBe('refresh-failed');
    expect(fake.__test.notifications).toHaveLength(0);
  });
});
