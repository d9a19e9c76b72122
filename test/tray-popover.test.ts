// Electron glue for the tray and the popover, run against the fake `electron`.
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppState, LoginItemView, ProfileView, TokenStatus, TokenView } from '../preload/contract.js';
import type { FakeBrowserWindow, FakeMenu, FakeNativeImage, FakeTray } from './helpers/fake-electron.js';
import { mostUrgent } from '../main/core/domain/token-status.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

import { createTrayController, type TrayController } from '../main/tray.js';
import { createTrayImage, trayIconKey, trayIconPath, trayTooltip, TRAY_ICON_KEYS, TOOLTIP_MAX } from '../main/tray-icons.js';
import { createPopoverWindow, BLUR_CLICK_GUARD_MS, POPOVER_BACKGROUND, POPOVER_SIZE, rendererLocation, type PopoverWindow } from '../main/popover-window.js';
import { handleAppScheme } from '../main/app-protocol.js';
import { popoverPosition } from '../main/popover-position.js';
import type { TrayActions } from '../main/tray-menu.js';
import { ipcName } from '../preload/contract.js';

const NOW = Date.UTC(2025, 5, 10, 21, 0);
const CUTOFF = Date.UTC(2025, 5, 11, 6, 0);
const REPO = fake.app.getAppPath();
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

function token(over: Partial<TokenView> = {}): TokenView {
  return {
    masked: 'eyJh…Q123',
    fingerprint: '0a1b2c3d',
    issuedAt: NOW - 3_600_000,
    expiresAt: CUTOFF,
    expirySource: 'daily-cutoff',
    source: 'request-token',
    ...over,
  };
}

function profile(id: string, name: string, over: Partial<ProfileView> = {}): ProfileView {
  return {
    id,
    name,
    mode: 'request-token',
    baseUrl: 'https://api.example.test',
    totpBaseUrl: 'https://totp.example.test',
    exportFilePath: null,
    exportHookCommand: null,
    readyBy: '08:45',
    signInAtReadyBy: false,
    redirectOrigin: null,
    credentials: {
      apiKey: { saved: true, lastFour: 'abcd' },
      apiSecret: { saved: true },
      requestToken: { saved: true },
      totpSecret: { saved: false },
    },
    status: 'fresh',
    token: token(),
    lastError: null,
    refused: false,
    exportProblem: null,
    nextRefreshAt: null,
    ...over,
  };
}

/** The app state as the view builds it: `status` is the most urgent over the profiles. */
function state(profiles: ProfileView[] = [profile('main', 'Main')], over: Partial<AppState> = {}): AppState {
  return {
    activeProfileId: profiles[0]?.id ?? null,
    profiles,
    status: mostUrgent(profiles.map((p) => p.status)),
    warnings: [],
    platform: 'linux',
    ...over,
  };
}
/** One profile, "Main", in the given situation. */
const main = (over: Partial<ProfileView> = {}): AppState => state([profile('main', 'Main', over)]);

const failure = (message: string, needsSignIn = false, at = NOW - 1000): ProfileView['lastError'] => ({
  kind: needsSignIn ? 'rejected' : 'network',
  message,
  needsSignIn,
  at,
});

