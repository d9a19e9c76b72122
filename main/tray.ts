/**
 * The tray icon: image and tooltip per status, the context menu, and the popover on click.
 *
 * macOS and Windows: left click toggles the popover, right click pops up the menu
 * (`setContextMenu` would steal the left click on macOS). Linux: the menu is set on the tray
 * (AppIndicator shows the icon only with a menu and never delivers `click`); `click` is
 * still listened to for the desktops that do deliver it.
 */
import { Menu, Tray, type Rectangle } from 'electron';
import { createTrayImage, trayIconKey, trayTooltip, type TrayIconKey } from './tray-icons.js';
import { buildTrayMenuTemplate, loginItemOf, type TrayActions, type TrayMenuOptions } from './tray-menu.js';
import type { AppState, LoginItemView as ContractLoginItemView } from '../preload/contract.js';

export interface TrayControllerOptions {
  actions: TrayActions;
  /** What a tray click does (the popover's `toggle`). */
  popover: { toggle(): void };
  platform?: NodeJS.Platform;
  appPath?: string;
  /** Zone for the status texts' clock times. */
  timeZone?: string;
  onError?: TrayMenuOptions['onError'];
  /** The trader looks at the tray (click, menu): a chance to notice a changed clock. */
  onLook?: () => void;
  log?: (line: string) => void;
}

export interface TrayController {
  readonly tray: Tray;
  /** Rebuilds menu, image and tooltip. Call on every state change (and login-item change). */
  update(state: AppState, loginItem: boolean | ContractLoginItemView): void;
  /** The tray icon's screen bounds (all zero where unknown, as on Linux). */
  getBounds(): Rectangle;
  /** The menu now shown on right click (macOS/Windows) or set on the tray (Linux). */
  readonly menu: Menu | null;
  readonly iconKey: TrayIconKey;
  destroy(): void;
}

export function createTrayController(options: TrayControllerOptions): TrayController {
  const platform = options.platform ?? process.platform;
  const image = (key: TrayIconKey) => createTrayImage(key, platform, options.appPath, options.log);

  let iconKey: TrayIconKey = 'refreshing';
  const tray = new Tray(image(iconKey));
  tray.setToolTip('Torus Token — starting…');
  if (platform === 'darwin') tray.setIgnoreDoubleClickEvents(true);

  let last: { state: AppState; loginItem: ContractLoginItemView } | null = null;
  let menu: Menu | null = null;
  let menuSignature = '';
  let shownTooltip = '';

  // A used item may have changed the live menu (Electron flips a checkbox before `click`), so
  // the next update rebuilds it even when the state looks the same. The menu is closed by then.
  const used = <T>(call: () => T): T => {
    menuSignature = '';
    return call();
  };
  const given = options.actions;
  const actions: TrayActions = {
    copy: (profileId) => used(() => given.copy(profileId)),
    refresh: (profileId) => used(() => given.refresh(profileId)),
    signIn: (profileId) => used(() => given.signIn(profileId)),
    open: (view) => used(() => given.open(view)),
    switchProfile: (id) => used(() => given.switchProfile(id)),
    quit: () => used(() => given.quit()),
    setStartAtLogin: (enabled) =>
      used(async () => {
        const result = await given.setStartAtLogin(enabled);
        // Show the real outcome at once (it can differ from the wish: "requires approval").
        if (last && (typeof result === 'boolean' || (typeof result === 'object' && result !== null)))
          render(last.state, loginItemOf(result as boolean | ContractLoginItemView));
        return result;
      }),
  };

  function render(state: AppState, loginItem: ContractLoginItemView): void {
    if (tray.isDestroyed()) return;
    last = { state, loginItem };
    const key = trayIconKey(state.status);
    if (key !== iconKey) {
      iconKey = key;
      tray.setImage(image(key));
    }
    // Absolute times only ("until 06:00"): the texts stay true without a timer re-rendering them.
    const textOptions = options.timeZone ? { timeZone: options.timeZone } : {};
    const tooltip = trayTooltip(state, textOptions);
    if (tooltip !== shownTooltip) {
      shownTooltip = tooltip;
      tray.setToolTip(tooltip);
    }
    const template = buildTrayMenuTemplate(state, loginItem, actions, { ...textOptions, ...(options.onError ? { onError: options.onError } : {}) });
    // An update that changes nothing in the menu (a re-published state) keeps the menu as it is:
    // replacing the menu set on a Linux tray closes it when it is open. Every item's behaviour
    // follows from what the signature holds (ids carry the profile, `checked` the active one).
    const signature = JSON.stringify(template);
    if (menu && signature === menuSignature) return;
    menuSignature = signature;
    menu = Menu.buildFromTemplate(template);
    if (platform === 'linux') tray.setContextMenu(menu);
  }

  /** The hook must never cost the click its popover or menu. */
  const look = (): void => {
    try {
      options.onLook?.();
    } catch {
      (options.log ?? console.error)('tray: the look hook failed');
    }
  };

  tray.on('click', () => {
    look();
    options.popover.toggle();
  });
  if (platform !== 'linux') {
    tray.on('right-click', () => {
      look();
      if (menu) tray.popUpContextMenu(menu);
    });
  }

  return {
    tray,
    update(state, loginItem) {
      render(state, loginItemOf(loginItem));
    },
    getBounds: () => (tray.isDestroyed() ? { x: 0, y: 0, width: 0, height: 0 } : tray.getBounds()),
    get menu() {
      return menu;
    },
    get iconKey() {
      return iconKey;
    },
    destroy() {
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
