// The fake `electron` is no kinder than Electron: these tests pin the behaviours real apps trip on.
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type * as Electron from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFakeElectron, REPO_ROOT, type FakeWebContents } from './helpers/fake-electron.js';
import type { Mirror } from './helpers/fake-electron/mirror.js';

const fake = createFakeElectron();
const world = () => fake.__test.world;
beforeEach(() => fake.__test.reset());

describe('typed against electron.d.ts (compile-time: `tsc` fails if these stop being errors)', () => {
  it('a fake whose signature drifted from Electron’s does not compile', () => {
    class DriftedTray implements Mirror<Electron.Tray, DriftedTray> {
      // @ts-expect-error getBounds returns a Rectangle in Electron, not a partial one
      getBounds(): { x: number } {
        return { x: 0 };
      }
    }
    class OldClipboard implements Mirror<Electron.Clipboard, OldClipboard> {
      // @ts-expect-error Electron 45's readText is asynchronous; the old synchronous one is refused
      readText(): string {
        return '';
      }
    }
    expect(new DriftedTray().getBounds()).toEqual({ x: 0 });
    expect(new OldClipboard().readText()).toBe('');
  });

  it('the fake clipboard is Electron 45’s: promises, no writeBuffer, no availableFormats', async () => {
    const clipboard: Electron.Clipboard = fake.clipboard;
    expect(clipboard.readText()).toBeInstanceOf(Promise);
    expect(clipboard.writeText('x')).toBeInstanceOf(Promise);
    expect('writeBuffer' in clipboard).toBe(false);
    expect('availableFormats' in clipboard).toBe(false);
    await clipboard.write([new fake.ClipboardItem({ 'text/plain': 'tok', 'application/x-marker': new Blob(['1']) })]);
    expect(await clipboard.readText()).toBe('tok');
    expect(await clipboard.has('application/x-marker')).toBe(true);
    // A plain writeText replaces the whole content, the marker included.
    await clipboard.writeText('other');
    expect(await clipboard.has('application/x-marker')).toBe(false);
    // The Linux selection is a clipboard of its own.
    await clipboard.selection.writeText('selected');
    expect(await clipboard.readText()).toBe('other');
    const [item] = await clipboard.read();
    await expect(item!.getType('text/plain')).resolves.toBeInstanceOf(Blob);
  });
});

