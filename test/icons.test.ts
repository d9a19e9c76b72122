// Checks the rendered icons committed under assets/ (produced by `npm run icons`).
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (...p: string[]): string => path.join(ROOT, 'assets', ...p);

const STATES = ['fresh', 'expiring', 'refreshing', 'failed'] as const;
const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];
const APP_ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const TRAY_VARIANTS = [
  { suffix: '', size: 16, template: false },
  { suffix: '@2x', size: 32, template: false },
  { suffix: 'Template', size: 16, template: true },
  { suffix: 'Template@2x', size: 32, template: true },
] as const;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature').toBe(true);
  expect(buf.subarray(12, 16).toString('latin1'), 'first chunk is IHDR').toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function rgba(file: string): Promise<Buffer> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(4);
  return data;
}

interface IcoImage {
  size: number;
  kind: 'png' | 'bmp';
  /** straight RGBA, top-down */
  pixels: Buffer;
}

/** Parse an ICO container (PNG or 32-bit BMP entries). */
async function readIco(file: string): Promise<IcoImage[]> {
  const buf = readFileSync(file);
  expect(buf.readUInt16LE(0), 'ICO reserved').toBe(0);
  expect(buf.readUInt16LE(2), 'ICO type').toBe(1);
  const count = buf.readUInt16LE(4);
  const images: IcoImage[] = [];
  for (let i = 0; i < count; i++) {
    const e = 6 + 16 * i;
    const size = buf.readUInt8(e) || 256;
    expect(buf.readUInt8(e + 1) || 256, 'square entry').toBe(size);
    const length = buf.readUInt32LE(e + 8);
    const offset = buf.readUInt32LE(e + 12);
    expect(offset + length).toBeLessThanOrEqual(buf.length);
    const data = buf.subarray(offset, offset + length);
    if (data.subarray(0, 8).equals(PNG_SIGNATURE)) {
      expect(pngSize(data)).toEqual({ width: size, height: size });
      const pixels = await sharp(data).ensureAlpha().raw().toBuffer();
      images.push({ size, kind: 'png', pixels });
      continue;
    }
    expect(data.readUInt32LE(0), 'BITMAPINFOHEADER size').toBe(40);
    expect(data.readInt32LE(4)).toBe(size);
    expect(data.readInt32LE(8)).toBe(size * 2);
    expect(data.readUInt16LE(14), 'bits per pixel').toBe(32);
    const pixels = Buffer.alloc(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = 40 + ((size - 1 - y) * size + x) * 4; // bottom-up BGRA
        const d = (y * size + x) * 4;
        pixels.writeUInt8(data.readUInt8(s + 2), d);
        pixels.writeUInt8(data.readUInt8(s + 1), d + 1);
        pixels.writeUInt8(data.readUInt8(s), d + 2);
        pixels.writeUInt8(data.readUInt8(s + 3), d + 3);
      }
    }
    images.push({ size, kind: 'bmp', pixels });
  }
  return images;
}

const trayFile = (state: string, suffix: string, ext = 'png'): string => at('tray', `tray-${state}${suffix}.${ext}`);

describe('icon sources', () => {
  it('has the two vector masters and the render script', () => {
    for (const f of [at('src', 'app-icon.svg'), at('src', 'tray-glyph.svg'), path.join(ROOT, 'scripts', 'icons.mjs')]) {
      expect(existsSync(f), f).toBe(true);
    }
    expect(readFileSync(at('src', 'tray-glyph.svg'), 'utf8')).toMatch(/currentColor/);
  });
});

