import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { popoverPosition, taskbarEdge, FALLBACK_MARGIN, type PopoverPositionInput, type Rect } from '../main/popover-position.js';

const W = 360;
const H = 480;
const ZERO: Rect = { x: 0, y: 0, width: 0, height: 0 };
const rect = (x: number, y: number, width: number, height: number): Rect => ({ x, y, width, height });

interface Case {
  name: string;
  input: PopoverPositionInput;
  expected: { x: number; y: number };
  edge?: ReturnType<typeof taskbarEdge>;
}

const display = (bounds: Rect, workArea: Rect, scaleFactor = 1): PopoverPositionInput['display'] => ({ bounds, workArea, scaleFactor });
const size = { width: W, height: H };

const CASES: Case[] = [
  {
    name: 'macOS: menu bar on top, popover centred under the icon, just below the menu bar',
    input: { platform: 'darwin', trayBounds: rect(1200, 0, 24, 24), display: display(rect(0, 0, 1440, 900), rect(0, 25, 1440, 875)), windowSize: size },
    expected: { x: 1032, y: 25 },
    edge: 'top',
  },
  {
    name: 'macOS: a Dock at the bottom (wider inset than the menu bar) does not pull the popover down',
    input: { platform: 'darwin', trayBounds: rect(1200, 0, 24, 24), display: display(rect(0, 0, 1440, 900), rect(0, 25, 1440, 805)), windowSize: size },
    expected: { x: 1032, y: 25 },
    edge: 'top',
  },
  {
    name: 'macOS: icon near the right screen edge, clamped inside the work area',
    input: { platform: 'darwin', trayBounds: rect(1420, 0, 22, 24), display: display(rect(0, 0, 1440, 900), rect(0, 25, 1440, 875)), windowSize: size },
    expected: { x: 1080, y: 25 },
  },
  {
    name: 'Windows: taskbar at the bottom, popover above the icon',
    input: { platform: 'win32', trayBounds: rect(1700, 1040, 24, 40), display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1040)), windowSize: size },
    expected: { x: 1532, y: 560 },
    edge: 'bottom',
  },
  {
    name: 'Windows: taskbar at the top, popover below it',
    input: { platform: 'win32', trayBounds: rect(1700, 0, 24, 40), display: display(rect(0, 0, 1920, 1080), rect(0, 40, 1920, 1040)), windowSize: size },
    expected: { x: 1532, y: 40 },
    edge: 'top',
  },
  {
    name: 'Windows: taskbar on the left, popover to its right, clamped to the bottom',
    input: { platform: 'win32', trayBounds: rect(0, 1000, 60, 32), display: display(rect(0, 0, 1920, 1080), rect(60, 0, 1860, 1080)), windowSize: size },
    expected: { x: 60, y: 600 },
    edge: 'left',
  },
  {
    name: 'Windows: taskbar on the right, popover to its left',
    input: { platform: 'win32', trayBounds: rect(1860, 1000, 60, 32), display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1860, 1080)), windowSize: size },
    expected: { x: 1500, y: 600 },
    edge: 'right',
  },
  {
    name: 'Windows: auto-hidden taskbar (no inset) is assumed at the bottom',
    input: { platform: 'win32', trayBounds: rect(1700, 1050, 24, 30), display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1080)), windowSize: size },
    expected: { x: 1532, y: 570 },
    edge: 'bottom',
  },
  {
    name: 'Windows: icon near the left edge of a bottom taskbar, clamped to the work area',
    input: { platform: 'win32', trayBounds: rect(10, 1040, 24, 40), display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1040)), windowSize: size },
    expected: { x: 0, y: 560 },
  },
  {
    name: 'Linux: zero tray bounds, cursor in the top bar stands in for the icon',
    input: {
      platform: 'linux',
      trayBounds: ZERO,
      cursor: { x: 1500, y: 16 },
      display: display(rect(0, 0, 1920, 1080), rect(0, 32, 1920, 1048)),
      windowSize: size,
    },
    expected: { x: 1320, y: 32 },
  },
  {
    name: 'Linux: zero tray bounds and no cursor: top-right of the work area with a margin',
    input: { platform: 'linux', trayBounds: ZERO, display: display(rect(0, 0, 1920, 1080), rect(0, 32, 1920, 1048)), windowSize: size },
    expected: { x: 1920 - W - FALLBACK_MARGIN, y: 32 + FALLBACK_MARGIN },
  },
  {
    name: 'Linux: zero tray bounds, cursor in a bottom panel (KDE)',
    input: {
      platform: 'linux',
      trayBounds: ZERO,
      cursor: { x: 1600, y: 1060 },
      display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1036)),
      windowSize: size,
    },
    expected: { x: 1420, y: 556 },
  },
  {
    name: 'Linux: Ubuntu dock on the left and top bar; cursor in the top bar near the right edge',
    input: {
      platform: 'linux',
      trayBounds: ZERO,
      cursor: { x: 1850, y: 10 },
      display: display(rect(0, 0, 1920, 1080), rect(70, 32, 1850, 1048)),
      windowSize: size,
    },
    expected: { x: 1560, y: 32 },
  },
  {
    name: 'Linux: no panel inset at all (top assumed), cursor anywhere: below the cursor',
    input: {
      platform: 'linux',
      trayBounds: ZERO,
      cursor: { x: 1000, y: 500 },
      display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1080)),
      windowSize: size,
    },
    expected: { x: 820, y: 500 },
  },
  {
    name: 'secondary monitor to the left of the primary (negative x), Windows bottom taskbar',
    input: {
      platform: 'win32',
      trayBounds: rect(-220, 1040, 24, 40),
      display: display(rect(-1920, 0, 1920, 1080), rect(-1920, 0, 1920, 1040)),
      windowSize: size,
    },
    expected: { x: -388, y: 560 },
    edge: 'bottom',
  },
  {
    name: 'secondary monitor to the left, icon at its left edge: clamped to that monitor, not to x = 0',
    input: {
      platform: 'win32',
      trayBounds: rect(-1270, 984, 24, 40),
      display: display(rect(-1280, 0, 1280, 1024), rect(-1280, 0, 1280, 984)),
      windowSize: size,
    },
    expected: { x: -1280, y: 504 },
  },
  {
    name: 'secondary monitor above the primary (negative y), macOS menu bar on it',
    input: {
      platform: 'darwin',
      trayBounds: rect(1700, -1080, 24, 24),
      display: display(rect(0, -1080, 1920, 1080), rect(0, -1055, 1920, 1055)),
      windowSize: size,
    },
    expected: { x: 1532, y: -1055 },
    edge: 'top',
  },
  {
    name: 'scale factor 2 (Retina, notch-height menu bar): DIPs are not scaled again',
    input: { platform: 'darwin', trayBounds: rect(1300, 0, 32, 37), display: display(rect(0, 0, 1512, 982), rect(0, 38, 1512, 944), 2), windowSize: size },
    expected: { x: 1136, y: 38 },
  },
  {
    name: 'scale factor 1.5 with fractional tray bounds: integer result',
    input: {
      platform: 'win32',
      trayBounds: rect(1700.5, 1040, 24, 40),
      display: display(rect(0, 0, 1920, 1080), rect(0, 0, 1920, 1040), 1.5),
      windowSize: size,
    },
    expected: { x: 1533, y: 560 },
  },
  {
    name: 'window taller than the work area: top-left pinned to the work area origin',
    input: { platform: 'win32', trayBounds: rect(700, 360, 24, 40), display: display(rect(0, 0, 800, 400), rect(0, 0, 800, 360)), windowSize: size },
    expected: { x: 440, y: 0 },
  },
  {
    name: 'window wider than the work area on a tiny display: x pinned to the work area',
    input: { platform: 'linux', trayBounds: rect(200, 0, 24, 24), display: display(rect(0, 0, 320, 600), rect(0, 24, 320, 576)), windowSize: size },
    expected: { x: 0, y: 24 },
  },
];

