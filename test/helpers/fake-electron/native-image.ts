/**
 * `nativeImage`. Like Electron, `createFromPath` never throws: a missing, empty or undecodable
 * file gives an empty image, silently (an invisible tray icon when nobody checks `isEmpty()`).
 * The fake reads the file and decodes the size from PNG and ICO headers, the formats the app
 * ships; anything else counts as undecodable.
 */
import { readFileSync } from 'node:fs';
import type * as Electron from 'electron';
import type { Mirror } from './mirror.js';
import type { FakeWorld } from './world.js';

type Size = Electron.Size;

export class FakeNativeImage implements Mirror<Electron.NativeImage, FakeNativeImage, { resize: FakeNativeImage; crop: FakeNativeImage }> {
  private template = false;
  constructor(
    /** The file it was created from (also when that file could not be decoded). */
    readonly path: string | null,
    private readonly size: Size | null,
    readonly dataUrl: string | null = null,
  ) {}
  setTemplateImage(option: boolean): void {
    this.template = option;
  }
  isTemplateImage(): boolean {
    return this.template;
  }
  get isMacTemplateImage(): boolean {
    return this.template;
  }
  set isMacTemplateImage(value: boolean) {
    this.template = value;
  }
  isEmpty(): boolean {
    return this.size === null;
  }
  getSize(_scaleFactor?: number): Size {
    return this.size ? { ...this.size } : { width: 0, height: 0 };
  }
  getAspectRatio(_scaleFactor?: number): number {
    return this.size && this.size.height > 0 ? this.size.width / this.size.height : 1;
  }
  getScaleFactors(): number[] {
    return this.size ? [1] : [];
  }
  toDataURL(_options?: Electron.ToDataURLOptions): string {
    return this.dataUrl ?? 'data:image/png;base64,';
  }
  toPNG(_options?: Electron.ToPNGOptions): Buffer {
    return Buffer.alloc(0);
  }
  resize(options: Electron.ResizeOptions): FakeNativeImage {
    if (!this.size) return this;
    const width = options.width ?? this.size.width;
    const height = options.height ?? Math.round((width / this.size.width) * this.size.height);
    return new FakeNativeImage(this.path, { width, height }, this.dataUrl);
  }
  crop(rect: Electron.Rectangle): FakeNativeImage {
    return new FakeNativeImage(this.path, this.size ? { width: rect.width, height: rect.height } : null, this.dataUrl);
  }
}

/** Width and height from a PNG (IHDR) or ICO (first entry) header; null when it is neither. */
export function decodeImageSize(bytes: Buffer): Size | null {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG)) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (bytes.length >= 22 && bytes.readUInt16LE(0) === 0 && bytes.readUInt16LE(2) === 1 && bytes.readUInt16LE(4) > 0) {
    return { width: bytes.readUInt8(6) || 256, height: bytes.readUInt8(7) || 256 };
  }
  return null;
}

export function createNativeImage(world: FakeWorld) {
  const keep = (image: FakeNativeImage): FakeNativeImage => {
    world.images.push(image);
    return image;
  };
  return {
    createFromPath(path: string): FakeNativeImage {
      let size: Size | null = null;
      try {
        size = decodeImageSize(readFileSync(path));
      } catch {
        // missing or unreadable: an empty image, as in Electron
      }
      return keep(new FakeNativeImage(path, size));
    },
    createEmpty: (): FakeNativeImage => keep(new FakeNativeImage(null, null)),
    createFromDataURL: (dataURL: string): FakeNativeImage =>
      keep(new FakeNativeImage(null, dataURL.length > 'data:image/png;base64,'.length ? { width: 16, height: 16 } : null, dataURL)),
    createFromBuffer: (buffer: Buffer, _options?: Electron.CreateFromBufferOptions): FakeNativeImage =>
      keep(new FakeNativeImage(null, decodeImageSize(buffer))),
  } satisfies {
    [K in 'createFromPath' | 'createEmpty' | 'createFromDataURL' | 'createFromBuffer']: (
      ...args: Parameters<(typeof Electron.nativeImage)[K]>
    ) => FakeNativeImage;
  };
}
