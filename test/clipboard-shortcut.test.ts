import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeElectron } from './helpers/fake-electron.js';
import { createClipboardPort, sensitiveFormats, type ClipboardItemConstructor, type ClipboardLike } from '../main/clipboard-port.js';
import { applyCopyShortcut, clearCopyShortcut, displayAccelerator, type GlobalShortcutLike } from '../main/shortcut.js';

const fake = createFakeElectron();
const world = () => fake.__test.world;
const clipboard = fake.clipboard as unknown as ClipboardLike;
const ClipboardItem = fake.ClipboardItem as unknown as ClipboardItemConstructor;
const shortcuts = fake.globalShortcut as unknown as GlobalShortcutLike;

beforeEach(() => {
  clearCopyShortcut(shortcuts);
  fake.__test.reset();
});

const EXCLUDE = 'electron application/osclipboard;format="ExcludeClipboardContentFromMonitorProcessing"';

describe('clipboard port', () => {
  it('Windows: writes the text and the history-exclusion formats in one write', async () => {
    const port = createClipboardPort({ clipboard, ClipboardItem, platform: 'win32' });
    port.writeText('tok-123');
    await port.flush();
    expect(world().clipboardText).toBe('tok-123');
    expect(world().clipboardItemWrites).toHaveLength(1);
    const [item] = world().clipboardItemWrites[0] ?? [];
    expect(Object.keys(item ?? {}).sort()).toEqual(
      [
        'text/plain',
        EXCLUDE,
        'electron application/osclipboard;format="CanIncludeInClipboardHistory"',
        'electron application/osclipboard;format="CanUploadToCloudClipboard"',
      ].sort(),
    );
    expect(world().clipboardFormats.has(EXCLUDE)).toBe(true);
    const dword = await (sensitiveFormats('win32')['electron application/osclipboard;format="CanIncludeInClipboardHistory"'] as Blob).arrayBuffer();
    expect([...new Uint8Array(dword)]).toEqual([0, 0, 0, 0]);
    expect(port.readText()).toBe('tok-123');
  });

  it('macOS marks the copy concealed; Linux hints KDE-style clipboard managers', () => {
    expect(Object.keys(sensitiveFormats('darwin'))).toEqual(['electron application/osclipboard;format="org.nspasteboard.ConcealedType"']);
    expect(Object.keys(sensitiveFormats('linux'))).toEqual(['electron application/osclipboard;format="x-kde-passwordManagerHint"']);
    expect(sensitiveFormats('aix')).toEqual({});
  });

  it('falls back to plain text when the platform refuses the extra formats', async () => {
    const log: string[] = [];
    const refusing = { ...clipboard, write: () => Promise.reject(new Error('unsupported format')) } as ClipboardLike;
    const port = createClipboardPort({ clipboard: refusing, ClipboardItem, platform: 'win32', log: (l) => log.push(l) });
    port.writeText('tok-fallback');
    await port.flush();
    expect(world().clipboardText).toBe('tok-fallback');
    expect(log.join('\n')).not.toContain('tok-fallback');
  });

  it('writes plain text when no ClipboardItem class is available', async () => {
    const port = createClipboardPort({ clipboard, platform: 'win32' });
    port.writeText('plain');
    await port.flush();
    expect(world().clipboardText).toBe('plain');
    expect(world().clipboardItemWrites).toHaveLength(0);
  });

  it('clears only when the clipboard still holds our text', async () => {
    const port = createClipboardPort({ clipboard, ClipboardItem, platform: 'linux' });
    port.writeText('tok-A');
    await port.flush();
    // The auto-clear, as AppController does it: read, compare, clear.
    if (port.readText() === 'tok-A') port.writeText('');
    await port.flush();
    expect(world().clipboardText).toBe('');
    expect(port.readText()).toBe('');

    port.writeText('tok-B');
    await port.flush();
    world().clipboardText = 'something the user copied'; // another app wrote the clipboard
    if (port.readText() === 'tok-B') port.writeText('');
    await port.flush();
    expect(world().clipboardText).toBe('something the user copied');
  });

  it('works with the asynchronous Electron 45 clipboard and keeps operations in order', async () => {
    let text = '';
    const asyncClipboard: ClipboardLike = {
      writeText: (t: string) => new Promise<void>((resolve) => setTimeout(() => ((text = t), resolve()), 5)),
      readText: () => Promise.resolve(text),
      write: () => Promise.reject(new Error('no')),
      clear: () => {
        text = '';
      },
    } as unknown as ClipboardLike;
    const port = createClipboardPort({ clipboard: asyncClipboard, platform: 'darwin' });
    port.writeText('first');
    port.writeText('second');
    port.writeText('');
    await port.flush();
    expect(text).toBe('');
    port.writeText('third');
    await port.flush();
    expect(text).toBe('third');
  });

  it('a failing clipboard is logged without the text and does not break later writes', async () => {
    const log: string[] = [];
    let fail = true;
    const flaky = {
      ...clipboard,
      writeText: (t: string) => {
        if (fail) throw new Error(`boom ${t}`);
        world().clipboardText = t;
      },
    } as ClipboardLike;
    const port = createClipboardPort({ clipboard: flaky, platform: 'freebsd', log: (l) => log.push(l) });
    port.writeText('tok-secret');
    await port.flush();
    expect(log).toEqual(['clipboard: write failed']);
    fail = false;
    port.writeText('tok-next');
    await port.flush();
    expect(world().clipboardText).toBe('tok-next');
  });
});