function expectInside(result: { x: number; y: number }, input: PopoverPositionInput): void {
  const wa = input.display.workArea;
  const { width, height } = input.windowSize;
  expect(Number.isInteger(result.x) && Number.isInteger(result.y)).toBe(true);
  expect(result.x).toBeGreaterThanOrEqual(wa.x);
  expect(result.y).toBeGreaterThanOrEqual(wa.y);
  // A window larger than the work area cannot fit; its top-left corner is then at the work area's.
  if (width <= wa.width) expect(result.x + width).toBeLessThanOrEqual(wa.x + wa.width);
  else expect(result.x).toBe(wa.x);
  if (height <= wa.height) expect(result.y + height).toBeLessThanOrEqual(wa.y + wa.height);
  else expect(result.y).toBe(wa.y);
}

describe('popoverPosition', () => {
  it('has a table of at least 14 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(14);
  });

  it.each(CASES)('$name', ({ input, expected, edge }) => {
    const result = popoverPosition(input);
    expect(result).toEqual(expected);
    expectInside(result, input);
    if (edge) {
      const t = input.trayBounds;
      expect(taskbarEdge(input.display, input.platform, { x: t.x + t.width / 2, y: t.y + t.height / 2 })).toBe(edge);
    }
  });

  it('gives the same DIP position at any scale factor', () => {
    const base = CASES[0]!.input;
    const at = (scaleFactor: number) => popoverPosition({ ...base, display: { ...base.display, scaleFactor } });
    expect(at(2)).toEqual(at(1));
    expect(at(1.25)).toEqual(at(1));
  });

  it('assumes the platform default edge when the work area equals the bounds', () => {
    const full = { bounds: rect(0, 0, 1920, 1080), workArea: rect(0, 0, 1920, 1080) };
    expect(taskbarEdge(full, 'darwin')).toBe('top');
    expect(taskbarEdge(full, 'win32')).toBe('bottom');
    expect(taskbarEdge(full, 'linux')).toBe('top');
  });

  it('never returns -0', () => {
    const result = popoverPosition({
      platform: 'win32',
      trayBounds: rect(179.6, 1040, 0, 40),
      display: display(rect(-1920, 0, 3840, 1080), rect(-1920, 0, 3840, 1040)),
      windowSize: size,
    });
    expect(Object.is(result.x, -0)).toBe(false);
    expect(result.x).toBe(0);
  });

  it('always lands inside the work area (property)', () => {
    const arbRect = fc.record({
      x: fc.integer({ min: -5000, max: 5000 }),
      y: fc.integer({ min: -3000, max: 3000 }),
      width: fc.integer({ min: 400, max: 4000 }),
      height: fc.integer({ min: 500, max: 3000 }),
    });
    fc.assert(
      fc.property(
        arbRect,
        fc.record({ top: fc.nat(60), bottom: fc.nat(80), left: fc.nat(80), right: fc.nat(80) }),
        fc.record({
          fx: fc.double({ min: -0.2, max: 1.2, noNaN: true }),
          fy: fc.double({ min: -0.2, max: 1.2, noNaN: true }),
          zero: fc.boolean(),
          withCursor: fc.boolean(),
        }),
        fc.constantFrom<NodeJS.Platform>('darwin', 'win32', 'linux'),
        fc.constantFrom(1, 1.25, 1.5, 2),
        (bounds, inset, where, platform, scaleFactor) => {
          const workArea = rect(bounds.x + inset.left, bounds.y + inset.top, bounds.width - inset.left - inset.right, bounds.height - inset.top - inset.bottom);
          const px = bounds.x + where.fx * bounds.width;
          const py = bounds.y + where.fy * bounds.height;
          const input: PopoverPositionInput = {
            platform,
            trayBounds: where.zero ? ZERO : rect(px, py, 24, 24),
            display: { bounds, workArea, scaleFactor },
            windowSize: size,
            ...(where.withCursor ? { cursor: { x: px, y: py } } : {}),
          };
          expectInside(popoverPosition(input), input);
        },
      ),
      { numRuns: 500 },
    );
  });
});
