import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeWebContents } from './helpers/fake-electron.js';
import { fakeEvent } from './helpers/fake-electron.js';
import { createTorusApi, EVENT_CHANNELS, INVOKE_CHANNELS, ipcName, type AppState, type InvokeChannel, type TorusApi } from '../preload/contract.js';
import { createIpcRouter, type Handlers } from '../main/ipc/router.js';
import { isRendererPage, type RendererLocation } from '../main/renderer-page.js';
import { APP_INDEX_URL } from '../main/app-protocol.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

const { registerIpc, broadcast } = await import('../main/ipc-main.js');
const { hardenApp, RENDERER_CSP, DEV_RENDERER_CSP, signInPartition, describeUrl } = await import('../main/security.js');

const SECRET = 'sekrit-API-SECRET-9f8e7d';
const OWN_PAGE = () => fake.__test.world.rendererUrl;
const PACKAGED: RendererLocation = { kind: 'app', url: APP_INDEX_URL, root: '/opt/torus-token/resources/app.asar/dist/renderer' };
const isOwnPage = (url: string | undefined) => isRendererPage(PACKAGED, url);

function stubHandlers(): { handlers: Handlers; calls: Array<[InvokeChannel, unknown]> } {
  const calls: Array<[InvokeChannel, unknown]> = [];
  const entries = INVOKE_CHANNELS.map((channel) => [
    channel,
    async (payload: unknown) => {
      calls.push([channel, payload]);
      return { answeredBy: channel };
    },
  ]);
  return { handlers: Object.fromEntries(entries) as unknown as Handlers, calls };
}

function setup() {
  const log: string[] = [];
  const { handlers, calls } = stubHandlers();
  const router = createIpcRouter(handlers, { isTrustedSender: isOwnPage, log: (line) => log.push(line) });
  const unregister = registerIpc(fake.ipcMain as never, router, (line) => log.push(line));
  return { log, calls, unregister };
}

beforeEach(() => fake.__test.reset());