describe('app readiness', () => {
  it('after launch, whenReady resolves later, and what Electron refuses before ready throws', async () => {
    fake.__test.launch({ manual: true });
    expect(fake.app.isReady()).toBe(false);
    let ready = false;
    const waiting = fake.app.whenReady().then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ready).toBe(false);
    expect(() => new fake.BrowserWindow()).toThrow('Cannot create BrowserWindow before app is ready');
    expect(() => new fake.Tray('icon.png')).toThrow(/before app is ready/);
    expect(() => fake.screen.getPrimaryDisplay()).toThrow(/before the app 'ready' event/);
    expect(() => fake.session.defaultSession).toThrow('Session can only be received when app is ready');
    expect(() => fake.session.fromPartition('x')).toThrow(/when app is ready/);
    expect(() => fake.globalShortcut.register('Ctrl+Alt+T', () => undefined)).toThrow(/before the app is ready/);
    expect(() => fake.powerMonitor.on('resume', () => undefined)).toThrow(/before the app 'ready' event/);
    expect(() => fake.protocol.handle('x', () => new Response(''))).toThrow(/ready/);
    // …while what must happen before ready works only then.
    fake.protocol.registerSchemesAsPrivileged([{ scheme: 'x', privileges: { standard: true } }]);
    fake.__test.emitReady();
    await waiting;
    expect(ready).toBe(true);
    expect(() => fake.protocol.registerSchemesAsPrivileged([])).toThrow(/before app is ready/);
    expect(() => new fake.BrowserWindow({ show: false }).destroy()).not.toThrow();
  });

  it('launch() without manual becomes ready on a later turn, not synchronously', async () => {
    fake.__test.launch();
    expect(fake.app.isReady()).toBe(false);
    await fake.app.whenReady();
    expect(fake.app.isReady()).toBe(true);
  });

  it('app.setPath refuses a relative path and, as documented, a folder that does not exist', () => {
    expect(() => fake.app.setPath('userData', 'relative/dir')).toThrow('Path must be absolute');
    expect(() => fake.app.setPath('userData', path.join(tmpdir(), 'does-not-exist-torus-fake'))).toThrow(/does not exist/);
    const dir = mkdtempSync(path.join(tmpdir(), 'torus-fake-path-'));
    try {
      fake.app.setPath('userData', dir);
      expect(fake.app.getPath('userData')).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('windows and dialogs', () => {
  it('a message box takes the focus from the window that had it, stays open until answered, and gives the focus back to its parent', async () => {
    world().dialogResponse = 'manual';
    const parent = new fake.BrowserWindow();
    parent.focus();
    const answer = fake.dialog.showMessageBox(parent as never, { message: 'Allow?', buttons: ['Allow', 'Cancel'] });
    expect(parent.isFocused()).toBe(false);
    expect(fake.__test.openDialogs).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.__test.openDialogs).toHaveLength(1);
    fake.__test.openDialogs[0]!.answer(1);
    await expect(answer).resolves.toEqual({ response: 1, checkboxChecked: false });
    expect(parent.isFocused()).toBe(true);
  });

  it('an automatic answer still comes on a later turn, after the focus was taken', async () => {
    world().dialogResponse = 0;
    const parent = new fake.BrowserWindow();
    parent.focus();
    let answered = false;
    const answer = fake.dialog.showMessageBox(parent as never, { message: 'Allow?' }).then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    expect(parent.isFocused()).toBe(false);
    await answer;
  });

  it('show() does not focus (focus-stealing prevention); focus() does', () => {
    const window = new fake.BrowserWindow({ show: false });
    window.show();
    expect(window.isVisible()).toBe(true);
    expect(window.isFocused()).toBe(false);
    window.focus();
    expect(window.isFocused()).toBe(true);
  });

  it('ready-to-show comes once, after the first load; a window shown before it on white flashes', async () => {
    const window = new fake.BrowserWindow({ show: false });
    let readyEvents = 0;
    window.on('ready-to-show', () => readyEvents++);
    const loading = window.loadURL('https://example.test/');
    window.show();
    expect(window.flashedWhite).toBe(true);
    await loading;
    await new Promise((resolve) => setImmediate(resolve));
    await window.loadURL('https://example.test/again');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readyEvents).toBe(1);
  });

  it('every new web contents is announced on app (web-contents-created) before its creator gets it', () => {
    const seen: unknown[] = [];
    fake.app.on('web-contents-created', (_event: unknown, contents: unknown) => seen.push(contents));
    const window = new fake.BrowserWindow({ show: false });
    expect(seen).toEqual([window.webContents]);
  });

  it('loads go through webRequest and the scheme: a cancelled or unhandled load rejects like Electron', async () => {
    const window = new fake.BrowserWindow({ show: false });
    await expect(window.loadURL('torus-token://popover/index.html')).rejects.toThrow(/ERR_UNKNOWN_URL_SCHEME/);
    fake.session.defaultSession.webRequest.onBeforeRequest((_details: unknown, callback: (r: { cancel: boolean }) => void) => callback({ cancel: true }));
    await expect(window.loadURL('https://example.test/')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    await expect(window.loadFile(path.join(REPO_ROOT, 'no-such-file.html'))).rejects.toThrow(/ERR_/);
  });

  it('navigation events have Electron’s shapes: will-navigate for the main frame only, in-page changes only did-navigate-in-page', async () => {
    const window = new fake.BrowserWindow({ show: false });
    const contents = window.webContents as FakeWebContents;
    const events: string[] = [];
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'did-navigate', 'did-frame-navigate', 'did-navigate-in-page']) {
      contents.on(name, (event: { isMainFrame?: boolean }) => events.push(`${name}:${event.isMainFrame === false ? 'sub' : 'main'}`));
    }
    const frame = contents.addFrame('about:blank');
    await contents.navigateFully('https://widget.example/', { frame });
    expect(events).toEqual(['will-frame-navigate:sub', 'did-frame-navigate:main']);
    events.length = 0;
    contents.navigateInPage('https://example.test/#x');
    expect(events).toEqual(['did-navigate-in-page:main']);
    events.length = 0;
    await contents.navigateFully('https://a.example/', { redirects: ['https://b.example/'] });
    expect(events).toEqual(['will-frame-navigate:main', 'will-navigate:main', 'will-redirect:main', 'did-navigate:main']);
  });

  it('nativeImage.createFromPath: a missing file is an empty image, silently; a real icon has its size', () => {
    const missing = fake.nativeImage.createFromPath('/nowhere/tray.png');
    expect(missing.isEmpty()).toBe(true);
    expect(missing.getSize()).toEqual({ width: 0, height: 0 });
    const icon = fake.nativeImage.createFromPath(path.join(REPO_ROOT, 'assets', 'tray', 'tray-fresh.ico'));
    expect(icon.isEmpty()).toBe(false);
  });
});
