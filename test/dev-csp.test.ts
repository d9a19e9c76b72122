/**
 * `npm run dev` is not broken by our CSP header: Vite's dev server (the real one, with the
 * project's vite.config.ts) serves the popover to real Chromium (Debian's, via playwright-core),
 * and the main document carries exactly the header main's hardenApp adds for the dev server.
 * The popover must come out styled and without a single CSP violation. The same page under the
 * packaged (strict) header is the control: Vite's injected styles are refused there, which is
 * the collision this guards against.
 */
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/bench-renderer.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);
const { hardenApp, RENDERER_CSP } = await import('../main/security.js');

let server: ViteDevServer;
let browser: Browser;
let devUrl: string;

beforeAll(async () => {
  // A free port, known before Vite starts: its HMR client connects to the configured one.
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
  server = await createServer({
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    server: { host: '127.0.0.1', port, strictPort: true },
    logLevel: 'silent',
  });
  await server.listen();
  devUrl = `http://127.0.0.1:${port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The CSP header main adds to the dev server's page (hardenApp with devServerOrigin). */
async function devHeader(): Promise<string> {
  fake.__test.reset();
  hardenApp(fake.app as never, fake.session as never, { isOwnPage: () => false, devServerOrigin: devUrl });
  const answer = await fake.session.defaultSession.runWebRequest('onHeadersReceived', { url: devUrl, resourceType: 'mainFrame', responseHeaders: {} });
  const header = (answer?.['responseHeaders'] as Record<string, string[]> | undefined)?.['Content-Security-Policy']?.[0];
  if (!header) throw new Error('hardenApp added no CSP header for the dev server');
  return header;
}

/** Loads the dev popover with `csp` as the document's header; returns its background and the CSP violations. */
async function load(csp: string): Promise<{ background: string; violations: string[] }> {
  const page = await browser.newPage({ colorScheme: 'light', viewport: { width: 360, height: 480 } });
  try {
    const violations: string[] = [];
    page.on('console', (message) => {
      // Our listener's reports, and Chromium's own "Refused to …" lines (not its note that a meta tag ignores frame-ancestors).
      if (/^Content-Security-Policy violation|Refused to/.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => console.error('Content-Security-Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
    );
    await page.route(devUrl, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
    });
    await page.goto(devUrl, { waitUntil: 'load' });
    // Vite injects app.css and each component's CSS as <style> elements from its modules.
    const backgroundOf = 'getComputedStyle(document.documentElement).backgroundColor';
    await page.waitForFunction(`${backgroundOf} === 'rgb(243, 243, 246)'`, undefined, { timeout: 10_000 }).catch(() => undefined);
    await page.waitForTimeout(200);
    const background = (await page.evaluate(backgroundOf)) as string;
    return { background, violations };
  } finally {
    await page.close();
  }
}

describe('the CSP header in `npm run dev`', () => {
  it('leaves the dev popover styled (app.css --bg) and without a CSP violation', async () => {
    const header = await devHeader();
    expect(header).toContain("style-src 'self' 'unsafe-inline'");
    expect(header).toContain("script-src 'self';");
    const { background, violations } = await load(header);
    expect(violations, violations.join('\n')).toEqual([]);
    expect(background).toBe('rgb(243, 243, 246)');
  }, 60_000);

  it('control: the packaged (strict) header on the dev page is refused styles, which the dev header avoids', async () => {
    const { background, violations } = await load(RENDERER_CSP);
    expect(violations.length).toBeGreaterThan(0);
    expect(background).not.toBe('rgb(243, 243, 246)');
  }, 60_000);
});