describe('registerIpc', () => {
  it('registers a handler for every contract channel, and unregisters them all', () => {
    const { unregister } = setup();
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual(INVOKE_CHANNELS.map((c) => ipcName(c)).sort());
    expect(fake.ipcMain.handlers.size).toBe(INVOKE_CHANNELS.length);
    unregister();
    expect(fake.ipcMain.handlers.size).toBe(0);
    unregister();
  });

  it('answers a valid call from our own page', async () => {
    const { calls } = setup();
    await expect(fake.ipcMain.invoke(ipcName('token:refresh'), { profileId: 'main' })).resolves.toEqual({ ok: true, value: { answeredBy: 'token:refresh' } });
    await expect(fake.ipcMain.invoke(ipcName('state:get'), null)).resolves.toMatchObject({ ok: true });
    expect(calls.map(([c]) => c)).toEqual(['token:refresh', 'state:get']);
  });

  it('refuses a call from a foreign frame (forbidden), without running the handler or logging the payload', async () => {
    const { calls, log } = setup();
    for (const senderUrl of ['https://evil.example/', 'file:///tmp/other.html', null]) {
      const answer = await fake.ipcMain.invoke(ipcName('credentials:save'), { profileId: 'main', apiSecret: SECRET }, { senderUrl });
      expect(answer).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    }
    expect(calls).toHaveLength(0);
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log.join('\n')).not.toContain(SECRET);
  });

  it('with a frame check, refuses a subframe and another window even at our URL, before the router or a handler runs', async () => {
    const log: string[] = [];
    const { handlers, calls } = stubHandlers();
    const router = createIpcRouter(handlers, { isTrustedSender: isOwnPage, log: (line) => log.push(line) });
    // Pages of our scheme load only where it is handled, as in Electron.
    fake.protocol.handle('torus-token', async () => new Response('<!doctype html><title>Torus Token</title>', { headers: { 'content-type': 'text/html' } }));
    const popover = new fake.BrowserWindow({ show: false });
    await popover.loadURL(OWN_PAGE());
    const { isMainFrameOf } = await import('../main/popover-window.js');
    registerIpc(fake.ipcMain as never, router, (line) => log.push(line), { isTrustedFrame: (event) => isMainFrameOf(event, popover.webContents as never) });
    await expect(fake.ipcMain.invoke(ipcName('state:get'), null, { sender: popover.webContents })).resolves.toMatchObject({ ok: true });
    const subframe = popover.webContents.addFrame(OWN_PAGE());
    await expect(fake.ipcMain.invoke(ipcName('state:get'), null, { sender: popover.webContents, frame: subframe })).resolves.toMatchObject({
      ok: false,
      error: { kind: 'forbidden' },
    });
    const other = new fake.BrowserWindow({ show: false });
    await other.loadURL(OWN_PAGE());
    await expect(fake.ipcMain.invoke(ipcName('state:get'), null, { sender: other.webContents })).resolves.toMatchObject({
      ok: false,
      error: { kind: 'forbidden' },
    });
    await expect(fake.ipcMain.invoke(ipcName('state:get'), null, { sender: popover.webContents, senderUrl: null })).resolves.toMatchObject({ ok: false });
    expect(calls).toHaveLength(1);
    expect(log.filter((line) => line.includes("not the popover's main frame"))).toHaveLength(3);
  });

  it('only our app-scheme page is our page: not another host of the scheme, not our path on another origin, not file://', () => {
    expect(isOwnPage(APP_INDEX_URL)).toBe(true);
    expect(isOwnPage(`${APP_INDEX_URL}#/settings`)).toBe(true);
    expect(isOwnPage('torus-token://attacker/index.html')).toBe(false);
    expect(isOwnPage('torus-token://popover/other.html')).toBe(false);
    expect(isOwnPage('https://popover/index.html')).toBe(false);
    expect(isOwnPage('file:///opt/torus-token/resources/app.asar/dist/renderer/index.html')).toBe(false);
    expect(isOwnPage(undefined)).toBe(false);
    expect(isOwnPage('not a url')).toBe(false);
    // Development: the dev server's page, and only on its origin (a Windows share with the path is not it).
    const dev: RendererLocation = { kind: 'url', url: 'http://localhost:5173/index.html' };
    expect(isRendererPage(dev, 'http://localhost:5173/index.html#/settings')).toBe(true);
    expect(isRendererPage(dev, 'http://localhost:5174/index.html')).toBe(false);
    expect(isRendererPage(dev, 'file://localhost/index.html')).toBe(false);
  });

  it('refuses a bad payload (invalid-input), and the log line does not contain it', async () => {
    const { calls, log } = setup();
    const bad = [
      [ipcName('credentials:save'), { profileId: 'main', apiSecret: SECRET, extra: SECRET }],
      [ipcName('profiles:switch'), { profileId: `../${SECRET}` }],
      [ipcName('signin:set-request-token'), { input: SECRET.repeat(1000) }],
      [ipcName('state:get'), { sneaky: SECRET }],
    ] as const;
    for (const [channel, payload] of bad) {
      await expect(fake.ipcMain.invoke(channel, payload)).resolves.toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    }
    expect(calls).toHaveLength(0);
    expect(log).toHaveLength(bad.length);
    expect(log.join('\n')).not.toContain(SECRET);
    expect(log.join('\n')).not.toContain('sekrit');
  });

  it('broadcast sends a typed event on the namespaced channel; a destroyed window is skipped', () => {
    const window = new fake.BrowserWindow();
    const contents = window.webContents;
    expect(broadcast(contents as never, 'popover:shown', null)).toBe(true);
    expect(contents.sentOn('torus:popover:shown')).toEqual([[null]]);
    window.destroy();
    expect(broadcast(contents as never, 'popover:shown', null)).toBe(false);
    expect(broadcast(null, 'popover:shown', null)).toBe(false);
  });
});

