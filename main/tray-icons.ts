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
import { describeProfile, type StatusTextOptions } from './tray-menu.js';
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

/**
 * The NativeImage for the tray. On macOS it is a template image (tinted by the system).
 * `createFromPath` returns an empty image, silently, for a missing or unreadable file: that
 * would be an invisible tray icon, so it is reported.
 */
export function createTrayImage(
  key: TrayIconKey,
  platform: NodeJS.Platform,
  appPath: string = app.getAppPath(),
  log: (line: string) => void = console.error,
): NativeImage {
  const file = trayIconPath(key, platform, appPath);
  const image = nativeImage.createFromPath(file);
  if (image.isEmpty()) log(`tray: the icon ${path.basename(file)} is missing or unreadable; the tray icon would be invisible`);
  if (platform === 'darwin') image.setTemplateImage(true);
  return image;
}

/** Windows truncates tray tooltips at 127 characters (UTF-16 units); keep every platform within that. */
export const TOOLTIP_MAX = 127;

const TITLE = 'Torus Token';
/** Most urgent first (as `mostUrgent` in the core's token-status). */
const URGENCY_ORDER: readonly TokenStatus[] = ['needs-sign-in', 'failed', 'stale', 'none', 'expiring-soon', 'refreshing', 'fresh'];
/** A profile line's longest form, so the title and a "+N more" line always fit beside it. */
const LINE_MAX = TOOLTIP_MAX - TITLE.length - 16;

function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // Never leave half of a surrogate pair (an emoji in a profile name).
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/**
 * "Torus Token — token fresh until 06:00", or one line per profile when there are several
 * ("Main: token fresh until 06:00"), most urgent first. Absolute times: true without a timer.
 * When the lines do not fit, the least urgent ones give way to "+N more".
 */
export function trayTooltip(state: AppState, options: StatusTextOptions = {}): string {
  if (state.profiles.length === 0) return `${TITLE} — not set up yet`;
  if (state.profiles.length === 1) return clipText(`${TITLE} — ${describeProfile(state.profiles[0]!, options)}`, TOOLTIP_MAX);
  const sorted = [...state.profiles].sort((a, b) => URGENCY_ORDER.indexOf(a.status) - URGENCY_ORDER.indexOf(b.status));
  const lines = sorted.map((p) => clipText(`${p.name}: ${describeProfile(p, options)}`, LINE_MAX));
  const all = [TITLE, ...lines].join('\n');
  if (all.length <= TOOLTIP_MAX) return all;
  const kept: string[] = [];
  for (const line of lines) {
    const more = `+${lines.length - kept.length - 1} more`;
    if ([TITLE, ...kept, line, more].join('\n').length > TOOLTIP_MAX) break;
    kept.push(line);
  }
  return [TITLE, ...kept, `+${lines.length - kept.length} more`].join('\n');
}
