#!/usr/bin/env node
// Renders every app and tray icon from the two vector masters in assets/src/.
//
//   npm run icons        (= node scripts/icons.mjs)
//
// Inputs
//   assets/src/app-icon.svg     application icon (1024 grid)
//   assets/src/tray-glyph.svg   monochrome tray glyph (32 grid, state picked by root class)
//
// Outputs (committed; re-run this script after editing a master)
//   assets/build/icon.png                   1024 px, macOS (electron-builder derives the .icns)
//   assets/build/icons/<n>x<n>.png          Linux icon set, n = 16 32 48 64 128 256 512 1024
//   assets/build/icon.ico                   Windows, 16 24 32 48 64 128 256
//   assets/tray/tray-<state>.png            16 px, colour (Windows/Linux)
//   assets/tray/tray-<state>@2x.png         32 px, colour
//   assets/tray/tray-<state>Template.png    16 px, macOS template image (black + alpha only)
//   assets/tray/tray-<state>Template@2x.png 32 px, macOS template image
//   assets/tray/tray-<state>.ico            16 + 32, Windows
// with <state> in fresh, expiring, refreshing, failed.
//
// Every size is rasterised straight from the vector (no down-scaling of a big bitmap), so
// small sizes stay crisp. Output is deterministic for a given sharp/libvips version.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'assets', 'src');
const BUILD = path.join(ROOT, 'assets', 'build');
const TRAY = path.join(ROOT, 'assets', 'tray');

export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
export const TRAY_ICO_SIZES = [16, 32];

/** Tray states and their colours for the non-template (Windows/Linux) icons. */
export const TRAY_STATES = {
  fresh: '#1f9d55', // green: token valid
  expiring: '#d08700', // amber: expiring soon, or stale
  refreshing: '#2f81f7', // blue: refresh in progress
  failed: '#e5484d', // red: refresh failed, or sign-in needed
};

// ---------------------------------------------------------------------------------------------
// SVG handling

/** Drop XML comments so that attribute rewriting only sees real markup. */
function stripComments(svg) {
  return svg.replace(/<!--[\s\S]*?-->/g, '');
}

/** Set (or add) attributes on the root <svg> element. */
function setRootAttributes(svg, attrs) {
  const body = stripComments(svg);
  const match = /<svg\b[^>]*>/.exec(body);
  if (!match) throw new Error('no <svg> root element found');
  let tag = match[0];
  for (const [name, value] of Object.entries(attrs)) {
    const re = new RegExp(`\\s${name}="[^"]*"`);
    const attr = ` ${name}="${value}"`;
    tag = re.test(tag) ? tag.replace(re, attr) : tag.replace(/^<svg\b/, `<svg${attr}`);
  }
  return body.slice(0, match.index) + tag + body.slice(match.index + match[0].length);
}

