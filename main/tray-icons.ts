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
import { describeStatus, type StatusTextOptions } from './tray-menu.js';
import type { AppState, TokenStatus } from '../preload/contract.js';

// The status words live in tray-menu.ts (Electron-free); re-exported for convenience.
export { describeStatus, formatClock, formatUntil, shortReason, type StatusTextOptions } from './tray-menu.js';

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

/** Windows truncates tray tooltips at 127 characters; keep every platform within that. */
export const TOOLTIP_MAX = 127;

/** "Torus Token — token fresh, expires 06:00 (in 9 h)"; names the profile when there are several. */
export function trayTooltip(state: AppState, options: StatusTextOptions = {}): string {
  const active = state.profiles.find((p) => p.id === state.activeProfileId);
  const name = state.profiles.length > 1 && active ? ` (${active.name})` : '';
  const text = `Torus Token${name} — ${describeStatus(state, options)}`;
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}