describe('hardenApp', () => {
  function hardened(devServerOrigin: string | null = null) {
    const log: string[] = [];
    hardenApp(fake.app as never, fake.session as never, {
      isOwnPage: isOwnPage,
      devServerOrigin,
      partitions: [signInPartition('main')],
      log: (line) => log.push(line),
    });
    // Electron announces the new web contents on `app` (web-contents-created), and so does the fake.
    const window = new fake.BrowserWindow({ webPreferences: { sandbox: true } });
    return { window, contents: window.webContents as FakeWebContents, log };
  }

  it('denies window.open', () => {
    const { contents } = hardened();
    expect(contents.tryOpenWindow('https://evil.example/phish')).toEqual({ action: 'deny' });
  });

  it('blocks navigation and redirects away from our page, allows our page', () => {
    const { contents, log } = hardened();
    expect(contents.navigate(OWN_PAGE()).prevented).toBe(false);
    expect(contents.navigate(`${OWN_PAGE()}#/settings`).prevented).toBe(false);
    expect(contents.navigate('https://evil.example/?request_token=leak').prevented).toBe(true);
    expect(contents.navigate('file:///etc/passwd').prevented).toBe(true);
    expect(contents.navigate('https://evil.example/', 'will-redirect').prevented).toBe(true);
    expect(log.join('\n')).not.toContain('leak');
  });

  it('refuses <webview>', () => {
    const { contents } = hardened();
    const event = fakeEvent();
    contents.emit('will-attach-webview', event, {}, { src: 'https://evil.example/' });
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies every permission request and check on the default session and the sign-in partitions', async () => {
    hardened();
    const permissions = ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'] as const;
    for (const s of [fake.session.defaultSession, fake.session.fromPartition(signInPartition('main'))]) {
      for (const permission of permissions) {
        await expect(s.requestPermission(permission)).resolves.toBe(false);
        // The check handler too (Chromium asks it without a request, e.g. for navigator.permissions).
        expect(s.checkPermission(permission, 'file://')).toBe(false);
      }
    }
  });

  it('refuses downloads in every window’s session (will-download), also one created later', () => {
    const { contents, log } = hardened();
    expect(fake.session.defaultSession.download('https://evil.example/payload.exe', contents).prevented).toBe(true);
    const other = new fake.BrowserWindow({ webPreferences: { partition: 'some-later-partition' } });
    expect(other.webContents.session.download('https://evil.example/payload.exe', other.webContents).prevented).toBe(true);
    expect(log.join('\n')).toContain('refused a download from https://evil.example');
    other.destroy();
  });

  it('packaged (no dev server): no CSP header is added by webRequest (the app scheme serves it)', async () => {
    hardened();
    expect(fake.session.defaultSession.webRequestListeners.has('onHeadersReceived')).toBe(false);
  });

  it('npm run dev: the dev server’s page gets the CSP header with inline styles allowed (Vite injects them), nothing else', async () => {
    hardened('http://127.0.0.1:5173/');
    const s = fake.session.defaultSession;
    const own = await s.runWebRequest('onHeadersReceived', {
      url: 'http://127.0.0.1:5173/',
      resourceType: 'mainFrame',
      responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] },
    });
    expect(own).toEqual({ responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [DEV_RENDERER_CSP] } });
    await expect(s.runWebRequest('onHeadersReceived', { url: 'https://torus.example/', resourceType: 'mainFrame', responseHeaders: {} })).resolves.toEqual({});
    await expect(
      s.runWebRequest('onHeadersReceived', { url: 'http://127.0.0.1:5173/src/main.ts', resourceType: 'script', responseHeaders: {} }),
    ).resolves.toEqual({});
    expect(DEV_RENDERER_CSP).toBe(RENDERER_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"));
  });

  it('uses a CSP that allows nothing remote and nothing inline', () => {
    const directives = new Map(
      RENDERER_CSP.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(RENDERER_CSP).not.toMatch(/unsafe-|https?:|\*/);
  });

  it('logs addresses by origin only', () => {
    expect(describeUrl('https://torus.example/connect/login/KEY?request_token=x')).toBe('https://torus.example');
    expect(describeUrl('file:///home/u/secret.html')).toBe('a file: address');
    expect(describeUrl('nonsense')).toBe('an invalid address');
  });
});