function recordingActions(): TrayActions & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    copy: (id) => void calls.push(['copy', id]),
    refresh: (id) => void calls.push(['refresh', id]),
    signIn: (id) => void calls.push(['signIn', id]),
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

  it('says so in the log when an icon file is missing (createFromPath gives an empty image, silently, as in Electron)', () => {
    const log = vi.fn<(line: string) => void>();
    const found = createTrayImage('fresh', 'linux', REPO, log) as unknown as FakeNativeImage;
    expect(found.isEmpty()).toBe(false);
    expect(found.getSize()).toEqual({ width: 32, height: 32 });
    expect(log).not.toHaveBeenCalled();
    const image = createTrayImage('failed', 'linux', '/nowhere', log) as unknown as FakeNativeImage;
    expect(image.isEmpty()).toBe(true);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain('tray-failed@2x.png');
    expect(log.mock.calls[0]![0]).toMatch(/missing|unreadable/);
  });

  it('an empty or undecodable icon file is an empty image too, and reported', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'torus-tray-icons-'));
    try {
      mkdirSync(path.join(dir, 'assets', 'tray'), { recursive: true });
      writeFileSync(path.join(dir, 'assets', 'tray', 'tray-fresh@2x.png'), '');
      writeFileSync(path.join(dir, 'assets', 'tray', 'tray-failed@2x.png'), 'not a png');
      const log = vi.fn<(line: string) => void>();
      expect((createTrayImage('fresh', 'linux', dir, log) as unknown as FakeNativeImage).isEmpty()).toBe(true);
      expect((createTrayImage('failed', 'linux', dir, log) as unknown as FakeNativeImage).isEmpty()).toBe(true);
      expect(log).toHaveBeenCalledTimes(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the tray controller passes its log on: a missing icon is reported at start and on a change of icon', () => {
    const log = vi.fn<(line: string) => void>();
    const controller = createTrayController({ actions: recordingActions(), popover: { toggle: () => {} }, platform: 'win32', appPath: '/nowhere', log });
    expect(log.mock.calls.map((c) => c[0])).toEqual([expect.stringContaining('tray-refreshing.ico')]);
    controller.update(main(), false);
    expect(log.mock.calls.map((c) => c[0])).toEqual([expect.stringContaining('tray-refreshing.ico'), expect.stringContaining('tray-fresh.ico')]);
    controller.destroy();
  });

  it.each<[string, AppState, string]>([
    ['no profile', state([], { activeProfileId: null }), 'Torus Token — not set up yet'],
    ['fresh', main(), 'Torus Token — token fresh until 06:00'],
    ['expiring', main({ status: 'expiring-soon', token: token({ expiresAt: NOW + 25 * 60_000 }) }), 'Torus Token — token expiring at 21:25'],
    ['stale', main({ status: 'stale', token: token({ expiresAt: NOW - 60_000 }) }), 'Torus Token — token expired at 20:59'],
    ['refreshing', main({ status: 'refreshing' }), 'Torus Token — refreshing…'],
    ['sign in', main({ status: 'needs-sign-in', token: null, lastError: failure('Torus refused the request token.', true) }), 'Torus Token — sign-in needed'],
    [
      'failed',
      main({ status: 'failed', token: null, lastError: failure('Could not reach Torus. Check your connection.') }),
      'Torus Token — refresh failed: Could not reach Torus',
    ],
  ])('tooltip, one profile: %s', (_name, s, expected) => {
    expect(trayTooltip(s, { timeZone: 'UTC' })).toBe(expected);
  });

  it('tooltip, several profiles: one line each, most urgent first', () => {
    const s = state([
      profile('main', 'Main'),
      profile('algo', 'Algo', { mode: 'totp', status: 'expiring-soon', token: token({ expiresAt: NOW + 10 * 60_000 }) }),
      profile('paper', 'Paper', { status: 'needs-sign-in', token: null, lastError: failure('Refused.', true) }),
      profile('demo', 'Demo', { status: 'stale', token: token({ expiresAt: NOW - 60_000 }) }),
    ]);
    expect(trayTooltip(s, { timeZone: 'UTC' }).split('\n')).toEqual([
      'Torus Token',
      'Paper: sign-in needed',
      'Demo: token expired at 20:59',
      'Algo: token expiring at 21:10',
      'Main: token fresh until 06:00',
    ]);
  });

  it('keeps the tooltip within the Windows limit: the least urgent profiles give way to "+N more"', () => {
    const s = state([
      profile('a', 'Long-term investments account', { status: 'fresh' }),
      profile('b', 'Intraday futures and options desk', { status: 'failed', token: null, lastError: failure('Torus did not answer in time.') }),
      profile('c', 'Paper trading sandbox profile', { status: 'stale', token: token({ expiresAt: NOW - 60_000 }) }),
      profile('d', 'Algorithmic strategies (TOTP)', { mode: 'totp', status: 'refreshing' }),
    ]);
    const text = trayTooltip(s, { timeZone: 'UTC' });
    expect(text.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Torus Token');
    // Whole lines, the most urgent first, the rest counted.
    expect(lines[1]).toBe('Intraday futures and options desk: refresh failed: Torus did not answer in time');
    expect(lines.at(-1)).toMatch(/^\+\d more$/);
    const shownProfiles = lines.length - 2;
    expect(lines.at(-1)).toBe(`+${4 - shownProfiles} more`);
  });

  it('never puts a token in the tooltip, and clips even one very long line', () => {
    const long = trayTooltip(main({ status: 'failed', token: null, lastError: failure(`${'Very long reason '.repeat(20)}${JWT}`) }), {});
    expect(long.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    expect(long).not.toContain('eyJ');
    const named = trayTooltip(state([profile('x', `${'N'.repeat(200)}😀`), profile('y', 'Y', { status: 'stale', token: token({ expiresAt: NOW - 1 }) })]), {});
    expect(named.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    expect(named.split('\n')[1]).toMatch(/^Y: token expired at/);
    const jwtError = trayTooltip(
      state([
        profile('a', 'A', { status: 'failed', token: null, lastError: failure(`Bad reply ${JWT}`) }),
        profile('b', 'B', { token: token({ masked: 'abcd…wxyz' }) }),
      ]),
      {},
    );
    expect(jwtError).not.toContain('eyJ');
    expect(jwtError).not.toContain('abcd…wxyz');
    expect(jwtError).not.toContain('0a1b2c3d');
  });
});

describe('tray controller', () => {
  let controller: TrayController | null = null;
  afterEach(() => {
    controller?.destroy();
    controller = null;
    vi.useRealTimers();
  });

  function setup(platform: NodeJS.Platform, actions: TrayActions = recordingActions(), extra: { onLook?: () => void; log?: (line: string) => void } = {}) {
    const toggle = vi.fn();
    controller = createTrayController({ actions, popover: { toggle }, platform, timeZone: 'UTC', ...extra });
    const tray = fake.__test.lastTray();
    return { controller, tray, toggle };
  }

  for (const platform of ['darwin', 'win32'] as const) {
    it(`${platform}: left click toggles the popover, right click pops up the menu; no context menu is set`, () => {
      const { controller, tray, toggle } = setup(platform);
      controller.update(main(), true);
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

    it(`${platform}: a click and a right click first let the app look at the clock (onLook), then act`, () => {
      const order: string[] = [];
      const { controller, tray, toggle } = setup(platform, recordingActions(), { onLook: () => order.push('look') });
      toggle.mockImplementation(() => order.push('toggle'));
      controller.update(main(), false);
      tray.click();
      expect(order).toEqual(['look', 'toggle']);
      tray.rightClick();
      expect(order).toEqual(['look', 'toggle', 'look']);
      expect(tray.poppedUpMenus).toHaveLength(1);
    });
  }

  it('a failing onLook never costs the click its popover or menu', () => {
    const log = vi.fn<(line: string) => void>();
    const { controller, tray, toggle } = setup('win32', recordingActions(), {
      onLook: () => {
        throw new Error('settings unreadable');
      },
      log,
    });
    controller.update(main(), false);
    tray.click();
    tray.rightClick();
    expect(toggle).toHaveBeenCalledTimes(1);
    expect(tray.poppedUpMenus).toHaveLength(1);
    expect(log).toHaveBeenCalledWith('tray: the look hook failed');
  });

  it('macOS ignores double-click events so quick clicks all toggle', () => {
    expect(setup('darwin').tray.getIgnoreDoubleClickEvents()).toBe(true);
  });

  it('Linux: the menu is set on the tray on each update that changes it; click (where delivered) still toggles', () => {
    const { controller, tray, toggle } = setup('linux');
    controller.update(main(), false);
    expect(tray.contextMenu).not.toBeNull();
    const first = tray.contextMenu!;
    expect(first.labels()).toEqual([
      'Token fresh until 06:00',
      '---',
      'Copy token',
      'Refresh now',
      'Sign in to Torus…',
      '---',
      'Open',
      'Manage profiles…',
      'Start at login',
      'Settings…',
      '---',
      'Quit',
    ]);
    controller.update(main({ status: 'refreshing' }), false);
    expect(tray.contextMenuHistory).toHaveLength(2);
    expect(tray.contextMenu).not.toBe(first);
    expect(tray.contextMenu!.getMenuItemById('refresh')!.label).toBe('Refreshing…');
    expect(tray.listenerCount('right-click')).toBe(0);
    tray.click();
    expect(toggle).toHaveBeenCalledTimes(1);
    expect(tray.poppedUpMenus).toHaveLength(0);
  });

  it('Linux: a re-published state that changes nothing keeps the menu (replacing it would close an open menu)', () => {
    const { controller, tray } = setup('linux');
    controller.update(main({ nextRefreshAt: NOW + 1000 }), false);
    const set = tray.contextMenu;
    // The same state again, as a new object; and a change the menu does not show.
    controller.update(main({ nextRefreshAt: NOW + 1000 }), false);
    controller.update(main({ nextRefreshAt: NOW + 9000, lastError: failure('Torus did not answer in time.') }), {
      supported: true,
      enabled: false,
      note: null,
    });
    expect(tray.contextMenuHistory).toEqual([set]);
    expect(tray.contextMenu).toBe(set);
    // A change it does show replaces it.
    controller.update(main(), true);
    expect(tray.contextMenuHistory).toHaveLength(2);
    expect(tray.contextMenu!.getMenuItemById('start-at-login')!.checked).toBe(true);
  });

  it('creating and updating the tray arms no timer, and nothing re-renders by itself', () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
    const { controller, tray } = setup('linux');
    expect(vi.getTimerCount()).toBe(0);
    controller.update(
      state([profile('main', 'Main'), profile('paper', 'Paper', { status: 'expiring-soon', token: token({ expiresAt: NOW + 600_000 }) })]),
      false,
    );
    expect(vi.getTimerCount()).toBe(0);
    const menus = tray.contextMenuHistory.length;
    const tooltips = tray.tooltipHistory.length;
    const images = tray.imageHistory.length;
    vi.advanceTimersByTime(3 * 3_600_000);
    expect(tray.contextMenuHistory).toHaveLength(menus);
    expect(tray.tooltipHistory).toHaveLength(tooltips);
    expect(tray.imageHistory).toHaveLength(images);
    expect(menus).toBe(1);
    controller.destroy();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('Linux: every profile’s actions reach the app through the tray menu, each for its own profile', () => {
    const actions = recordingActions();
    const { controller, tray } = setup('linux', actions);
    controller.update(state([profile('main', 'Main'), profile('paper', 'Paper', { status: 'stale', token: token({ expiresAt: NOW - 60_000 }) })]), false);
    const menu = tray.contextMenu!;
    expect(menu.labels().slice(0, 2)).toEqual(['Main — token fresh until 06:00', 'Paper — token expired at 20:59']);
    for (const id of ['copy-token:paper', 'refresh:main', 'sign-in:paper', 'show:paper']) expect(menu.getMenuItemById(id)!.click(), id).toBe(true);
    for (const label of ['Open', 'Manage profiles…', 'Start at login', 'Settings…', 'Quit']) menu.clickItem(label);
    expect(actions.calls).toEqual([
      ['copy', 'paper'],
      ['refresh', 'main'],
      ['signIn', 'paper'],
      ['switchProfile', 'paper'],
      ['open', 'token'],
      ['open', 'settings'],
      ['setStartAtLogin', true],
      ['open', 'settings'],
      ['quit'],
    ]);
  });

  it('the icon shows the most urgent status over all profiles; the tooltip lists them all', () => {
    const { controller, tray } = setup('linux');
    const ok = profile('main', 'Main');
    const signIn = profile('paper', 'Paper', { status: 'needs-sign-in', token: null, lastError: failure('Refused.', true) });
    const expiring = profile('algo', 'Algo', { status: 'expiring-soon', token: token({ expiresAt: NOW + 600_000 }) });
    controller.update(state([ok, expiring]), false);
    expect(path.basename(tray.imagePath!)).toBe('tray-expiring@2x.png');
    controller.update(state([ok, expiring, signIn], { activeProfileId: 'main' }), false);
    expect(path.basename(tray.imagePath!)).toBe('tray-failed@2x.png');
    expect(controller.iconKey).toBe('failed');
    expect(tray.tooltip).toBe('Torus Token\nPaper: sign-in needed\nAlgo: token expiring at 21:10\nMain: token fresh until 06:00');
    controller.update(state([ok, { ...expiring, status: 'fresh' }]), false);
    expect(path.basename(tray.imagePath!)).toBe('tray-fresh@2x.png');
  });

  it('changes icon and tooltip with the status', () => {
    const { controller, tray } = setup('darwin');
    const cases: Array<[AppState, string, string]> = [
      [main(), 'tray-freshTemplate.png', 'Torus Token — token fresh until 06:00'],
      [main({ status: 'refreshing' }), 'tray-refreshingTemplate.png', 'Torus Token — refreshing…'],
      [main({ status: 'expiring-soon', token: token({ expiresAt: NOW + 10 * 60_000 }) }), 'tray-expiringTemplate.png', 'Torus Token — token expiring at 21:10'],
      [
        main({ status: 'failed', token: null, lastError: failure('Torus did not answer in time.') }),
        'tray-failedTemplate.png',
        'Torus Token — refresh failed: Torus did not answer in time',
      ],
      [main({ status: 'needs-sign-in', token: null, lastError: failure('Refused.', true) }), 'tray-failedTemplate.png', 'Torus Token — sign-in needed'],
    ];
    for (const [s, file, tooltip] of cases) {
      controller.update(s, false);
      expect(path.basename(tray.imagePath!)).toBe(file);
      expect(asImage(tray.image).isTemplateImage()).toBe(true);
      expect(tray.tooltip).toBe(tooltip);
    }
    expect(controller.iconKey).toBe('failed');
  });

  it('uses .ico images on Windows and PNGs on Linux', () => {
    const win = setup('win32');
    win.controller.update(main({ status: 'stale', token: token({ expiresAt: NOW - 1 }) }), false);
    expect(path.basename(win.tray.imagePath!)).toBe('tray-expiring.ico');
    win.controller.destroy();
    const linux = setup('linux');
    linux.controller.update(main(), false);
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
    controller.update(main(), false);
    tray.rightClick();
    tray.lastPoppedUpMenu!.clickItem('Start at login');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(actions.calls).toEqual([['setStartAtLogin', true]]);
    const item = (controller.menu as unknown as FakeMenu).getMenuItemById('start-at-login')!;
    expect(item.checked).toBe(false);
    expect(item.sublabel).toBe('requires approval in System Settings');
  });

  it('Linux: when turning on start at login fails, the menu set on the tray shows it off again', async () => {
    const actions = recordingActions();
    actions.setStartAtLogin = (enabled) => {
      actions.calls.push(['setStartAtLogin', enabled]);
      return Promise.resolve(false);
    };
    const { controller, tray } = setup('linux', actions);
    controller.update(main(), false);
    tray.contextMenu!.clickItem('Start at login');
    // Electron ticked the item before the click ran…
    expect(tray.contextMenu!.getMenuItemById('start-at-login')!.checked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // …and the real outcome (still off) replaces it, although the state looks unchanged.
    expect(actions.calls).toEqual([['setStartAtLogin', true]]);
    expect(tray.contextMenuHistory).toHaveLength(2);
    expect(tray.contextMenu!.getMenuItemById('start-at-login')!.checked).toBe(false);
  });

  it('Linux: choosing another profile to show, which then fails, does not leave two profiles ticked', () => {
    const actions = recordingActions();
    const { controller, tray } = setup('linux', actions);
    const s = state([profile('main', 'Main'), profile('paper', 'Paper')]);
    controller.update(s, false);
    tray.contextMenu!.getMenuItemById('show:paper')!.click();
    expect(actions.calls).toEqual([['switchProfile', 'paper']]);
    // The switch failed; the app re-publishes the same state (with a warning).
    controller.update({ ...s, warnings: ['Switch profile: the settings file is locked.'] }, false);
    const menu = tray.contextMenu!;
    expect([menu.getMenuItemById('show:main')!.checked, menu.getMenuItemById('show:paper')!.checked]).toEqual([true, false]);
  });

  it('after destroy, updates are ignored and bounds read as zero', () => {
    const { controller, tray } = setup('win32');
    controller.update(main(), false);
    controller.destroy();
    expect(tray.isDestroyed()).toBe(true);
    const tooltips = tray.tooltipHistory.length;
    controller.update(main({ status: 'failed', token: null }), false);
    expect(tray.tooltipHistory).toHaveLength(tooltips);
    expect(controller.getBounds()).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });
});

describe('popover window', () => {
  let popover: PopoverWindow | null = null;
  let clock = 10_000;
  let trayBounds = { x: 1200, y: 0, width: 24, height: 24 };
  let log: string[] = [];
  afterEach(() => popover?.destroy());

  /** A popover whose page has loaded and painted (ready-to-show), as after start-up. */
  async function setup(
    platform: NodeJS.Platform = 'darwin',
    extra: { env?: NodeJS.ProcessEnv; isPackaged?: boolean; paintWaitMs?: number; wait?: boolean } = {},
  ) {
    clock = 10_000;
    popover = createPopoverWindow({
      getTrayBounds: () => trayBounds,
      platform,
      now: () => clock,
      env: extra.env ?? {},
      log: (line) => log.push(line),
      ...(extra.paintWaitMs === undefined ? {} : { paintWaitMs: extra.paintWaitMs }),
      ...(extra.isPackaged === undefined ? {} : { isPackaged: extra.isPackaged }),
    });
    const win = popover.window as unknown as FakeBrowserWindow;
    if (extra.wait !== false) await painted(win);
    return { popover, win };
  }
  const painted = (win: FakeBrowserWindow) => vi.waitFor(() => expect(win.readyToShow).toBe(true));

  beforeEach(() => {
    log = [];
    trayBounds = { x: 1200, y: 0, width: 24, height: 24 };
    fake.__test.setDisplays([{ bounds: { x: 0, y: 0, width: 1440, height: 900 }, workArea: { x: 0, y: 25, width: 1440, height: 875 }, scaleFactor: 2 }]);
    handleAppScheme(fake.protocol as never, { root: path.join(REPO, 'dist', 'renderer') });
  });

  it('is a frameless, fixed-size, hidden, on-top, sandboxed window loading our page from the app scheme', async () => {
    const { win } = await setup();
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
        devTools: true,
      },
    });
    expect(POPOVER_SIZE).toEqual({ width: 360, height: 480 });
    expect(win.isVisible()).toBe(false);
    expect(win.loadedUrl).toBe('torus-token://popover/index.html');
    expect(win.loadedFile).toBeNull();
    expect(win.webContents.getURL()).toBe('torus-token://popover/index.html');
    expect(win.visibleOnAllWorkspaces).toBe(true);
  });

  it('packaged: no DevTools', async () => {
    const { win } = await setup('linux', { isPackaged: true });
    expect(win.options.webPreferences?.devTools).toBe(false);
    win.webContents.openDevTools();
    expect(win.webContents.isDevToolsOpened()).toBe(false);
  });

  it('loads the dev server only in development and only from loopback', async () => {
    const env = { TORUS_TOKEN_DEV_SERVER: 'http://localhost:5173/' };
    const dev = await setup('linux', { env, isPackaged: false });
    expect(dev.win.loadedUrl).toBe('http://localhost:5173/');
    dev.popover.destroy();
    expect(rendererLocation(REPO, env, true).kind).toBe('app');
    expect(rendererLocation(REPO, { TORUS_TOKEN_DEV_SERVER: 'https://evil.example/' }, false).kind).toBe('app');
    expect(rendererLocation(REPO, { TORUS_TOKEN_DEV_SERVER: 'not a url' }, false).kind).toBe('app');
    expect(rendererLocation(REPO, {}, false)).toEqual({ kind: 'app', url: 'torus-token://popover/index.html', root: path.join(REPO, 'dist', 'renderer') });
  });

  it('is shown only after its first paint (ready-to-show), on the page’s own background: no white flash', async () => {
    fake.__test.world.darkMode = true;
    const { popover, win } = await setup('linux', { wait: false });
    expect(win.getBackgroundColor()).toBe(POPOVER_BACKGROUND.dark);
    popover.show();
    expect(win.isVisible()).toBe(false);
    await painted(win);
    expect(win.isVisible()).toBe(true);
    expect(win.isFocused()).toBe(true);
    expect(win.flashedWhite).toBe(false);
    expect(win.webContents.sentOn(ipcName('popover:shown'))).toEqual([[null]]);
    // The theme changes: so does the colour behind the page.
    fake.__test.world.darkMode = false;
    fake.nativeTheme.emit('updated');
    expect(win.getBackgroundColor()).toBe(POPOVER_BACKGROUND.light);
  });

  it('a tray click while it waits for its first paint cancels the show', async () => {
    const { popover, win } = await setup('linux', { wait: false });
    popover.toggle();
    popover.toggle();
    await painted(win);
    expect(win.isVisible()).toBe(false);
  });

  it('a page that never paints is shown anyway after a while, and says so', async () => {
    fake.__test.reset();
    fake.protocol.handle('torus-token', () => new Promise<Response>(() => undefined));
    const { popover, win } = await setup('linux', { wait: false, paintWaitMs: 30 });
    popover.show();
    expect(win.isVisible()).toBe(false);
    await vi.waitFor(() => expect(win.isVisible()).toBe(true));
    expect(log).toContain('popover: the page has not painted yet; showing it anyway');
  });

  it('uses the same background colours as the page (renderer/src/app.css --bg, light and dark)', () => {
    const css = readFileSync(path.join(REPO, 'renderer', 'src', 'app.css'), 'utf8');
    const bgs = [...css.matchAll(/--bg:\s*(#[0-9a-f]{3,8})\s*;/gi)].map((m) => m[1]!.toLowerCase());
    expect(bgs.slice(0, 2)).toEqual([POPOVER_BACKGROUND.light, POPOVER_BACKGROUND.dark]);
  });

  it('toggles, positioned by popoverPosition from the tray bounds, and tells the page it was shown', async () => {
    const { popover, win } = await setup('darwin');
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

  it('asks for the focus itself (show() alone may not give it), so a click elsewhere hides it', async () => {
    expect(fake.__test.world.showFocuses).toBe(false);
    const { popover, win } = await setup('linux');
    popover.show();
    expect(win.isFocused()).toBe(true);
    win.blur();
    expect(win.isVisible()).toBe(false);
  });

  it('recomputes the position on every show (taskbar moved to another monitor)', async () => {
    const { popover, win } = await setup('win32');
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

  it('Linux: zero tray bounds place it by the pointer, on the pointer’s display', async () => {
    trayBounds = { x: 0, y: 0, width: 0, height: 0 };
    fake.__test.setDisplays([
      { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 32, width: 1920, height: 1048 } },
      { bounds: { x: 1920, y: 0, width: 2560, height: 1440 }, workArea: { x: 1920, y: 32, width: 2560, height: 1408 } },
    ]);
    fake.__test.setCursor({ x: 4000, y: 12 });
    const { popover, win } = await setup('linux');
    popover.show();
    expect(win.getPosition()).toEqual([3820, 32]);
  });

  it('Wayland: no tray bounds and no pointer position (Electron answers 0,0): the top-right corner of the primary work area', async () => {
    trayBounds = { x: 0, y: 0, width: 0, height: 0 };
    fake.__test.setDisplays([
      { bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 32, width: 1920, height: 1048 } },
      { bounds: { x: 1920, y: 0, width: 2560, height: 1440 }, workArea: { x: 1920, y: 32, width: 2560, height: 1408 } },
    ]);
    fake.__test.setCursor(null);
    const { popover, win } = await setup('linux');
    popover.show();
    expect(win.getPosition()).toEqual([1920 - 360 - 8, 32 + 8]);
    // A pointer position outside every display is no better.
    popover.hide();
    fake.__test.setCursor({ x: -5000, y: -5000 });
    popover.show();
    expect(win.getPosition()).toEqual([1920 - 360 - 8, 32 + 8]);
  });

  it('hides on blur; a tray click within 250 ms after that is ignored, a later one shows it', async () => {
    const { popover, win } = await setup('win32');
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

  it('an explicit hide (Esc, toggle) does not arm the click guard', async () => {
    const { popover, win } = await setup('win32');
    popover.show();
    clock = 30_000;
    popover.hide();
    clock = 30_010;
    popover.toggle();
    expect(win.isVisible()).toBe(true);
  });

  it('Escape is left to the page (it closes a dialog, or asks before unsaved text is lost): main does not hide on it', async () => {
    const { popover, win } = await setup();
    popover.show();
    win.webContents.pressKey('Escape');
    expect(win.isVisible()).toBe(true);
    popover.hide(); // what the page's hidePopover request does
    expect(win.isVisible()).toBe(false);
  });

  it('denies window.open and navigation away from our page', async () => {
    const { win } = await setup();
    expect(win.webContents.tryOpenWindow('https://evil.example/')).toEqual({ action: 'deny' });
    expect(win.webContents.navigate('https://evil.example/').prevented).toBe(true);
    expect(win.webContents.navigate(pathToFileURL(path.join(REPO, 'dist', 'renderer', 'index.html')).href).prevented).toBe(true);
    expect(win.webContents.navigate('torus-token://popover/index.html#settings').prevented).toBe(false);
  });

  it('opens on a view by hash, and re-creates a destroyed window', async () => {
    const { popover, win } = await setup();
    popover.show({ view: 'settings' });
    expect(win.webContents.getURL()).toBe('torus-token://popover/index.html#settings');
    win.destroy();
    popover.show();
    const again = popover.window as unknown as FakeBrowserWindow;
    expect(again).not.toBe(win);
    await vi.waitFor(() => expect(again.isVisible()).toBe(true));
    expect(again.webContents.getURL()).toBe('torus-token://popover/index.html#settings');
  });

  it('a crashed renderer (render-process-gone) is logged, and the popover re-created and shown again', async () => {
    const { popover, win } = await setup('linux');
    popover.show();
    win.webContents.crash('crashed', 139);
    expect(log).toContain('popover: its renderer process is gone (crashed, exit code 139); re-creating it');
    await vi.waitFor(() => expect(win.isDestroyed()).toBe(true));
    const again = popover.window as unknown as FakeBrowserWindow;
    expect(again).not.toBe(win);
    await vi.waitFor(() => expect(again.isVisible()).toBe(true));
    expect(again.webContents.isCrashed()).toBe(false);
  });

  it('a crash loop is not chased: after 3 crashes within a minute it waits for the next show', async () => {
    const { popover } = await setup('linux');
    for (let i = 0; i < 4; i++) {
      const current = popover.window as unknown as FakeBrowserWindow;
      current.webContents.crash('crashed');
      await vi.waitFor(() => expect(current.isDestroyed()).toBe(true));
    }
    expect(log.at(-1)).toMatch(/4 renderer crashes within a minute/);
    expect(fake.__test.windows).toHaveLength(0);
    popover.show();
    await vi.waitFor(() => expect(popover.isVisible()).toBe(true));
  });

  it('a tray click on Windows toggles the real popover (tray + popover together)', async () => {
    const { popover, win } = await setup('win32');
    fake.__test.setDisplays([{ bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }]);
    const tray = createTrayController({ actions: recordingActions(), popover, platform: 'win32' });
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

  it('a native dialog takes the focus: without a pause, the blur hides the popover (what the pause is for)', async () => {
    const { popover, win } = await setup('win32');
    popover.show();
    fake.__test.world.dialogResponse = 'manual';
    const answer = fake.dialog.showMessageBox(win as never, { message: 'Allow?', buttons: ['Allow', 'Cancel'] });
    expect(win.isVisible()).toBe(false);
    fake.__test.openDialogs[0]!.answer(1);
    await expect(answer).resolves.toEqual({ response: 1, checkboxChecked: false });
  });

  it('while a native dialog of ours is open, the blur it causes does not hide the popover', async () => {
    const { popover, win } = await setup('win32');
    popover.show();
    clock = 40_000;
    fake.__test.world.dialogResponse = 'manual';
    const resume = popover.suspendBlurHide();
    const answer = fake.dialog.showMessageBox(win as never, { message: 'Allow?', buttons: ['Allow', 'Cancel'] });
    expect(win.isFocused()).toBe(false);
    expect(win.isVisible()).toBe(true);
    fake.__test.openDialogs[0]!.answer(0);
    await answer;
    resume();
    // Closing the dialog gives the focus back to its parent, the popover.
    expect(win.isFocused()).toBe(true);
    // The dialog's blur did not arm the click guard: a tray click right away closes the popover.
    clock = 40_010;
    popover.toggle();
    expect(win.isVisible()).toBe(false);
    // Resumed: a blur hides it again.
    popover.show();
    win.blur();
    expect(win.isVisible()).toBe(false);
  });

  it('resuming is idempotent, and blur-hiding resumes only when every open dialog has closed', async () => {
    const { popover, win } = await setup('darwin');
    popover.show();
    const first = popover.suspendBlurHide();
    const second = popover.suspendBlurHide();
    first();
    first();
    win.blur();
    expect(win.isVisible()).toBe(true);
    second();
    win.focus();
    win.blur();
    expect(win.isVisible()).toBe(false);
    // Extra resumes do not make later suspensions ineffective.
    second();
    first();
    popover.show();
    const third = popover.suspendBlurHide();
    win.blur();
    expect(win.isVisible()).toBe(true);
    third();
  });

  it('an explicit hide still works while a dialog is open', async () => {
    const { popover, win } = await setup('linux');
    popover.show();
    const resume = popover.suspendBlurHide();
    popover.hide();
    expect(win.isVisible()).toBe(false);
    resume();
  });
});