describe('copy shortcut', () => {
  it('registers the accelerator and the press runs the action', () => {
    const onPress = vi.fn();
    expect(applyCopyShortcut(shortcuts, 'CommandOrControl+Alt+T', onPress)).toBeNull();
    expect(fake.globalShortcut.trigger('CommandOrControl+Alt+T')).toBe(true);
    expect(onPress).toHaveBeenCalledTimes(1);
    // Applying the same one again is a no-op.
    expect(applyCopyShortcut(shortcuts, 'CommandOrControl+Alt+T', onPress)).toBeNull();
    expect(world().shortcutAttempts).toEqual(['CommandOrControl+Alt+T']);
  });

  it('switching replaces the old accelerator; null turns it off', () => {
    const onPress = vi.fn();
    applyCopyShortcut(shortcuts, 'Ctrl+Alt+T', onPress);
    expect(applyCopyShortcut(shortcuts, 'Ctrl+Alt+K', onPress)).toBeNull();
    expect([...world().shortcuts.keys()]).toEqual(['Ctrl+Alt+K']);
    expect(applyCopyShortcut(shortcuts, null, onPress)).toBeNull();
    expect(world().shortcuts.size).toBe(0);
  });

  it('a taken shortcut gives a plain problem and keeps the previous one', () => {
    const onPress = vi.fn();
    applyCopyShortcut(shortcuts, 'Ctrl+Alt+K', onPress);
    world().unavailableShortcuts.add('CommandOrControl+Alt+T');
    expect(applyCopyShortcut(shortcuts, 'CommandOrControl+Alt+T', onPress, 'win32')).toBe('The shortcut Ctrl+Alt+T is used by another app; choose another.');
    expect([...world().shortcuts.keys()]).toEqual(['Ctrl+Alt+K']);
    expect(fake.globalShortcut.trigger('Ctrl+Alt+K')).toBe(true);
  });

  it.each(['Ctrl+C', 'CommandOrControl+V', 'Ctrl+Shift+C', 'Ctrl+Shift+V', 'Cmd+Shift+Z', 'Control+A', 'Shift+Insert', 'F5', 'Shift+K'])(
    'a shortcut that would take copy, paste, cut, select all or undo from every app (or has no Ctrl/Cmd/Alt) is refused, and the old one stays: %s',
    (accelerator) => {
      const onPress = vi.fn();
      applyCopyShortcut(shortcuts, 'Ctrl+Alt+K', onPress);
      expect(applyCopyShortcut(shortcuts, accelerator, onPress, 'linux')).toMatch(/copying, pasting or undoing|needs Ctrl, Cmd or Alt/);
      expect([...world().shortcuts.keys()]).toEqual(['Ctrl+Alt+K']);
    },
  );

  it('an accelerator Electron cannot parse gives a plain problem', () => {
    const throwing = {
      ...shortcuts,
      register: () => {
        throw new Error('conversion failure');
      },
    } as GlobalShortcutLike;
    expect(applyCopyShortcut(throwing, 'Ctrl+Banana', vi.fn(), 'linux')).toMatch(/^The shortcut Ctrl\+Banana is not a valid key combination/);
  });

  it('shows accelerators in the platform’s words', () => {
    expect(displayAccelerator('CommandOrControl+Alt+T', 'win32')).toBe('Ctrl+Alt+T');
    expect(displayAccelerator('CmdOrCtrl+Shift+K', 'darwin')).toBe('Cmd+Shift+K');
    expect(displayAccelerator('Control+Super+F5', 'linux')).toBe('Ctrl+Super+F5');
  });

  it('clearCopyShortcut unregisters on quit', () => {
    applyCopyShortcut(shortcuts, 'Ctrl+Alt+T', vi.fn());
    clearCopyShortcut(shortcuts);
    expect(world().shortcuts.size).toBe(0);
  });
});