describe('preload', () => {
  const torusApiNames = Object.keys(createTorusApi({ invoke: async () => null, subscribe: () => () => undefined })).sort();

  async function loadPreload(): Promise<Record<string, unknown>> {
    vi.resetModules();
    await import('../preload/preload.js');
    return fake.__test.world.exposedInMainWorld;
  }

  it('exposes exactly one key, `torus`, with the TorusApi functions and nothing of ipcRenderer', async () => {
    const exposed = await loadPreload();
    expect(Object.keys(exposed)).toEqual(['torus']);
    const torus = exposed['torus'] as Record<string, unknown>;
    expect(Object.keys(torus).sort()).toEqual(torusApiNames);
    for (const value of Object.values(torus)) {
      expect(typeof value).toBe('function');
      expect(value).not.toBe(fake.ipcRenderer);
    }
    for (const raw of ['invoke', 'send', 'sendSync', 'on', 'once', 'removeListener', 'ipcRenderer', 'postMessage']) {
      expect(torus).not.toHaveProperty(raw);
    }
    expect(Object.values(exposed)).not.toContain(fake.ipcRenderer);
  });

  it('round-trips through ipcMain and the router; subscribers get the payload only and can unsubscribe', async () => {
    const torus = (await loadPreload())['torus'] as TorusApi;
    setup();
    await expect(torus.refresh({ profileId: 'main' })).resolves.toEqual({ ok: true, value: { answeredBy: 'token:refresh' } });
    await expect(torus.switchProfile('bad id!')).resolves.toMatchObject({ ok: false, error: { kind: 'invalid-input' } });

    const received: unknown[] = [];
    const unsubscribe = torus.onState((state) => received.push(state));
    let shown = 0;
    torus.onPopoverShown(() => shown++);
    const window = new fake.BrowserWindow();
    const state = { status: 'fresh' } as unknown as AppState;
    broadcast(window.webContents as never, 'state:changed', state);
    broadcast(window.webContents as never, 'popover:shown', null);
    expect(received).toEqual([state]);
    expect(shown).toBe(1);
    unsubscribe();
    broadcast(window.webContents as never, 'state:changed', state);
    expect(received).toHaveLength(1);
    expect(fake.ipcRenderer.listenerCount(ipcName('state:changed'))).toBe(0);
    expect(EVENT_CHANNELS).toContain('state:changed');
  });

  it('refuses calls when the page is not ours', async () => {
    const torus = (await loadPreload())['torus'] as TorusApi;
    setup();
    fake.__test.world.rendererUrl = 'https://evil.example/';
    await expect(torus.revealToken()).resolves.toMatchObject({ ok: false, error: { kind: 'forbidden' } });
  });
});

describe('preload bundle (dist/preload/preload.cjs)', () => {
  it('is one CommonJS file that needs nothing but electron, as a sandboxed preload requires', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'torus-preload-'));
    try {
      const outfile = join(dir, 'preload.cjs');
      execFileSync(process.execPath, ['scripts/build-preload.mjs', '--outfile', outfile], { stdio: 'pipe' });
      const code = readFileSync(outfile, 'utf8');
      const required: string[] = [];
      const invoked: unknown[][] = [];
      const exposed: Record<string, unknown> = {};
      const electron = {
        contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
        ipcRenderer: { invoke: (...a: unknown[]) => (invoked.push(a), Promise.resolve(null)), on: () => undefined, removeListener: () => undefined },
      };
      const sandboxRequire = (name: string): unknown => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      };
      runInNewContext(code, { require: sandboxRequire, module: { exports: {} }, exports: {} });
      expect(required).toEqual(['electron']);
      expect(Object.keys(exposed)).toEqual(['torus']);
      await (exposed['torus'] as TorusApi).getHistory({ profileId: 'main' });
      expect(invoked).toEqual([['torus:history:get', { profileId: 'main' }]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
