/**
 * `screen`. Unusable before `ready`, as in Electron. Where the platform cannot tell where the
 * pointer is (Wayland, outside our own windows: `world.cursor = null`) it answers (0, 0), as
 * Electron does there.
 */
import type * as Electron from 'electron';
import { FakeEmitter } from './emitter.js';
import type { Mirror } from './mirror.js';
import type { FakeDisplay, FakeWorld, Point, Rect } from './world.js';

const NOT_READY = "The 'screen' module can't be used before the app 'ready' event";

export class FakeScreen extends FakeEmitter implements Mirror<Electron.Screen, FakeScreen> {
  constructor(private readonly world: FakeWorld) {
    super();
  }
  getPrimaryDisplay(): FakeDisplay {
    this.world.requireReady(NOT_READY);
    const primary = this.world.displays[0];
    if (!primary) throw new Error('fake screen has no displays');
    return primary;
  }
  getAllDisplays(): FakeDisplay[] {
    this.world.requireReady(NOT_READY);
    return [...this.world.displays];
  }
  /** The display containing the point, else the one whose bounds are nearest to it. */
  getDisplayNearestPoint(point: Point): FakeDisplay {
    const distance = (d: FakeDisplay): number => {
      const b = d.bounds;
      const dx = Math.max(b.x - point.x, 0, point.x - (b.x + b.width - 1));
      const dy = Math.max(b.y - point.y, 0, point.y - (b.y + b.height - 1));
      return dx * dx + dy * dy;
    };
    let best = this.getPrimaryDisplay();
    for (const d of this.world.displays) if (distance(d) < distance(best)) best = d;
    return best;
  }
  /** The display that overlaps the rectangle most (primary when none does). */
  getDisplayMatching(rect: Rect): FakeDisplay {
    const overlap = (d: FakeDisplay): number => {
      const b = d.bounds;
      const w = Math.min(b.x + b.width, rect.x + rect.width) - Math.max(b.x, rect.x);
      const h = Math.min(b.y + b.height, rect.y + rect.height) - Math.max(b.y, rect.y);
      return w > 0 && h > 0 ? w * h : 0;
    };
    let best = this.getPrimaryDisplay();
    for (const d of this.world.displays) if (overlap(d) > overlap(best)) best = d;
    return best;
  }
  getCursorScreenPoint(): Point {
    this.world.requireReady(NOT_READY);
    return this.world.cursor ? { ...this.world.cursor } : { x: 0, y: 0 };
  }
  dipToScreenPoint(point: Point): Point {
    return { ...point };
  }
  screenToDipPoint(point: Point): Point {
    return { ...point };
  }
}
