/** `Tray`: records image, tooltip and menus; tests click it as the user would. */
import type * as Electron from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { FakeMenu } from './menu.js';
import type { Mirror } from './mirror.js';
import type { FakeNativeImage } from './native-image.js';
import type { FakeWorld, Point, Rect } from './world.js';

type Image = FakeNativeImage | string;

export class FakeTray extends FakeEmitter implements Mirror<Electron.Tray, FakeTray> {
  readonly id: number;
  image: Image;
  pressedImage: Image | null = null;
  tooltip = '';
  title = '';
  contextMenu: FakeMenu | null = null;
  /** Every menu passed to `setContextMenu`, in order. */
  contextMenuHistory: Array<FakeMenu | null> = [];
  /** Every `popUpContextMenu` call: the menu (or the context menu when none was given). */
  poppedUpMenus: Array<{ menu: FakeMenu | null; position: Point | undefined }> = [];
  imageHistory: Image[] = [];
  tooltipHistory: string[] = [];
  balloons: Electron.DisplayBalloonOptions[] = [];
  ignoreDoubleClickEvents = false;
  /** What `getBounds()` returns; Linux (AppIndicator) reports all zeros. */
  bounds: Rect = { x: 0, y: 0, width: 0, height: 0 };
  private destroyed = false;

  constructor(
    world: FakeWorld,
    image: Electron.NativeImage | string,
    readonly guid?: string,
  ) {
    super();
    world.requireReady('Cannot create Tray before app is ready');
    this.id = world.nextId++;
    this.image = image as unknown as Image;
    this.imageHistory.push(this.image);
    world.trays.push(this);
  }

  setImage(image: Electron.NativeImage | string): void {
    this.image = image as unknown as Image;
    this.imageHistory.push(this.image);
  }
  setPressedImage(image: Electron.NativeImage | string): void {
    this.pressedImage = image as unknown as Image;
  }
  setToolTip(toolTip: string): void {
    this.tooltip = toolTip;
    this.tooltipHistory.push(toolTip);
  }
  setTitle(title: string, _options?: Electron.TitleOptions): void {
    this.title = title;
  }
  getTitle(): string {
    return this.title;
  }
  setContextMenu(menu: Electron.Menu | null): void {
    this.contextMenu = menu as unknown as FakeMenu | null;
    this.contextMenuHistory.push(this.contextMenu);
  }
  popUpContextMenu(menu?: Electron.Menu, position?: Electron.Point): void {
    this.poppedUpMenus.push({ menu: (menu as unknown as FakeMenu | undefined) ?? this.contextMenu, position });
  }
  closeContextMenu(): void {}
  getBounds(): Electron.Rectangle {
    return { ...this.bounds };
  }
  getGUID(): string | null {
    return this.guid ?? null;
  }
  setIgnoreDoubleClickEvents(ignore: boolean): void {
    this.ignoreDoubleClickEvents = ignore;
  }
  getIgnoreDoubleClickEvents(): boolean {
    return this.ignoreDoubleClickEvents;
  }
  displayBalloon(options: Electron.DisplayBalloonOptions): void {
    this.balloons.push(options);
  }
  removeBalloon(): void {}
  focus(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The path of the current image (when it was created from a path). */
  get imagePath(): string | null {
    return typeof this.image === 'string' ? this.image : this.image.path;
  }

  /** The user left-clicks the icon: emits `click(event, bounds, position)`. */
  click(position?: Point): void {
    this.emit('click', fakeEvent({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), this.getBounds(), position ?? { x: 0, y: 0 });
  }
  /** The user right-clicks the icon: emits `right-click(event, bounds)`. */
  rightClick(): void {
    this.emit('right-click', fakeEvent({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), this.getBounds());
  }
  doubleClick(): void {
    this.emit('double-click', fakeEvent({ shiftKey: false, ctrlKey: false, altKey: false, metaKey: false }), this.getBounds());
  }
  /** The menu a right click would show: the last popped-up one, else the context menu. */
  get lastPoppedUpMenu(): FakeMenu | null {
    return this.poppedUpMenus[this.poppedUpMenus.length - 1]?.menu ?? null;
  }
}

export function createTrayClass(world: FakeWorld) {
  return class Tray extends FakeTray {
    constructor(image: Electron.NativeImage | string, guid?: string) {
      super(world, image, guid);
    }
  } satisfies new (image: Electron.NativeImage | string, guid?: string) => FakeTray;
}
