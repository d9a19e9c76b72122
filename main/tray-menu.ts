/**
 * The tray's context menu as a plain template (pure, so it is tested without Electron).
 *
 * On Linux (AppIndicator) this menu is the only way in: the tray's `click` never arrives, so
 * it offers every action, for every profile; the popover is a bonus there.
 *
 * This module is Electron-free at run time (type imports only), and also holds the status
 * words shared by the menu, the tray tooltip and the notifications. They use absolute clock
 * times ("until 06:00"), so they stay true without a timer re-rendering them.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { redact } from './core/domain/redact.js';
import type { AppState, LoginItemView, ProfileView } from '../preload/contract.js';

export interface StatusTextOptions {
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

/** The first sentence of an error message, secrets removed, at most `max` characters. */
export function shortReason(message: string, max = 60): string {
  const clean = redact(message).replace(/\s+/g, ' ').trim();
  const sentence = (/^(.+?[.!?])(\s|$)/.exec(clean)?.[1] ?? clean).replace(/[.!]$/, '');
  return sentence.length <= max ? sentence : `${sentence.slice(0, max - 1).trimEnd()}…`;
}

/** A profile's status in words, starting lower-case: "token fresh until 06:00". */
export function describeProfile(profile: ProfileView, options: StatusTextOptions = {}): string {
  const at = (ms: number) => formatClock(ms, options.timeZone);
  const token = profile.token;
  switch (profile.status) {
    case 'none':
      return profile.credentials.apiKey.saved ? 'no token yet' : 'not set up yet';
    case 'refreshing':
      return 'refreshing…';
    case 'fresh':
      return token ? `token fresh until ${at(token.expiresAt)}` : 'token fresh';
    case 'expiring-soon':
      return token ? `token expiring at ${at(token.expiresAt)}` : 'token expiring soon';
    case 'stale':
      return token ? `token expired at ${at(token.expiresAt)}` : 'token expired';
    case 'failed':
      return profile.lastError ? `refresh failed: ${shortReason(profile.lastError.message)}` : 'refresh failed';
    case 'needs-sign-in':
      return 'sign-in needed';
  }
}

/** The whole app in words, for a single line: the one profile, or the most urgent one. */
export function describeState(state: AppState, options: StatusTextOptions = {}): string {
  if (state.profiles.length === 0) return 'not set up yet';
  const urgent = state.profiles.find((p) => p.status === state.status) ?? state.profiles[0]!;
  return `${state.profiles.length > 1 ? `${urgent.name}: ` : ''}${describeProfile(urgent, options)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type PopoverView = 'token' | 'settings' | 'activity';

/**
 * What the menu items do. Supplied by the composition root. An action may return a promise;
 * a rejection is passed to `onError` (it must not become an unhandled rejection).
 * `setStartAtLogin` may return the resulting login-item state so the menu can show it at once.
 */
export interface TrayActions {
  copy(profileId: string): void | Promise<unknown>;
  refresh(profileId: string): void | Promise<unknown>;
  signIn(profileId: string): void | Promise<unknown>;
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
  showInPopover: 'Show in popover',
  manageProfiles: 'Manage profiles…',
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

export function loginItemOf(loginItem: boolean | LoginItemView): LoginItemView {
  return typeof loginItem === 'boolean' ? { supported: true, enabled: loginItem, note: null } : loginItem;
}

/** Item ids carry the profile when there are several: `copy-token:main`. */
export function itemId(base: string, profile: ProfileView, several: boolean): string {
  return several ? `${base}:${profile.id}` : base;
}

/**
 * The menu template for a state. One profile: its status line and actions at the top level.
 * Several: one submenu per profile, labelled with its status, each with the same actions.
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
  const login = loginItemOf(loginItem);
  const several = state.profiles.length > 1;

  const profileActions = (profile: ProfileView): MenuItemConstructorOptions[] => {
    const refreshing = profile.status === 'refreshing';
    const configured = profile.credentials.apiKey.saved;
    return [
      {
        id: itemId(TRAY_MENU_IDS.copy, profile, several),
        label: TRAY_MENU_LABELS.copy,
        enabled: profile.token !== null,
        click: run('copy', () => actions.copy(profile.id)),
      },
      {
        id: itemId(TRAY_MENU_IDS.refresh, profile, several),
        label: refreshing ? TRAY_MENU_LABELS.refreshing : TRAY_MENU_LABELS.refresh,
        enabled: configured && !refreshing,
        click: run('refresh', () => actions.refresh(profile.id)),
      },
      ...(profile.mode === 'request-token'
        ? [
            {
              id: itemId(TRAY_MENU_IDS.signIn, profile, several),
              label: TRAY_MENU_LABELS.signIn,
              enabled: configured,
              click: run('signIn', () => actions.signIn(profile.id)),
            } satisfies MenuItemConstructorOptions,
          ]
        : []),
    ];
  };

  const top: MenuItemConstructorOptions[] = [];
  if (state.profiles.length === 0) {
    top.push({ id: TRAY_MENU_IDS.status, label: 'Not set up yet', enabled: false });
  } else if (!several) {
    const only = state.profiles[0]!;
    top.push({ id: TRAY_MENU_IDS.status, label: capitalize(describeProfile(only, options)), enabled: false }, { type: 'separator' }, ...profileActions(only));
  } else {
    for (const profile of state.profiles) {
      top.push({
        id: `profile:${profile.id}`,
        label: `${profile.name} — ${describeProfile(profile, options)}`,
        submenu: [
          ...profileActions(profile),
          { type: 'separator' },
          {
            id: `show:${profile.id}`,
            label: TRAY_MENU_LABELS.showInPopover,
            type: 'checkbox',
            checked: profile.id === state.activeProfileId,
            click: (item) => {
              // Electron unticks a checkbox before calling click; the shown profile stays shown
              // (a Linux menu is kept until the next update, so it must not lie until then).
              if (profile.id === state.activeProfileId) item.checked = true;
              else run('switchProfile', () => actions.switchProfile(profile.id))();
            },
          },
        ],
      });
    }
  }

  return [
    ...top,
    { type: 'separator' },
    { id: TRAY_MENU_IDS.open, label: TRAY_MENU_LABELS.open, click: run('open', () => actions.open('token')) },
    { id: TRAY_MENU_IDS.profiles, label: TRAY_MENU_LABELS.manageProfiles, click: run('open', () => actions.open('settings')) },
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
