/**
 * The tray icon and tooltip for a token status.
 *
 * The icon answers one question at a glance: "can I use today's token right now?"
 *   fresh                      → fresh       (yes)
 *   expiring-soon, stale       → expiring    (yes, but not for long / it needs a refresh)
 *   refreshing                 → refreshing  (wait a moment)
 *   failed, needs-sign-in      → failed      (no: act)
 *   none (no token yet, first run or no profile) → failed: there is no usable token and the
 *     user has to act (set up or refresh), which is what the "failed" icon asks for; a calmer
 *     icon would hide that nothing works yet. The tooltip and menu say which case it is.
 *
 * Files (assets/tray, rendered by `npm run icons`):
 *   macOS   tray-<key>Template.png (+ Template@2x.png, picked up by name) as a template image,
 *           so the menu bar tints it for light and dark;
 *   Windows tray-<key>.ico (16 and 32 px, chosen by the shell for the DPI);
 *   Linux   tray-<key>@2x.png (32 px): panels are 22–32 px high and scale it down, which
 *           looks sharper than scaling the 16 px one up.
 */
import path from 'node:path';
import { app, nativeImage, type NativeImage } from 'electron';
import { redact } from './core/redact.js';
import type { AppState, TokenStatus } from '../preload/contract.js';

export type TrayIconKey = 'fresh' | 'expiring' | 'refreshing' | 'failed';
export const TRAY_ICON_KEYS: readonly TrayIconKey[] = ['fresh', 'expiring', 'refreshing', 'failed'];

export function trayIconKey(status: TokenStatus): TrayIconKey {
  switch (status) {
    case 'fresh':
      return 'fresh';
    case 'expiring-soon':
    case 'stale':
      return 'expiring';
    case 'refreshing':
      return 'refreshing';
    case 'failed':
    case 'needs-sign-in':
    case 'none':
      return 'failed';
  }
}

/** The icon file name for a platform. */
export function trayIconFile(key: TrayIconKey, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `tray-${key}Template.png`;
  if (platform === 'win32') return `tray-${key}.ico`;
  return `tray-${key}@2x.png`;
}

export function trayIconPath(key: TrayIconKey, platform: NodeJS.Platform, appPath: string = app.getAppPath()): string {
  return path.join(appPath, 'assets', 'tray', trayIconFile(key, platform));
}

/** The NativeImage for the tray. On macOS it is a template image (tinted by the system). */
export function createTrayImage(key: TrayIconKey, platform: NodeJS.Platform, appPath: string = app.getAppPath()): NativeImage {
  const image = nativeImage.createFromPath(trayIconPath(key, platform, appPath));
  if (platform === 'darwin') image.setTemplateImage(true);
  return image;
}

// ---------------------------------------------------------------------------------------------
// Words

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

/** Windows truncates tray tooltips at 127 characters; keep every platform within that. */
export const TOOLTIP_MAX = 127;

/** "Torus Token — token fresh, expires 06:00 (in 9 h)"; names the profile when there are several. */
export function trayTooltip(state: AppState, options: StatusTextOptions = {}): string {
  const active = state.profiles.find((p) => p.id === state.activeProfileId);
  const name = state.profiles.length > 1 && active ? ` (${active.name})` : '';
  const text = `Torus Token${name} — ${describeStatus(state, options)}`;
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}
