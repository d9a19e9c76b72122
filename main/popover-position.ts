/**
 * Where the popover goes: a pure function of the tray icon's bounds, the nearest display,
 * the window size and the platform. No Electron import, so it is tested against a table.
 *
 * All coordinates are Electron screen coordinates (DIPs). Electron has already divided by
 * the display's scale factor, so the scale factor must not be applied again; it is part of
 * the input because it belongs to the display, and a scale change is exactly why the
 * position is recomputed on every show.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export type TaskbarEdge = 'top' | 'bottom' | 'left' | 'right';

export interface PopoverPositionInput {
  trayBounds: Rect;
  display: { bounds: Rect; workArea: Rect; scaleFactor: number };
  windowSize: { width: number; height: number };
  platform: NodeJS.Platform;
  /** Where the pointer is; used only when the tray bounds are unknown (all zero, Linux). */
  cursor?: Point;
}

/** Gap between the work area's corner and the popover when nothing better is known. */
export const FALLBACK_MARGIN = 8;

const isZeroRect = (r: Rect): boolean => r.x === 0 && r.y === 0 && r.width === 0 && r.height === 0;

/** Integer, and never `-0` (which would print and compare oddly). */
const int = (v: number): number => Math.round(v) + 0;

/** Keeps [start, start + size) inside [min, min + span); when it cannot fit, its start is shown. */
function clamp(start: number, size: number, min: number, span: number): number {
  const max = min + span - size;
  if (max < min) return min;
  return Math.min(Math.max(start, min), max);
}

/** Platform default when the work area equals the display bounds (auto-hidden taskbar). */
function defaultEdge(platform: NodeJS.Platform): TaskbarEdge {
  return platform === 'win32' ? 'bottom' : 'top';
}

/**
 * The screen edge the taskbar / menu bar / panel is on, from how the work area is inset from
 * the display bounds. When several edges are inset (macOS: menu bar on top, Dock at the
 * bottom), the inset that contains the tray icon wins; otherwise the widest inset.
 */
export function taskbarEdge(display: { bounds: Rect; workArea: Rect }, platform: NodeJS.Platform, anchor?: Point): TaskbarEdge {
  const { bounds: b, workArea: w } = display;
  const insets: Record<TaskbarEdge, number> = {
    top: w.y - b.y,
    bottom: b.y + b.height - (w.y + w.height),
    left: w.x - b.x,
    right: b.x + b.width - (w.x + w.width),
  };
  const order: TaskbarEdge[] = ['top', 'bottom', 'left', 'right'];
  const inset = order.filter((edge) => insets[edge] > 0);
  if (inset.length === 0) return defaultEdge(platform);
  if (anchor) {
    const containing = inset.filter((edge) => {
      switch (edge) {
        case 'top':
          return anchor.y < w.y;
        case 'bottom':
          return anchor.y >= w.y + w.height;
        case 'left':
          return anchor.x < w.x;
        case 'right':
          return anchor.x >= w.x + w.width;
      }
    });
    if (containing.length === 1) return containing[0]!;
  }
  return inset.reduce((best, edge) => (insets[edge] > insets[best] ? edge : best));
}

export function popoverPosition(input: PopoverPositionInput): Point {
  const { display, windowSize, platform, cursor } = input;
  const wa = display.workArea;
  const { width, height } = windowSize;
  const inside = (x: number, y: number): Point => ({
    x: int(clamp(x, width, wa.x, wa.width)),
    y: int(clamp(y, height, wa.y, wa.height)),
  });

  let anchor: Rect = input.trayBounds;
  if (isZeroRect(anchor)) {
    // Linux (AppIndicator) reports no tray bounds. The pointer is where the user clicked the
    // panel icon, so it stands in for a zero-size icon; without it, the top-right corner.
    if (!cursor) return inside(wa.x + wa.width - width - FALLBACK_MARGIN, wa.y + FALLBACK_MARGIN);
    anchor = { x: cursor.x, y: cursor.y, width: 0, height: 0 };
  }

  const centre: Point = { x: anchor.x + anchor.width / 2, y: anchor.y + anchor.height / 2 };
  switch (taskbarEdge(display, platform, centre)) {
    case 'top':
      return inside(centre.x - width / 2, anchor.y + anchor.height);
    case 'bottom':
      return inside(centre.x - width / 2, anchor.y - height);
    case 'left':
      return inside(anchor.x + anchor.width, centre.y - height / 2);
    case 'right':
      return inside(anchor.x - width, centre.y - height / 2);
  }
}
