/**
 * `clipboard` and `ClipboardItem` exactly as Electron 45 declares them: W3C style, so `readText`,
 * `writeText`, `write`, `read` and `has` return promises (only `clear` is synchronous), and a
 * `write([items])` replaces the whole content at once. There is no `writeBuffer`, no
 * `availableFormats`, no object form of `write`: code written against the older API fails to
 * compile against this fake, as it would against Electron.
 */
import type * as Electron from 'electron';
import type { FakeWorld } from './world.js';

type ItemValue = string | Electron.ClipboardBookmark | Blob | Promise<Blob | string>;
type Bookmark = Electron.ClipboardBookmark;
const BOOKMARK = 'electron application/bookmark';

/** Electron 45's `ClipboardItem` (main process): keeps the MIME type → payload record as given. */
export class FakeClipboardItem implements Electron.ClipboardItem {
  readonly items: Record<string, ItemValue>;
  constructor(items: Record<string, ItemValue>) {
    this.items = { ...items };
  }
  get types(): string[] {
    return Object.keys(this.items);
  }
  getType<T extends string>(type: T): Promise<string extends T ? Blob | Bookmark : T extends typeof BOOKMARK ? Bookmark : Blob>;
  getType(bookmark: typeof BOOKMARK): Promise<Bookmark>;
  async getType(type: string): Promise<Blob | Bookmark> {
    if (!(type in this.items)) throw new Error(`The type '${type}' was not found`);
    const value = await this.items[type];
    if (type === BOOKMARK) return value as Bookmark;
    return value instanceof Blob ? value : new Blob([typeof value === 'string' ? value : JSON.stringify(value)], { type });
  }
}

interface ClipboardState {
  getText(): string;
  setText(text: string): void;
  formats: Map<string, unknown>;
}

function clipboardOn(state: ClipboardState, world: FakeWorld | null, selection?: Electron.Clipboard): Electron.Clipboard {
  const api = {
    clear(): void {
      state.setText('');
      state.formats.clear();
    },
    async has(mimetype: string): Promise<boolean> {
      return state.formats.has(mimetype) || (mimetype === 'text/plain' && state.getText() !== '');
    },
    async read(): Promise<Electron.ClipboardItem[]> {
      const items: Record<string, ItemValue> = {};
      if (state.getText() !== '') items['text/plain'] = state.getText();
      for (const [type, value] of state.formats) items[type] = value as ItemValue;
      return Object.keys(items).length > 0 ? [new FakeClipboardItem(items)] : [];
    },
    async readText(): Promise<string> {
      return state.getText();
    },
    async write(data: Electron.ClipboardItem[]): Promise<void> {
      // One new clipboard content with every format of every item, at once.
      const given = data.map((item) => (item instanceof FakeClipboardItem ? { ...item.items } : Object.fromEntries(item.types.map((t) => [t, t]))));
      world?.clipboardItemWrites.push(given);
      const entries: Array<[string, unknown]> = [];
      for (const item of data) for (const type of item.types) entries.push([type, await item.getType(type)]);
      state.formats.clear();
      state.setText('');
      for (const [type, value] of entries) {
        if (type === 'text/plain') {
          const text = value instanceof Blob ? await value.text() : String(value);
          state.setText(text);
          world?.clipboardWrites.push(text);
        } else state.formats.set(type, value);
      }
    },
    async writeText(text: string): Promise<void> {
      state.formats.clear();
      state.setText(text);
      world?.clipboardWrites.push(text);
    },
  };
  return Object.assign(api, { selection: selection as Electron.Clipboard });
}

export function createClipboard(world: FakeWorld): Electron.Clipboard {
  // The Linux primary selection: a clipboard of its own.
  const selectionFormats = new Map<string, unknown>();
  const selection = clipboardOn(
    {
      getText: () => world.selectionText,
      setText: (text) => (world.selectionText = text),
      formats: selectionFormats,
    },
    null,
  );
  return clipboardOn(
    {
      getText: () => world.clipboardText,
      setText: (text) => (world.clipboardText = text),
      get formats() {
        return world.clipboardFormats;
      },
    },
    world,
    selection,
  ) satisfies Electron.Clipboard;
}
