/**
 * The application menu. Electron's default menu carries Reload, Force Reload and Toggle
 * Developer Tools (with their shortcuts, Ctrl+R and Ctrl+Shift+I) into every window, the
 * popover and the sign-in window included; a tray app has no use for any of it.
 *
 * - macOS: the key equivalents for copy, paste, cut, select all and undo in text fields come
 *   from the Edit menu, so there is one (and the app menu macOS always shows first, with Quit
 *   only). The menu bar itself stays hidden: the app is a menu-bar agent (LSUIElement).
 * - Windows and Linux: no menu at all (text fields handle those keys themselves).
 */
import type { Menu as ElectronMenu, MenuItemConstructorOptions } from 'electron';

export function applicationMenuTemplate(platform: NodeJS.Platform, appName = 'Torus Token'): MenuItemConstructorOptions[] | null {
  if (platform !== 'darwin') return null;
  return [{ label: appName, submenu: [{ role: 'quit' }] }, { role: 'editMenu' }];
}

export type MenuModule = Pick<typeof ElectronMenu, 'buildFromTemplate' | 'setApplicationMenu'>;

/** Replaces Electron's default menu (call once the app is ready; before, Electron would set its own). */
export function applyApplicationMenu(Menu: MenuModule, platform: NodeJS.Platform, appName?: string): void {
  const template = applicationMenuTemplate(platform, appName);
  Menu.setApplicationMenu(template ? Menu.buildFromTemplate(template) : null);
}
