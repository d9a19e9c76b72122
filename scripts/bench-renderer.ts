/**
 * Renderer figures for `npm run bench` (imported by scripts/bench.ts):
 *  - gzip size of the built popover's JS and CSS (dist/renderer/assets);
 *  - the popover's first render time against a blank page served the same way, in the same
 *    Chromium, interleaved, medians. "First render" is navigation start to the moment the app
 *    has put its first state on screen (the `torus:ready` performance mark it sets next to
 *    its `data-ready` attribute); `window.torus` is a stub answering with a canned state.
 * Also exports the tiny static file server the browser tests use.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { AppState, AttemptView, SettingsView } from '../preload/contract.js';

export interface RendererFigure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The repository root, from scripts/ (ts) or dist/scripts/ (built js). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'renderer'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('bench-renderer: cannot find the repository root (a folder with package.json and renderer/).');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** A file served from memory by `serveDirectory`. */
export interface ExtraFile {
  body: string | Buffer;
  type: string;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1 (ephemeral port), GET/HEAD only, never outside `dir`.
 * `extra` maps a path (e.g. "/blank.html") to a page served from memory: HTML when given as a
 * string, else with its own content type (the browser tests serve axe-core this way, from the
 * popover's own origin, so that the strict CSP lets it run unchanged).
 */
export async function serveDirectory(dir: string, extra: Record<string, string | ExtraFile> = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const inline = extra[pathname];
    if (inline !== undefined) {
      const { body, type } = typeof inline === 'string' ? { body: inline, type: TYPES['.html']! } : inline;
      res
        .writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
        .end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      body = readFileSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(body.length),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Builds the renderer with Vite (the project's vite.config.ts) into dist/renderer, in a child
 * process with NODE_ENV=production: inside a test runner NODE_ENV is "test", which would make
 * Vite and Svelte produce a development build.
 */
export function buildRenderer(root = repoRoot()): string {
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return join(root, 'dist', 'renderer');
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds dist/renderer when it is missing or older than its sources. */
export async function ensureRendererBuilt(root = repoRoot()): Promise<string> {
  const out = join(root, 'dist', 'renderer');
  const index = join(out, 'index.html');
  const sources = Math.max(newestMtime(join(root, 'renderer')), newestMtime(join(root, 'vite.config.ts')), newestMtime(join(root, 'preload', 'contract.ts')));
  if (!existsSync(index) || statSync(index).mtimeMs < sources) buildRenderer(root);
  return out;
}

/**
 * The most the popover's JS may weigh after gzip -9 (test/renderer-budget.test.ts): it is
 * parsed on every start of the popover, before the first state is on screen.
 */
export const RENDERER_JS_BUDGET_BYTES = 30_000;

export function gzipSizes(rendererDir: string): { js: number; css: number } {
  const assets = join(rendererDir, 'assets');
  let js = 0;
  let css = 0;
  for (const name of readdirSync(assets)) {
    const size = gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
    if (name.endsWith('.js')) js += size;
    else if (name.endsWith('.css')) css += size;
  }
  return { js, css };
}

/** A realistic state for the stubbed `window.torus`: one configured profile with a fresh token. */
export function cannedState(now = Date.now()): { state: AppState; settings: SettingsView; history: AttemptView[] } {
  const state: AppState = {
    activeProfileId: 'main',
    profiles: [
      {
        id: 'main',
        name: 'Main account',
        mode: 'request-token',
        baseUrl: 'https://connects.torusdigital.com',
        totpBaseUrl: 'https://oapi-cug.torusdigital.com',
        exportFilePath: null,
        exportHookCommand: null,
        readyBy: '08:45',
        signInAtReadyBy: false,
        redirectOrigin: null,
        credentials: {
          apiKey: { saved: true, lastFour: '7f3a' },
          apiSecret: { saved: true },
          requestToken: { saved: true },
          totpSecret: { saved: false },
        },
        status: 'fresh',
        token: {
          masked: 'eyJh…Qx9w',
          fingerprint: '0a1b2c3d',
          issuedAt: now - 3 * 3_600_000,
          expiresAt: now + 18 * 3_600_000,
          expirySource: 'jwt',
          source: 'request-token',
        },
        lastError: null,
        refused: false,
        exportProblem: null,
        nextRefreshAt: now + 20 * 3_600_000,
      },
    ],
    status: 'fresh',
    warnings: [],
    platform: 'linux',
  };
  const settings: SettingsView = {
    refreshAtLogin: true,
    cutoffTime: '06:00',
    cutoffZone: 'Asia/Kolkata',
    timeoutSeconds: 15,
    clipboardAutoClearSeconds: 30,
    copyShortcut: null,
    startAtLogin: { supported: true, enabled: false, note: null },
  };
  const history: AttemptView[] = [{ at: now - 3 * 3_600_000, reason: 'login', outcome: 'success', ok: true, message: 'Refreshed.', latencyMs: 412 }];
  return { state, settings, history };
}

/** An init script that defines a stub `window.torus` answering with the canned state. */
export function stubTorusScript(): string {
  const canned = JSON.stringify(cannedState());
  return `(() => {
  const canned = ${canned};
  const ok = (value) => Promise.resolve({ ok: true, value });
  const noop = () => () => {};
  window.torus = Object.freeze({
    getState: () => ok(canned.state), refresh: () => ok(canned.state), copyToken: () => ok({ clearsInSeconds: 30 }),
    revealToken: () => ok({ token: 'stub' }), signIn: () => ok({ outcome: 'closed' }), setRequestToken: () => ok(canned.state),
    saveCredentials: () => ok(canned.state), getSettings: () => ok(canned.settings), updateSettings: () => ok(canned.settings),
    addProfile: () => ok(canned.state), updateProfile: () => ok(canned.state), removeProfile: () => ok(canned.state),
    switchProfile: () => ok(canned.state), getHistory: () => ok(canned.history), hidePopover: () => ok(null), quit: () => ok(null),
    onState: noop, onPopoverShown: noop,
  });
})();`;
}

const BLANK_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>blank</title></head><body data-ready><script>performance.mark('torus:ready')</script></body></html>`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function benchRenderer(options: { runs?: number } = {}): Promise<RendererFigure[]> {
  const runs = options.runs ?? Number(process.env.BENCH_RENDERER_RUNS ?? 10);
  const dir = await ensureRendererBuilt();
  const sizes = gzipSizes(dir);
  const figures: RendererFigure[] = [
    {
      name: 'renderer JS (gzip) vs its budget',
      value: sizes.js,
      unit: 'bytes',
      baseline: RENDERER_JS_BUDGET_BYTES,
      ratio: sizes.js / RENDERER_JS_BUDGET_BYTES,
    },
    { name: 'renderer CSS (gzip)', value: sizes.css, unit: 'bytes' },
  ];

  const { chromium } = await import('playwright-core');
  const server = await serveDirectory(dir, { '/__blank.html': BLANK_HTML });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 360, height: 480 } });
    await context.addInitScript({ content: stubTorusScript() });
    const measure = async (path: string): Promise<number> => {
      const page = await context.newPage();
      try {
        await page.goto(server.url + path);
        await page.waitForSelector('[data-ready]', { state: 'attached', timeout: 15_000 });
        return await page.evaluate(() => {
          const mark = performance.getEntriesByName('torus:ready')[0];
          if (!mark) throw new Error('no torus:ready mark');
          return mark.startTime;
        });
      } finally {
        await page.close();
      }
    };
    // One warm-up each (process start-up, disk cache), then interleaved runs.
    await measure('/__blank.html');
    await measure('/index.html');
    const blank: number[] = [];
    const app: number[] = [];
    for (let i = 0; i < runs; i++) {
      blank.push(await measure('/__blank.html'));
      app.push(await measure('/index.html'));
    }
    const value = median(app);
    const baseline = median(blank);
    figures.push({ name: 'popover first render vs blank page (Chromium)', value, unit: 'ms', baseline, ratio: value / baseline });
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
  return figures;
}