describe('application icon', () => {
  it('has a 1024 px icon.png for macOS', () => {
    expect(pngSize(readFileSync(at('build', 'icon.png')))).toEqual({ width: 1024, height: 1024 });
  });

  it('has the Linux size set', () => {
    for (const n of LINUX_SIZES) {
      const f = at('build', 'icons', `${n}x${n}.png`);
      expect(existsSync(f), f).toBe(true);
      expect(pngSize(readFileSync(f)), f).toEqual({ width: n, height: n });
    }
  });

  it('has a multi-size icon.ico whose images match the PNG renders', async () => {
    const images = await readIco(at('build', 'icon.ico'));
    expect(images.map((i) => i.size)).toEqual(APP_ICO_SIZES);
    for (const img of images) {
      expect(img.pixels.length).toBe(img.size * img.size * 4);
      if (LINUX_SIZES.includes(img.size)) {
        const png = await rgba(at('build', 'icons', `${img.size}x${img.size}.png`));
        expect(img.pixels.equals(png), `ico ${img.size}px equals ${img.size}x${img.size}.png`).toBe(true);
      }
    }
  });
});

describe('tray icons', () => {
  it('exist for every state and variant at the right pixel size', () => {
    for (const state of STATES) {
      for (const v of TRAY_VARIANTS) {
        const f = trayFile(state, v.suffix);
        expect(existsSync(f), f).toBe(true);
        expect(pngSize(readFileSync(f)), f).toEqual({ width: v.size, height: v.size });
      }
      expect(existsSync(trayFile(state, '', 'ico')), `tray-${state}.ico`).toBe(true);
    }
  });

  it('macOS template images are black + alpha only, with a visible glyph on transparency', async () => {
    for (const state of STATES) {
      for (const v of TRAY_VARIANTS.filter((t) => t.template)) {
        const px = await rgba(trayFile(state, v.suffix));
        let coverage = 0;
        let transparent = 0;
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px.readUInt8(i), px.readUInt8(i + 1), px.readUInt8(i + 2), px.readUInt8(i + 3)];
          if (r !== 0 || g !== 0 || b !== 0) {
            throw new Error(`tray-${state}${v.suffix}.png: pixel ${i / 4} is rgb(${r},${g},${b}), not black`);
          }
          coverage += a / 255;
          if (a === 0) transparent++;
        }
        const total = px.length / 4;
        expect(coverage / total, `tray-${state}${v.suffix}.png ink coverage`).toBeGreaterThan(0.15);
        expect(transparent / total, `tray-${state}${v.suffix}.png background`).toBeGreaterThan(0.3);
      }
    }
  });

  it('colour icons are coloured (not template black)', async () => {
    for (const state of STATES) {
      const px = await rgba(trayFile(state, '@2x'));
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px.readUInt8(i + 3) > 0 && px.readUInt8(i) + px.readUInt8(i + 1) + px.readUInt8(i + 2) > 0) coloured++;
      }
      expect(coloured, `tray-${state}@2x.png`).toBeGreaterThan(50);
    }
  });

  it('the four states differ pairwise in every variant', async () => {
    for (const v of TRAY_VARIANTS) {
      const bufs = await Promise.all(STATES.map((s) => rgba(trayFile(s, v.suffix))));
      for (let i = 0; i < STATES.length; i++) {
        for (let j = i + 1; j < STATES.length; j++) {
          const a = bufs[i];
          const b = bufs[j];
          if (!a || !b) throw new Error('missing buffer');
          expect(a.equals(b), `${STATES[i]} vs ${STATES[j]} (${v.suffix || '1x'})`).toBe(false);
          // Differ in shape, not just in colour: compare alpha channels.
          let alphaDiff = 0;
          for (let k = 3; k < a.length; k += 4) if (a.readUInt8(k) !== b.readUInt8(k)) alphaDiff++;
          expect(alphaDiff, `${STATES[i]} vs ${STATES[j]} (${v.suffix || '1x'}) shape`).toBeGreaterThan(4);
        }
      }
    }
  });

  it('Windows .ico files hold the 16 and 32 px colour images', async () => {
    for (const state of STATES) {
      const images = await readIco(trayFile(state, '', 'ico'));
      expect(images.map((i) => i.size)).toEqual([16, 32]);
      const [x1, x2] = images;
      if (!x1 || !x2) throw new Error('missing images');
      expect(x1.pixels.equals(await rgba(trayFile(state, ''))), `tray-${state}.ico 16px`).toBe(true);
      expect(x2.pixels.equals(await rgba(trayFile(state, '@2x'))), `tray-${state}.ico 32px`).toBe(true);
    }
  });
});
