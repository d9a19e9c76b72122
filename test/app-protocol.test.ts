// The popover's own scheme (main/app-protocol.ts): what it serves, and what it refuses.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RENDERER_CSP } from '../main/security.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

const { APP_INDEX_URL, APP_ORIGIN, APP_SCHEME_PRIVILEGES, createAppRequestHandler, handleAppScheme, isAppPageUrl, registerAppScheme, resolveAppFile } =
  await import('../main/app-protocol.js');

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'torus-app-scheme-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><script type="module" src="./assets/index-abc.js"></script>');
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(path.join(root, 'assets', 'index-abc.js.map'), '{}');
  writeFileSync(path.join(root, 'assets', 'blob.bin'), 'x');
  writeFileSync(path.join(root, '.env'), 'SECRET=1');
  writeFileSync(path.join(path.dirname(root), 'outside.js'), 'secret');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(path.join(path.dirname(root), 'outside.js'), { force: true });
});
beforeEach(() => fake.__test.reset());

describe('resolveAppFile', () => {
  it.each([
    [`${APP_ORIGIN}/`, 'index.html'],
    [`${APP_ORIGIN}/index.html#settings`, 'index.html'],
    [`${APP_ORIGIN}/assets/index-abc.js?v=1`, path.join('assets', 'index-abc.js')],
  ])('%s → %s', (url, file) => {
    expect(resolveAppFile(root, url)).toBe(path.join(root, file));
  });

  it('the URL parser clamps literal dot segments to the root (as Chromium does)', () => {
    expect(resolveAppFile(root, `${APP_ORIGIN}/../outside.js`)).toBe(path.join(root, 'outside.js'));
    expect(resolveAppFile(root, `${APP_ORIGIN}/%2e%2e/outside.js`)).toBe(path.join(root, 'outside.js'));
  });

  it.each([
    `${APP_ORIGIN}/assets/..%2f..%2foutside.js`,
    `${APP_ORIGIN}/assets%5c..%5c..%5coutside.js`,
    `${APP_ORIGIN}/index.html%00.js`,
    `${APP_ORIGIN}/%E0%A4%A`,
    `${APP_ORIGIN}/.env`,
    `${APP_ORIGIN}/assets/index-abc.js.map`,
    'torus-token://elsewhere/index.html',
    'file:///etc/passwd',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });
});

describe('the request handler', () => {
  const handler = () => createAppRequestHandler({ root });

  it('serves our page with the strict CSP header, nosniff and its content type', async () => {
    const response = await handler()(new Request(APP_INDEX_URL));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<script type="module"');
    const script = await handler()(new Request(`${APP_ORIGIN}/assets/index-abc.js`));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await handler()(new Request(`${APP_ORIGIN}/assets/index-abc.css`))).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('refuses writes, other origins’ requests, missing files, unknown types and source maps', async () => {
    const h = handler();
    expect((await h(new Request(APP_INDEX_URL, { method: 'POST', body: 'x' }))).status).toBe(405);
    expect((await h(new Request(`${APP_ORIGIN}/nope.js`))).status).toBe(404);
    expect((await h(new Request(`${APP_ORIGIN}/assets/blob.bin`))).status).toBe(404);
    expect((await h(new Request(`${APP_ORIGIN}/assets/index-abc.js.map`))).status).toBe(404);
    expect((await h(new Request(`${APP_ORIGIN}/.env`))).status).toBe(404);
    const foreign = new Request(`${APP_ORIGIN}/assets/index-abc.js`);
    Object.defineProperty(foreign, 'initiatorOrigin', { value: 'https://connects.torusdigital.com' });
    expect((await h(foreign)).status).toBe(403);
    const opaque = new Request(`${APP_ORIGIN}/assets/index-abc.js`);
    Object.defineProperty(opaque, 'initiatorOrigin', { value: null });
    expect((await h(opaque)).status).toBe(403);
    const own = new Request(`${APP_ORIGIN}/assets/index-abc.js`);
    Object.defineProperty(own, 'initiatorOrigin', { value: APP_ORIGIN });
    expect((await h(own)).status).toBe(200);
  });

  it('is registered as a standard, secure scheme, not CORS-enabled, not bypassing CSP, without service workers', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      scheme: 'torus-token',
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true, corsEnabled: false, bypassCSP: false, allowServiceWorkers: false },
    });
    expect(isAppPageUrl(`${APP_INDEX_URL}#settings`)).toBe(true);
    expect(isAppPageUrl('torus-token://popover/other.html')).toBe(false);
    expect(isAppPageUrl('file:///x/dist/renderer/index.html')).toBe(false);
  });

  it('through Electron’s protocol module: the scheme is registered before ready (after, Electron throws) and handled after', async () => {
    fake.__test.launch({ manual: true });
    registerAppScheme(fake.protocol as never);
    expect(() => handleAppScheme(fake.protocol as never, { root })).toThrow(/ready/);
    fake.__test.emitReady();
    expect(() => registerAppScheme(fake.protocol as never)).toThrow(/before app is ready/);
    handleAppScheme(fake.protocol as never, { root });
    expect(fake.__test.world.privilegedSchemes).toEqual([APP_SCHEME_PRIVILEGES]);
    const response = await fake.protocol.fetch(`${APP_ORIGIN}/assets/index-abc.js`, { initiatorOrigin: 'https://evil.example' });
    expect(response.status).toBe(403);
    // A window loads our page through the handler.
    const window = new fake.BrowserWindow({ show: false });
    await window.loadURL(APP_INDEX_URL);
    expect(window.webContents.lastResponse?.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    await expect(window.loadURL(`${APP_ORIGIN}/missing.html`)).rejects.toThrow(/ERR_HTTP_RESPONSE_CODE_FAILURE/);
    window.destroy();
  });
});