/** Rasterise an SVG string at exactly size x size pixels; returns straight-alpha RGBA. */
async function rasterise(svg, size) {
  const sized = setRootAttributes(svg, { width: size, height: size });
  // density 72 => one SVG user pixel per output pixel, so width/height above set the size.
  const { data, info } = await sharp(Buffer.from(sized), { density: 72 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 4) {
    throw new Error(`rasterised to ${info.width}x${info.height}x${info.channels}, wanted ${size}x${size}x4`);
  }
  return data;
}

/** Encode straight-alpha RGBA as PNG (no metadata, so output is reproducible). */
function encodePng(rgba, size) {
  return sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
    .png({ compressionLevel: 9, adaptiveFiltering: true, palette: false })
    .toBuffer();
}

/** Template images must be pure black with alpha: zero every colour channel, keep alpha. */
function toTemplate(rgba) {
  const out = Buffer.from(rgba);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = 0;
    out[i + 1] = 0;
    out[i + 2] = 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ICO container
//
// ICONDIR (6 bytes) + one ICONDIRENTRY (16 bytes) per image + image data. Images below 256 px
// are stored as 32-bit BMP (DIB) with an AND mask, which every Windows consumer (shell, rcedit,
// NSIS, Electron's nativeImage) reads; the 256 px image is stored as PNG (Vista+ convention).

function bmpEntry(rgba, size) {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0); // biSize
  header.writeInt32LE(size, 4); // biWidth
  header.writeInt32LE(size * 2, 8); // biHeight: XOR bitmap + AND mask
  header.writeUInt16LE(1, 12); // biPlanes
  header.writeUInt16LE(32, 14); // biBitCount
  header.writeUInt32LE(0, 16); // biCompression = BI_RGB
  const xor = Buffer.alloc(size * size * 4);
  const maskStride = Math.ceil(size / 32) * 4;
  const and = Buffer.alloc(maskStride * size);
  for (let y = 0; y < size; y++) {
    const row = size - 1 - y; // bottom-up
    for (let x = 0; x < size; x++) {
      const s = (y * size + x) * 4;
      const d = (row * size + x) * 4;
      xor[d] = rgba[s + 2]; // B
      xor[d + 1] = rgba[s + 1]; // G
      xor[d + 2] = rgba[s]; // R
      xor[d + 3] = rgba[s + 3]; // A
      if (rgba[s + 3] === 0) and[row * maskStride + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  header.writeUInt32LE(xor.length + and.length, 20); // biSizeImage
  return Buffer.concat([header, xor, and]);
}

/** @param {{ size: number, rgba: Buffer, png: Buffer }[]} images */
export function encodeIco(images) {
  const sorted = [...images].sort((a, b) => a.size - b.size);
  const blobs = sorted.map((img) => (img.size >= 256 ? img.png : bmpEntry(img.rgba, img.size)));
  const dir = Buffer.alloc(6 + 16 * sorted.length);
  dir.writeUInt16LE(0, 0); // reserved
  dir.writeUInt16LE(1, 2); // type 1 = icon
  dir.writeUInt16LE(sorted.length, 4);
  let offset = dir.length;
  sorted.forEach((img, i) => {
    const e = 6 + 16 * i;
    dir.writeUInt8(img.size >= 256 ? 0 : img.size, e); // width (0 means 256)
    dir.writeUInt8(img.size >= 256 ? 0 : img.size, e + 1); // height
    dir.writeUInt8(0, e + 2); // palette colours
    dir.writeUInt8(0, e + 3); // reserved
    dir.writeUInt16LE(1, e + 4); // colour planes
    dir.writeUInt16LE(32, e + 6); // bits per pixel
    dir.writeUInt32LE(blobs[i].length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += blobs[i].length;
  });
  return Buffer.concat([dir, ...blobs]);
}

// ---------------------------------------------------------------------------------------------

async function renderPng(svg, size) {
  const rgba = await rasterise(svg, size);
  return { size, rgba, png: await encodePng(rgba, size) };
}

async function write(file, data, written) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
  written.push(path.relative(ROOT, file));
}

async function main() {
  const written = [];
  const appSvg = await readFile(path.join(SRC, 'app-icon.svg'), 'utf8');
  const traySvg = await readFile(path.join(SRC, 'tray-glyph.svg'), 'utf8');

  // Application icon
  const appSizes = [...new Set([...LINUX_SIZES, ...ICO_SIZES])].sort((a, b) => a - b);
  const app = new Map();
  for (const size of appSizes) app.set(size, await renderPng(appSvg, size));
  await write(path.join(BUILD, 'icon.png'), app.get(1024).png, written);
  for (const size of LINUX_SIZES) {
    await write(path.join(BUILD, 'icons', `${size}x${size}.png`), app.get(size).png, written);
  }
  await write(path.join(BUILD, 'icon.ico'), encodeIco(ICO_SIZES.map((s) => app.get(s))), written);

  // Tray icons
  for (const [state, color] of Object.entries(TRAY_STATES)) {
    const colored = setRootAttributes(traySvg, { class: `state-${state}`, color });
    const black = setRootAttributes(traySvg, { class: `state-${state}`, color: '#000000' });
    const images = [];
    for (const [size, suffix] of [
      [16, ''],
      [32, '@2x'],
    ]) {
      const img = await renderPng(colored, size);
      images.push(img);
      await write(path.join(TRAY, `tray-${state}${suffix}.png`), img.png, written);
      const template = toTemplate(await rasterise(black, size));
      await write(path.join(TRAY, `tray-${state}Template${suffix}.png`), await encodePng(template, size), written);
    }
    await write(path.join(TRAY, `tray-${state}.ico`), encodeIco(images), written);
  }

  console.log(`icons: wrote ${written.length} files`);
  for (const f of written) console.log(`  ${f}`);
}

// Run when executed directly (the helpers above stay importable without side effects).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
