// The tray menu template (pure) and the status words. The template is turned into a menu by
// the fake Electron `Menu`, which clicks like Electron does (checkboxes flip, radios select).
import { describe, it, expect, vi } from 'vitest';
import { buildTrayMenuTemplate, describeStatus, formatUntil, shortReason, TRAY_MENU_IDS, TRAY_MENU_LABELS, type TrayActions } from '../main/tray-menu.js';
import { createFakeElectron, type FakeMenu } from './helpers/fake-electron.js';
import type { AppState, ProfileView, TokenView } from '../preload/contract.js';

const NOW = Date.UTC(2025, 5, 10, 21, 0);
const TEXT = { now: NOW, timeZone: 'UTC' };

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

function recordingActions(): TrayActions & { calls: Array<[string, ...unknown[]]> } {
  const calls: Array<[string, ...unknown[]]> = [];
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

const fake = createFakeElectron();
const menuOf = (
  s: AppState,
  loginItem: Parameters<typeof buildTrayMenuTemplate>[1],
  actions: TrayActions,
  onError?: (e: unknown, a: keyof TrayActions) => void,
): FakeMenu => fake.Menu.buildFromTemplate(buildTrayMenuTemplate(s, loginItem, actions, { ...TEXT, ...(onError ? { onError } : {}) }));

describe('tray menu', () => {
  it('has the status line, then every action, in order', () => {
    const menu = menuOf(state(), false, recordingActions());
    expect(menu.labels()).toEqual([
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
    const status = menu.getMenuItemById(TRAY_MENU_IDS.status)!;
    expect(status.enabled).toBe(false);
    expect(status.click()).toBe(false);
  });

  it('every item triggers its action', () => {
    const actions = recordingActions();
    const menu = menuOf(state({ profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }), false, actions);
    const expected: Array<[string, Array<[string, ...unknown[]]>]> = [
      [TRAY_MENU_LABELS.copy, [['copy']]],
      [TRAY_MENU_LABELS.refresh, [['refresh']]],
      [TRAY_MENU_LABELS.signIn, [['signIn']]],
      [TRAY_MENU_LABELS.open, [['open', 'token']]],
      ['Paper', [['switchProfile', 'paper']]],
      ['Manage profiles…', [['open', 'settings']]],
      [TRAY_MENU_LABELS.startAtLogin, [['setStartAtLogin', true]]],
      [TRAY_MENU_LABELS.settings, [['open', 'settings']]],
      [TRAY_MENU_LABELS.quit, [['quit']]],
    ];
    for (const [label, calls] of expected) {
      actions.calls.length = 0;
      expect(menu.clickItem(label), label).toBe(true);
      expect(actions.calls, label).toEqual(calls);
    }
  });

  it('profiles submenu: radio items with the active one checked; choosing another switches', () => {
    const actions = recordingActions();
    const menu = menuOf(
      state({ activeProfileId: 'paper', profiles: [profile('main', 'Main'), profile('paper', 'Paper'), profile('demo', 'Demo')] }),
      false,
      actions,
    );
    const profiles = menu.getMenuItemById(TRAY_MENU_IDS.profiles)!;
    expect(profiles.type).toBe('submenu');
    const radios = profiles.submenu!.items.filter((i) => i.type === 'radio');
    expect(radios.map((r) => [r.label, r.checked])).toEqual([
      ['Main', false],
      ['Paper', true],
      ['Demo', false],
    ]);
    menu.clickItem('Demo');
    expect(actions.calls).toEqual([['switchProfile', 'demo']]);
    expect(radios.map((r) => r.checked)).toEqual([false, false, true]);
    // Choosing the active profile again does nothing.
    actions.calls.length = 0;
    menuOf(state({ activeProfileId: 'paper', profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }), false, actions).clickItem('Paper');
    expect(actions.calls).toEqual([]);
  });

  it('names the active profile in the status line when there are several', () => {
    const menu = menuOf(state({ profiles: [profile('main', 'Main'), profile('paper', 'Paper')] }), false, recordingActions());
    expect(menu.getMenuItemById(TRAY_MENU_IDS.status)!.label).toBe('Main: Token fresh, expires 06:00 (in 9 h)');
  });

  it('Start at login reflects the real state passed in, and asks for the opposite', () => {
    for (const enabled of [true, false]) {
      const actions = recordingActions();
      const menu = menuOf(state(), enabled, actions);
      const item = menu.getMenuItemById(TRAY_MENU_IDS.startAtLogin)!;
      expect(item.type).toBe('checkbox');
      expect(item.checked).toBe(enabled);
      item.click();
      expect(actions.calls).toEqual([['setStartAtLogin', !enabled]]);
    }
  });

  it('Start at login is greyed out with the reason where it is unsupported', () => {
    const actions = recordingActions();
    const menu = menuOf(state(), { supported: false, enabled: false, note: 'only in the installed app' }, actions);
    const item = menu.getMenuItemById(TRAY_MENU_IDS.startAtLogin)!;
    expect(item.enabled).toBe(false);
    expect(item.sublabel).toBe('only in the installed app');
    expect(item.click()).toBe(false);
    expect(actions.calls).toEqual([]);
  });

  it('Copy is disabled without a token', () => {
    const actions = recordingActions();
    const menu = menuOf(state({ status: 'none', token: null }), false, actions);
    const copy = menu.getMenuItemById(TRAY_MENU_IDS.copy)!;
    expect(copy.enabled).toBe(false);
    expect(copy.click()).toBe(false);
    expect(actions.calls).toEqual([]);
    expect(menu.getMenuItemById(TRAY_MENU_IDS.status)!.label).toBe('No token yet');
  });

  it('while refreshing, Refresh reads "Refreshing…" and is disabled', () => {
    const actions = recordingActions();
    const menu = menuOf(state({ status: 'refreshing' }), false, actions);
    const refresh = menu.getMenuItemById(TRAY_MENU_IDS.refresh)!;
    expect(refresh.label).toBe('Refreshing…');
    expect(refresh.enabled).toBe(false);
    expect(refresh.click()).toBe(false);
    expect(menu.findItem(TRAY_MENU_LABELS.refresh)).toBeUndefined();
    expect(menu.getMenuItemById(TRAY_MENU_IDS.copy)!.enabled).toBe(true);
  });

  it('first run (no profile): only Open, Settings, Start at login and Quit do anything', () => {
    const actions = recordingActions();
    const menu = menuOf(state({ activeProfileId: null, profiles: [], status: 'none', token: null }), false, actions);
    expect(menu.getMenuItemById(TRAY_MENU_IDS.status)!.label).toBe('Not set up yet');
    for (const id of [TRAY_MENU_IDS.copy, TRAY_MENU_IDS.refresh, TRAY_MENU_IDS.signIn]) expect(menu.getMenuItemById(id)!.enabled, id).toBe(false);
    expect(menu.getMenuItemById(TRAY_MENU_IDS.profiles)!.submenu!.labels()).toEqual(['No profiles yet', '---', 'Manage profiles…']);
    for (const label of ['Open', 'Settings…', 'Quit']) expect(menu.clickItem(label)).toBe(true);
    expect(actions.calls).toEqual([['open', 'token'], ['open', 'settings'], ['quit']]);
  });

  it('a failing action goes to onError, never to an unhandled rejection', async () => {
    const onError = vi.fn();
    const actions: TrayActions = {
      ...recordingActions(),
      refresh: () => Promise.reject(new Error('offline')),
      copy: () => {
        throw new Error('no token');
      },
    };
    const menu = menuOf(state(), false, actions, onError);
    menu.clickItem('Refresh now');
    menu.clickItem('Copy token');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onError.mock.calls.map((c) => c[1])).toEqual(['copy', 'refresh']);
  });
});

describe('status in words', () => {
  const err = (message: string, needsSignIn = false): AppState['lastError'] => ({
    kind: needsSignIn ? 'rejected' : 'network',
    message,
    needsSignIn,
    at: NOW - 1000,
  });
  it.each<[string, Partial<AppState>, string]>([
    ['fresh', {}, 'token fresh, expires 06:00 (in 9 h)'],
    ['expiring soon', { status: 'expiring-soon', token: token({ expiresAt: NOW + 25 * 60_000 }) }, 'token expiring soon, expires 21:25 (in 25 min)'],
    ['stale', { status: 'stale', token: token({ expiresAt: NOW - 60_000 }) }, 'token expired at 20:59, refresh needed'],
    ['refreshing', { status: 'refreshing' }, 'refreshing…'],
    [
      'failed',
      { status: 'failed', token: null, lastError: err('Could not reach Torus. Check your connection and press Refresh.') },
      'refresh failed: Could not reach Torus',
    ],
    ['needs sign-in', { status: 'needs-sign-in', token: null, lastError: err('Torus refused the request token.', true) }, 'sign in needed'],
    ['none', { status: 'none', token: null }, 'no token yet'],
  ])('%s', (_name, over, expected) => {
    expect(describeStatus(state(over), TEXT)).toBe(expected);
  });

  it('relative times', () => {
    expect(formatUntil(NOW + 30_000, NOW)).toBe('in under 1 min');
    expect(formatUntil(NOW + 25 * 60_000, NOW)).toBe('in 25 min');
    expect(formatUntil(NOW + 9 * 3_600_000 - 60_000, NOW)).toBe('in 9 h');
  });

  it('short reasons are one sentence, bounded, and never carry a token', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const reason = shortReason(`Torus said ${jwt} is invalid. Sign in again.`);
    expect(reason).not.toContain('eyJ');
    expect(reason).toBe('Torus said [redacted] is invalid');
    expect(shortReason('x'.repeat(200)).length).toBe(60);
  });
});
