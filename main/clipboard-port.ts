import type { Clipboard, ClipboardItem as ElectronClipboardItem } from 'electron';
import type { ClipboardPort as CoreClipboardPort } from './core/ports.js';

/**
 * The AppPorts clipboard on Electron's clipboard.
 *
 * Electron 45's main-process clipboard is asynchronous (W3C style: `writeText`, `readText`,
 * `write([ClipboardItem])` return promises), while AppPorts.clipboard is synchronous. So:
 * - `writeText(text)` queues the write (writes happen in order) and returns at once;
 * - `readText()` returns what this app last wrote, or '' after a clear;
 * - `writeText('')` is a guarded clear: it empties the system clipboard only if it still holds
 *   what we last wrote, checked against the real clipboard when the clear runs. The
 *   controller's auto-clear ("clear only if the clipboard still holds our token") stays true
 *   even when the user copied something else meanwhile.
 *
 * The token is marked as sensitive for clipboard managers, in the same atomic write as the
 * text, where the platform has a convention for it:
 * - Windows: ExcludeClipboardContentFromMonitorProcessing, plus CanIncludeInClipboardHistory = 0
 *   and CanUploadToCloudClipboard = 0 (kept out of Win+V history and cloud clipboard);
 * - macOS: org.nspasteboard.ConcealedType (nspasteboard.org);
 * - Linux: x-kde-passwordManagerHint = secret (Klipper and others).
 * If the platform refuses those formats, the text is written alone.
 * (Writing the marker with a second, separate clipboard call would replace the text: every
 * clipboard write starts a new clipboard content.)
 */
export type ClipboardLike = Pick<Clipboard, 'writeText' | 'readText' | 'write' | 'clear'>;
export type ClipboardItemConstructor = new (items: Record<string, string | Blob>) => ElectronClipboardItem;

export interface ClipboardPortOptions {
  clipboard: ClipboardLike;
  /** Electron's ClipboardItem class (needed for the sensitivity markers). */
  ClipboardItem?: ClipboardItemConstructor;
  platform: NodeJS.Platform;
  /** Failures are logged by operation only, never with the text. */
  log?: (line: string) => void;
}

export interface ClipboardPort extends Readonly<CoreClipboardPort> {
  /** Resolves when every queued clipboard operation has finished (tests, quit). */
  flush(): Promise<void>;
}

const osFormat = (name: string): string => `electron application/osclipboard;format="${name}"`;
const dwordZero = (): Blob => new Blob([new Uint8Array(4)]);

/** Extra clipboard formats that tell clipboard managers to leave the text alone. */
export function sensitiveFormats(platform: NodeJS.Platform): Record<string, Blob> {
  switch (platform) {
    case 'win32':
      return {
        [osFormat('ExcludeClipboardContentFromMonitorProcessing')]: new Blob([]),
        [osFormat('CanIncludeInClipboardHistory')]: dwordZero(),
        [osFormat('CanUploadToCloudClipboard')]: dwordZero(),
      };
    case 'darwin':
      return { [osFormat('org.nspasteboard.ConcealedType')]: new Blob([]) };
    case 'linux':
      return { [osFormat('x-kde-passwordManagerHint')]: new Blob(['secret']) };
    default:
      return {};
  }
}

export function createClipboardPort(options: ClipboardPortOptions): ClipboardPort {
  const { clipboard, ClipboardItem, platform } = options;
  const log = options.log ?? (() => undefined);
  let lastWritten = '';
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (operation: string, run: () => Promise<void>): void => {
    queue = queue.then(run).catch(() => log(`clipboard: ${operation} failed`));
  };

  const writeSensitive = async (text: string): Promise<void> => {
    const markers = sensitiveFormats(platform);
    if (ClipboardItem && Object.keys(markers).length > 0) {
      try {
        await clipboard.write([new ClipboardItem({ 'text/plain': text, ...markers })]);
        return;
      } catch {
        log('clipboard: the platform refused the sensitivity markers; writing plain text');
      }
    }
    await clipboard.writeText(text);
  };

  return {
    writeText(text) {
      if (text === '') {
        const ours = lastWritten;
        lastWritten = '';
        if (ours === '') return;
        enqueue('clear', async () => {
          // Only clear what we put there: the user may have copied something else since.
          if ((await clipboard.readText()) === ours) await clipboard.clear();
        });
        return;
      }
      lastWritten = text;
      enqueue('write', () => writeSensitive(text));
    },
    readText() {
      return lastWritten;
    },
    flush() {
      return queue;
    },
  };
}
