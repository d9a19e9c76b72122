// The tray menu template (pure) and the status words. The template is turned into a menu by
// the fake Electron `Menu`, which clicks like Electron does (checkboxes flip, radios select).
import { describe, it, expect, vi, afterEach } from 'vitest';
import { buildTrayMenuTemplate, describeProfile, formatClock, shortReason, TRAY_MENU_IDS, TRAY_MENU_LABELS, type TrayActions } from '../main/tray-menu.js';
import { mostUrgent } from '../main/core/domain/token-status.js';
import { createFakeElectron, type FakeMenu } from './helpers/fake-electron.js';
import type { AppState, ProfileView, TokenView } from '../preload/contract.js';

const NOW = Date.UTC(2025, 5, 10, 21, 0);
const CUTOFF = Date.UTC(2025, 5, 11, 6, 0);
const TEXT = { timeZone: 'UTC' };

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

const error = (message: string, needsSignIn = false): ProfileView['lastError'] => ({
  kind: needsSignIn ? 'rejected' : 'network',
  message,
  needsSignIn,
  at: NOW - 1000,
});

function recordingActions(): TrayActions & { calls: Array<[string, ...unknown[]]> } {
  const calls: Array<[string, ...unknown[]]> = [];
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

const fake = createFakeElectron();
const menuOf = (
  s: AppState,
  loginItem: Parameters<typeof buildTrayMenuTemplate>[1],
  actions: TrayActions,
  onError?: (e: unknown, a: keyof TrayActions) => void,
): FakeMenu => fake.Menu.buildFromTemplate(buildTrayMenuTemplate(s, loginItem, actions, { ...TEXT, ...(onError ? { onError } : {}) }));

const several = () =>
  state([
    profile('main', 'Main'),
    profile('paper', 'Paper', { status: 'needs-sign-in', token: null, lastError: error('Torus refused the request token.', true), refused: true }),
    profile('algo', 'Algo', { mode: 'totp', status: 'stale', token: token({ expiresAt: NOW - 60_000 }) }),
  ]);

describe('tray menu with one profile: its status and actions at the top level', () => {
  it('has the status line with the absolute expiry, then every action, in order', () => {
    const menu = menuOf(state(), false, recordingActions());
    expect(menu.labels()).toEqual([
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
    const status = menu.getMenuItemById(TRAY_MENU_IDS.status)!;
    expect(status.enabled).toBe(false);
    expect(status.click()).toBe(false);
  });

  it('every item triggers its action, on that profile', () => {
    const actions = recordingActions();
    const menu = menuOf(state([profile('main', 'Main')]), false, actions);
    const expected: Array<[string, Array<[string, ...unknown[]]>]> = [
      [TRAY_MENU_LABELS.copy, [['copy', 'main']]],
      [TRAY_MENU_LABELS.refresh, [['refresh', 'main']]],
      [TRAY_MENU_LABELS.signIn, [['signIn', 'main']]],
      [TRAY_MENU_LABELS.open, [['open', 'token']]],
      [TRAY_MENU_LABELS.manageProfiles, [['open', 'settings']]],
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

  it('a TOTP profile has no "Sign in to Torus…" (it never needs one)', () => {
    const menu = menuOf(state([profile('main', 'Main', { mode: 'totp' })]), false, recordingActions());
    expect(menu.findItem(TRAY_MENU_LABELS.signIn)).toBeUndefined();
    expect(menu.labels().slice(0, 4)).toEqual(['Token fresh until 06:00', '---', 'Copy token', 'Refresh now']);
  });

  it('Copy is disabled without a token', () => {
    const actions = recordingActions();
    const menu = menuOf(state([profile('main', 'Main', { status: 'none', token: null })]), false, actions);
    const copy = menu.getMenuItemById(TRAY_MENU_IDS.copy)!;
    expect(copy.enabled).toBe(false);
    expect(copy.click()).toBe(false);
    expect(actions.calls).toEqual([]);
    expect(menu.getMenuItemById(TRAY_MENU_IDS.status)!.label).toBe('No token yet');
  });

  it('while refreshing, Refresh reads "Refreshing…" and is disabled', () => {
    const actions = recordingActions();
    const menu = menuOf(state([profile('main', 'Main', { status: 'refreshing' })]), false, actions);
    const refresh = menu.getMenuItemById(TRAY_MENU_IDS.refresh)!;
    expect(refresh.label).toBe('Refreshing…');
    expect(refresh.enabled).toBe(false);
    expect(refresh.click()).toBe(false);
    expect(menu.findItem(TRAY_MENU_LABELS.refresh)).toBeUndefined();
    expect(menu.getMenuItemById(TRAY_MENU_IDS.copy)!.enabled).toBe(true);
  });

  it('a profile without credentials: "Not set up yet", Refresh and Sign in disabled', () => {
    const bare = profile('main', 'Main', {
      status: 'none',
      token: null,
      credentials: { apiKey: { saved: false, lastFour: '' }, apiSecret: { saved: false }, requestToken: { saved: false }, totpSecret: { saved: false } },
    });
    const actions = recordingActions();
    const menu = menuOf(state([bare]), false, actions);
    expect(menu.getMenuItemById(TRAY_MENU_IDS.status)!.label).toBe('Not set up yet');
    for (const id of [TRAY_MENU_IDS.copy, TRAY_MENU_IDS.refresh, TRAY_MENU_IDS.signIn]) expect(menu.getMenuItemById(id)!.click(), id).toBe(false);
    expect(actions.calls).toEqual([]);
  });
});

describe('tray menu with several profiles: one submenu per profile', () => {
  it('lists every profile as "Name — status" with absolute times, with its own actions', () => {
    const menu = menuOf(several(), false, recordingActions());
    expect(menu.labels()).toEqual([
      'Main — token fresh until 06:00',
      'Paper — sign-in needed',
      'Algo — token expired at 20:59',
      '---',
      'Open',
      'Manage profiles…',
      'Start at login',
      'Settings…',
      '---',
      'Quit',
    ]);
    const submenu = (label: string) => menu.item(label).submenu!;
    expect(submenu('Main — token fresh until 06:00').labels()).toEqual(['Copy token', 'Refresh now', 'Sign in to Torus…', '---', 'Show in popover']);
    expect(submenu('Paper — sign-in needed').labels()).toEqual(['Copy token', 'Refresh now', 'Sign in to Torus…', '---', 'Show in popover']);
    // TOTP: no sign-in.
    expect(submenu('Algo — token expired at 20:59').labels()).toEqual(['Copy token', 'Refresh now', '---', 'Show in popover']);
    // No single status line and no top-level actions: each acts on one profile.
    for (const id of [TRAY_MENU_IDS.status, TRAY_MENU_IDS.copy, TRAY_MENU_IDS.refresh, TRAY_MENU_IDS.signIn]) expect(menu.getMenuItemById(id), id).toBeNull();
  });

  it('Copy, Refresh and Sign in act on the profile whose submenu they are in', () => {
    const actions = recordingActions();
    const menu = menuOf(several(), false, actions);
    const sub = (name: string) => menu.items.find((i) => i.label.startsWith(`${name} — `))!.submenu!;
    sub('Paper').clickItem(TRAY_MENU_LABELS.signIn);
    sub('Algo').clickItem(TRAY_MENU_LABELS.refresh);
    sub('Main').clickItem(TRAY_MENU_LABELS.copy);
    sub('Algo').clickItem(TRAY_MENU_LABELS.copy);
    sub('Main').clickItem(TRAY_MENU_LABELS.signIn);
    expect(actions.calls).toEqual([
      ['signIn', 'paper'],
      ['refresh', 'algo'],
      ['copy', 'main'],
      ['copy', 'algo'],
      ['signIn', 'main'],
    ]);
    // Paper has no token: nothing to copy.
    expect(sub('Paper').item(TRAY_MENU_LABELS.copy).click()).toBe(false);
    expect(menu.getMenuItemById('copy-token:paper')!.enabled).toBe(false);
    expect(actions.calls).toHaveLength(5);
  });

  it('a refreshing profile shows "Refreshing…" in its own submenu only', () => {
    const s = several();
    s.profiles[0] = { ...s.profiles[0]!, status: 'refreshing' };
    const menu = menuOf(state(s.profiles), false, recordingActions());
    expect(menu.getMenuItemById('refresh:main')!.label).toBe(TRAY_MENU_LABELS.refreshing);
    expect(menu.getMenuItemById('refresh:main')!.enabled).toBe(false);
    expect(menu.getMenuItemById('refresh:algo')!.label).toBe(TRAY_MENU_LABELS.refresh);
    expect(menu.getMenuItemById('refresh:algo')!.enabled).toBe(true);
  });

  it('"Show in popover" is ticked for the shown profile; choosing another switches to it', () => {
    const actions = recordingActions();
    const menu = menuOf(state(several().profiles, { activeProfileId: 'paper' }), false, actions);
    const show = (id: string) => menu.getMenuItemById(`show:${id}`)!;
    expect(['main', 'paper', 'algo'].map((id) => show(id).checked)).toEqual([false, true, false]);
    expect(show('algo').click()).toBe(true);
    expect(actions.calls).toEqual([['switchProfile', 'algo']]);
  });

  it('choosing "Show in popover" for the profile already shown changes nothing, and it stays ticked', () => {
    const actions = recordingActions();
    const menu = menuOf(state(several().profiles, { activeProfileId: 'paper' }), false, actions);
    const item = menu.getMenuItemById('show:paper')!;
    item.click();
    expect(actions.calls).toEqual([]);
    // A Linux menu stays until the next update: it must not show the shown profile unticked.
    expect(item.checked).toBe(true);
    item.click();
    expect(item.checked).toBe(true);
  });
});

describe('tray menu: app-wide items', () => {
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

  it('first run (no profile): only Open, Manage profiles, Settings, Start at login and Quit', () => {
    const actions = recordingActions();
    const menu = menuOf(state([], { activeProfileId: null }), false, actions);
    expect(menu.labels()).toEqual(['Not set up yet', '---', 'Open', 'Manage profiles…', 'Start at login', 'Settings…', '---', 'Quit']);
    expect(menu.getMenuItemById(TRAY_MENU_IDS.status)!.enabled).toBe(false);
    for (const label of ['Open', 'Manage profiles…', 'Settings…', 'Quit']) expect(menu.clickItem(label)).toBe(true);
    expect(actions.calls).toEqual([['open', 'token'], ['open', 'settings'], ['open', 'settings'], ['quit']]);
  });

  it('a failing action goes to onError, never to an unhandled rejection', async () => {
    const onError = vi.fn();
    const actions: TrayActions = {
      ...recordingActions(),
      refresh: () => Promise.reject(new Error('offline')),
      copy: () => {
        throw new Error('no token');
      },
      switchProfile: () => Promise.reject(new Error('settings locked')),
    };
    const menu = menuOf(state(several().profiles), false, actions, onError);
    menu.getMenuItemById('refresh:algo')!.click();
    menu.getMenuItemById('copy-token:main')!.click();
    menu.getMenuItemById('show:paper')!.click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onError.mock.calls.map((c) => c[1])).toEqual(['copy', 'refresh', 'switchProfile']);
  });
});

describe('status in words', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<[string, Partial<ProfileView>, string]>([
    ['fresh', {}, 'token fresh until 06:00'],
    ['expiring soon', { status: 'expiring-soon', token: token({ expiresAt: NOW + 25 * 60_000 }) }, 'token expiring at 21:25'],
    ['stale', { status: 'stale', token: token({ expiresAt: NOW - 60_000 }) }, 'token expired at 20:59'],
    ['refreshing', { status: 'refreshing' }, 'refreshing…'],
    [
      'failed',
      { status: 'failed', token: null, lastError: error('Could not reach Torus. Check your connection and press Refresh.') },
      'refresh failed: Could not reach Torus',
    ],
    ['failed, no error recorded', { status: 'failed', token: null }, 'refresh failed'],
    ['needs sign-in', { status: 'needs-sign-in', token: null, lastError: error('Torus refused the request token.', true) }, 'sign-in needed'],
    ['no token yet', { status: 'none', token: null }, 'no token yet'],
  ])('%s', (_name, over, expected) => {
    expect(describeProfile(profile('main', 'Main', over), TEXT)).toBe(expected);
  });

  it('uses absolute clock times, so the words stay true however long they are shown', () => {
    vi.useFakeTimers();
    const p = profile('main', 'Main', { status: 'expiring-soon', token: token({ expiresAt: NOW + 25 * 60_000 }) });
    vi.setSystemTime(NOW);
    const early = describeProfile(p, TEXT);
    vi.setSystemTime(NOW + 20 * 60_000);
    expect(describeProfile(p, TEXT)).toBe(early);
    expect(early).not.toMatch(/\bin \d|min\b|\bh\b/);
  });

  it('clock times are 24-hour, in the zone asked for', () => {
    expect(formatClock(CUTOFF, 'UTC')).toBe('06:00');
    expect(formatClock(CUTOFF, 'Asia/Kolkata')).toBe('11:30');
    expect(formatClock(Date.UTC(2025, 5, 10, 18, 30), 'Asia/Kolkata')).toBe('00:00');
    expect(formatClock(Date.UTC(2025, 5, 10, 13, 5), 'UTC')).toBe('13:05');
    expect(describeProfile(profile('main', 'Main'), { timeZone: 'Asia/Kolkata' })).toBe('token fresh until 11:30');
  });

  it('short reasons are one sentence, bounded, and never carry a token', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const reason = shortReason(`Torus said ${jwt} is invalid. Sign in again.`);
    expect(reason).not.toContain('eyJ');
    expect(reason).toBe('Torus said [redacted] is invalid');
    expect(shortReason('x'.repeat(200)).length).toBe(60);
  });
});
