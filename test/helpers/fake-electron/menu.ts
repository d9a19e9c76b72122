/** `Menu` and `MenuItem`: menus record their template, and tests click items as the user would. */
import type * as Electron from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { Mirror, Returning } from './mirror.js';
import type { FakeWorld } from './world.js';

export type FakeMenuTemplateItem = MenuItemConstructorOptions;

export class FakeMenuItem implements Mirror<Electron.MenuItem, FakeMenuItem, { submenu: FakeMenu | undefined; menu: FakeMenu | null }> {
  readonly id: string;
  readonly label: string;
  readonly type: Electron.MenuItem['type'];
  readonly role: Electron.MenuItem['role'];
  readonly sublabel: string;
  readonly toolTip: string;
  readonly accelerator: Electron.MenuItem['accelerator'];
  readonly submenu: FakeMenu | undefined;
  enabled: boolean;
  visible: boolean;
  checked: boolean;
  /** The menu this item is in (set by FakeMenu). */
  menu: FakeMenu | null = null;

  constructor(
    world: FakeWorld,
    readonly options: MenuItemConstructorOptions,
  ) {
    this.id = options.id ?? '';
    this.label = options.label ?? '';
    // Electron keeps roles its d.ts lists for templates only (showSubstitutions, …) as they are.
    this.role = options.role as Electron.MenuItem['role'];
    this.sublabel = options.sublabel ?? '';
    this.toolTip = options.toolTip ?? '';
    this.accelerator = options.accelerator ?? null;
    this.enabled = options.enabled ?? true;
    this.visible = options.visible ?? true;
    this.checked = options.checked ?? false;
    const sub = options.submenu;
    this.submenu = sub === undefined ? undefined : sub instanceof FakeMenu ? sub : new FakeMenu(world, sub as unknown as MenuItemConstructorOptions[]);
    this.type = options.type ?? (this.submenu ? 'submenu' : 'normal');
  }

  /**
   * Simulates the user choosing the item, as Electron does: nothing happens when it is
   * disabled or invisible; a checkbox flips, a radio item becomes the checked one of its
   * group; then `click(menuItem, window, event)` runs. Returns whether the click ran.
   */
  click(): boolean {
    if (!this.enabled || !this.visible || this.type === 'separator' || this.type === 'submenu') return false;
    if (this.type === 'checkbox') this.checked = !this.checked;
    if (this.type === 'radio') {
      for (const sibling of this.menu?.radioGroupOf(this) ?? [this]) sibling.checked = sibling === this;
    }
    this.options.click?.(this as never, undefined, { shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, triggeredByAccelerator: false } as never);
    return true;
  }
}

export class FakeMenu extends FakeEmitter implements Mirror<Electron.Menu, FakeMenu, { items: FakeMenuItem[]; getMenuItemById: FakeMenuItem | null }> {
  readonly items: FakeMenuItem[] = [];
  popups: Array<Electron.PopupOptions> = [];

  constructor(
    world: FakeWorld,
    /** The template it was built from, unchanged. */
    readonly template: MenuItemConstructorOptions[] = [],
  ) {
    super();
    world.menus.push(this);
    for (const options of template) this.adopt(new FakeMenuItem(world, options));
  }

  append(menuItem: Electron.MenuItem): void {
    this.adopt(menuItem as unknown as FakeMenuItem);
  }

  insert(pos: number, menuItem: Electron.MenuItem): void {
    const item = menuItem as unknown as FakeMenuItem;
    item.menu = this;
    this.items.splice(pos, 0, item);
  }

  private adopt(item: FakeMenuItem): void {
    item.menu = this;
    this.items.push(item);
  }

  /** Adjacent radio items (up to a separator) form a group, as in Electron. */
  radioGroupOf(item: FakeMenuItem): FakeMenuItem[] {
    const index = this.items.indexOf(item);
    let start = index;
    while (start > 0 && this.items[start - 1]!.type === 'radio') start--;
    let end = index;
    while (end < this.items.length - 1 && this.items[end + 1]!.type === 'radio') end++;
    return this.items.slice(start, end + 1);
  }

  /** Every item, depth first, including those in submenus. */
  allItems(): FakeMenuItem[] {
    return this.items.flatMap((item) => [item, ...(item.submenu?.allItems() ?? [])]);
  }

  getMenuItemById(id: string): FakeMenuItem | null {
    return this.allItems().find((item) => item.id === id) ?? null;
  }

  /** The item with this exact label (or, with a RegExp, the first match), in any submenu. */
  findItem(label: string | RegExp): FakeMenuItem | undefined {
    return this.allItems().find((item) => (typeof label === 'string' ? item.label === label : label.test(item.label)));
  }

  /** Like `findItem`, but fails loudly when there is no such item. */
  item(label: string | RegExp): FakeMenuItem {
    const found = this.findItem(label);
    if (!found)
      throw new Error(
        `no menu item ${String(label)}; labels: ${this.allItems()
          .map((i) => JSON.stringify(i.label))
          .join(', ')}`,
      );
    return found;
  }

  /** Finds the item and clicks it; throws when it does not exist. Returns whether the click ran. */
  clickItem(label: string | RegExp): boolean {
    return this.item(label).click();
  }

  labels(): string[] {
    return this.items.map((item) => (item.type === 'separator' ? '---' : item.label));
  }

  /** Every role in the menu and its submenus (the default menu's `reload`, `toggleDevTools`, …). */
  roles(): string[] {
    return this.allItems().flatMap((item) => (item.role ? [item.role] : []));
  }

  popup(options: Electron.PopupOptions = {}): void {
    this.popups.push(options);
    this.emit('menu-will-show', fakeEvent());
  }

  closePopup(_window?: Electron.BaseWindow): void {
    this.emit('menu-will-close', fakeEvent());
  }
}

interface MenuStatics {
  buildFromTemplate: Returning<typeof Electron.Menu.buildFromTemplate, FakeMenu>;
  setApplicationMenu: typeof Electron.Menu.setApplicationMenu;
  getApplicationMenu: Returning<typeof Electron.Menu.getApplicationMenu, FakeMenu | null>;
}

export function createMenuClass(world: FakeWorld) {
  const Menu = class Menu extends FakeMenu {
    constructor() {
      super(world, []);
    }
    static buildFromTemplate(template: Array<MenuItemConstructorOptions | Electron.MenuItem>): FakeMenu {
      return new FakeMenu(
        world,
        template.map((entry) => (entry instanceof FakeMenuItem ? entry.options : (entry as MenuItemConstructorOptions))),
      );
    }
    static setApplicationMenu(menu: Electron.Menu | null): void {
      world.applicationMenu = menu as unknown as FakeMenu | null;
      world.applicationMenuSet = true;
    }
    static getApplicationMenu(): FakeMenu | null {
      return world.applicationMenu;
    }
  };
  return Menu satisfies MenuStatics & (new () => FakeMenu);
}

export function createMenuItemClass(world: FakeWorld) {
  return class MenuItem extends FakeMenuItem {
    constructor(options: MenuItemConstructorOptions) {
      super(world, options);
    }
  } satisfies new (options: MenuItemConstructorOptions) => FakeMenuItem;
}
