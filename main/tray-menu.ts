/**
 * The tray's context menu as a plain template (pure, so it is tested without Electron).
 *
 * On Linux (AppIndicator) this menu is the only way in: the tray's `click` never arrives, so
 * it offers every action; the popover is a bonus there.
 *
 * This module is Electron-free at run time (type imports only), and also holds the status
 * words shared by the menu's status line, the tray tooltip and the notifications.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { redact } from './core/redact.js';
import type { AppState, LoginItemView } from '../preload/contract.js';

// ---------------------------------------------------------------------------------------------
// Status in words

export interface StatusTextOptions {
  /** Milliseconds since the epoch; defaults to now. */
  now?: number;
  /** IANA zone for clock times; defaults to the system's. */
  timeZone?: string;
}

/** "06:00" in 24-hour time. */
export function formatClock(ms: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) }).formatToParts(ms);
  const hour = parts.find((p) => p.type === 'hour')?.value ?? '00';
  const minute = parts.find((p) => p.type === 'minute')?.value ?? '00';
  return `${hour}:${minute}`;
}

/** "in 9 h", "in 25 min", "in under 1 min". */
export function formatUntil(ms: number, now: number): string {
  const left = ms - now;
  if (left < 60_000) return 'in under 1 min';
  const minutes = Math.round(left / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  return `in ${Math.round(minutes / 60)} h`;
}

/** The first sentence of an error message, secrets removed, at most `max` characters. */
export function shortReason(message: string, max = 60): string {
  const clean = redact(message).replace(/\s+/g, ' ').trim();
  const sentence = (/^(.+?[.!?])(\s|$)/.exec(clean)?.[1] ?? clean).replace(/[.!]$/, '');
  return sentence.length <= max ? sentence : `${sentence.slice(0, max - 1).trimEnd()}…`;
}

/** The status in words, starting lower-case: "token fresh, expires 06:00 (in 9 h)". */
export function describeStatus(state: AppState, options: StatusTextOptions = {}): string {
  const now = options.now ?? Date.now();
  const token = state.token;
  const expiry = (verb: string): string => {
    if (!token) return verb;
    if (token.expiresAt <= now) return `token expired at ${formatClock(token.expiresAt, options.timeZone)}`;
    return `${verb}, expires ${formatClock(token.expiresAt, options.timeZone)} (${formatUntil(token.expiresAt, now)})`;
  };
  switch (state.status) {
    case 'none':
      return state.profiles.length === 0 ? 'not set up yet' : 'no token yet';
    case 'refreshing':
      return 'refreshing…';
    case 'fresh':
      return expiry('token fresh');
    case 'expiring-soon':
      return expiry('token expiring soon');
    case 'stale':
      return token ? `token expired at ${formatClock(token.expiresAt, options.timeZone)}, refresh needed` : 'token expired, refresh needed';
    case 'failed':
      return state.lastError ? `refresh failed: ${shortReason(state.lastError.message)}` : 'refresh failed';
    case 'needs-sign-in':
      return 'sign in needed';
  }
}

// ---------------------------------------------------------------------------------------------
// The menu

export type PopoverView = 'token' | 'settings' | 'activity';

/**
 * What the menu items do. Supplied by the composition root. An action may return a promise;
 * a rejection is passed to `onError` (it must not become an unhandled rejection).
 * `setStartAtLogin` may return the resulting login-item state so the menu can show it at once.
 */
export interface TrayActions {
  copy(): void | Promise<unknown>;
  refresh(): void | Promise<unknown>;
  signIn(): void | Promise<unknown>;
  open(view?: PopoverView): void | Promise<unknown>;
  switchProfile(id: string): void | Promise<unknown>;
  setStartAtLogin(enabled: boolean): void | boolean | LoginItemView | Promise<void | boolean | LoginItemView>;
  quit(): void | Promise<unknown>;
}

/** Stable ids, so tests and the app can find items without depending on labels. */
export const TRAY_MENU_IDS = {
  status: 'status',
  copy: 'copy-token',
  refresh: 'refresh',
  signIn: 'sign-in',
  open: 'open',
  profiles: 'profiles',
  startAtLogin: 'start-at-login',
  settings: 'settings',
  quit: 'quit',
} as const;

export const TRAY_MENU_LABELS = {
  copy: 'Copy token',
  refresh: 'Refresh now',
  refreshing: 'Refreshing…',
  signIn: 'Sign in to Torus…',
  open: 'Open',
  profiles: 'Profiles',
  startAtLogin: 'Start at login',
  settings: 'Settings…',
  quit: 'Quit',
} as const;

export interface TrayMenuOptions extends StatusTextOptions {
  /** Receives an action's exception or rejection; defaults to a short console.error. */
  onError?: (error: unknown, action: keyof TrayActions) => void;
}

const defaultOnError = (_error: unknown, action: keyof TrayActions): void => {
  // Only the action's name: error texts are shown by the app state, not logged here.
  console.error(`tray menu: ${action} failed`);
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function loginItemOf(loginItem: boolean | LoginItemView): LoginItemView {
  return typeof loginItem === 'boolean' ? { supported: true, enabled: loginItem, note: null } : loginItem;
}

/**
 * The menu template for a state. `loginItem` is the real login-item state (a boolean, or the
 * full view, which also greys the item out where start at login is unsupported).
 */
export function buildTrayMenuTemplate(
  state: AppState,
  loginItem: boolean | LoginItemView,
  actions: TrayActions,
  options: TrayMenuOptions = {},
): MenuItemConstructorOptions[] {
  const onError = options.onError ?? defaultOnError;
  const run =
    <K extends keyof TrayActions>(name: K, call: () => unknown) =>
    (): void => {
      try {
        const result = call();
        if (result instanceof Promise) result.catch((error: unknown) => onError(error, name));
      } catch (error) {
        onError(error, name);
      }
    };

  const hasProfile = state.activeProfileId !== null;
  const refreshing = state.status === 'refreshing';
  const login = loginItemOf(loginItem);
  const active = state.profiles.find((p) => p.id === state.activeProfileId);
  const statusPrefix = state.profiles.length > 1 && active ? `${active.name}: ` : '';

  const profileItems: MenuItemConstructorOptions[] =
    state.profiles.length === 0
      ? [{ label: 'No profiles yet', enabled: false }]
      : state.profiles.map((profile) => ({
          id: `profile:${profile.id}`,
          label: profile.name,
          type: 'radio' as const,
          checked: profile.id === state.activeProfileId,
          click: run('switchProfile', () => (profile.id === state.activeProfileId ? undefined : actions.switchProfile(profile.id))),
        }));

  return [
    { id: TRAY_MENU_IDS.status, label: `${statusPrefix}${capitalize(describeStatus(state, options))}`, enabled: false },
    { type: 'separator' },
    { id: TRAY_MENU_IDS.copy, label: TRAY_MENU_LABELS.copy, enabled: state.token !== null, click: run('copy', () => actions.copy()) },
    {
      id: TRAY_MENU_IDS.refresh,
      label: refreshing ? TRAY_MENU_LABELS.refreshing : TRAY_MENU_LABELS.refresh,
      enabled: hasProfile && !refreshing,
      click: run('refresh', () => actions.refresh()),
    },
    { id: TRAY_MENU_IDS.signIn, label: TRAY_MENU_LABELS.signIn, enabled: hasProfile, click: run('signIn', () => actions.signIn()) },
    { type: 'separator' },
    { id: TRAY_MENU_IDS.open, label: TRAY_MENU_LABELS.open, click: run('open', () => actions.open('token')) },
    {
      id: TRAY_MENU_IDS.profiles,
      label: TRAY_MENU_LABELS.profiles,
      submenu: [
        ...profileItems,
        { type: 'separator' },
        { id: 'manage-profiles', label: 'Manage profiles…', click: run('open', () => actions.open('settings')) },
      ],
    },
    {
      id: TRAY_MENU_IDS.startAtLogin,
      label: TRAY_MENU_LABELS.startAtLogin,
      type: 'checkbox',
      checked: login.enabled,
      enabled: login.supported,
      ...(login.note ? { sublabel: login.note, toolTip: login.note } : {}),
      // Electron flips `checked` before calling click, so the item carries the wanted state.
      click: (item) => run('setStartAtLogin', () => actions.setStartAtLogin(item.checked))(),
    },
    { id: TRAY_MENU_IDS.settings, label: TRAY_MENU_LABELS.settings, click: run('open', () => actions.open('settings')) },
    { type: 'separator' },
    { id: TRAY_MENU_IDS.quit, label: TRAY_MENU_LABELS.quit, click: run('quit', () => actions.quit()) },
  ];
}
