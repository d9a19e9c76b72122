/**
 * The browser-test bridge: the built popover (dist/renderer) in real Chromium, with
 * `window.torus` wired to the very IPC router and handlers main uses (main/ipc/router.ts,
 * main/ipc/handlers.ts, main/ipc/app-view.ts), backed by the real core (main/core/use-cases:
 * its own settings folder in a temp folder, the real keychain via keytar in the throwaway
 * Secret Service, under a keychain service name of its own) and the Torus simulator. Only the
 * Electron ports are test doubles: an in-memory clipboard behind the core's real
 * ClipboardGuard (real timers), a login item, a shortcut registry, an approver that records
 * what it was asked, and a sign-in port that drives the simulator's real SSO page in a new
 * tab of the same browser context.
 *
 * Every value that crosses to the page (call results and pushed states) is recorded, and so
 * is every secret the keychain stores, so a test can prove that none reached the renderer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createCore, type Core } from '../../main/core/use-cases/core.js';
import { ClipboardGuard } from '../../main/core/use-cases/clipboard.js';
import { decodeStoredToken, KeytarBackend, type SecretBackend, type SecretName } from '../../main/core/infra/keychain.js';
import { findRequestTokenParam } from '../../main/core/domain/request-token.js';
import { realTimers, type SensitiveChange } from '../../main/core/ports.js';
import type { Settings } from '../../main/core/domain/settings-schema.js';
import { createIpcRouter } from '../../main/ipc/router.js';
import { isRendererPage } from '../../main/renderer-page.js';
import { createHandlers, type AppPorts } from '../../main/ipc/handlers.js';
import { AppView } from '../../main/ipc/app-view.js';
import { commandLineTool } from '../../main/cli-install.js';
import type { AppState, CommandLineToolView, LoginItemView } from '../../preload/contract.js';
import { serveDirectory, type StaticServer } from '../../scripts/bench-renderer.js';

let initScript: string | undefined;

/** Where the bridge serves axe-core (test-only; never part of the popover's bundle): the popover's own origin. */
export const AXE_PATH = '/__test__/axe.min.js';
let axeSource: string | undefined;

function axeScript(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** `createTorusApi` from preload/contract.ts plus the test transport, as one IIFE. */
export function bridgeInitScript(): string {
  if (initScript === undefined) {
    const entry = fileURLToPath(new URL('./browser-torus-entry.ts', import.meta.url));
    const out = buildSync({ entryPoints: [entry], bundle: true, format: 'iife', write: false, platform: 'browser', target: 'chrome120', logLevel: 'silent' });
    const file = out.outputFiles[0];
    if (!file) throw new Error('esbuild produced no init script');
    initScript = file.text;
  }
  return initScript;
}

/** Records every secret stored in the keychain, by name, then stores it for real. */
class RecordingBackend implements SecretBackend {
  readonly stored: Array<{ account: string; name: string; value: string }> = [];
  constructor(
    private readonly inner: SecretBackend,
    readonly service: string,
  ) {}
  get(service: string, account: string): Promise<string | null> {
    return this.inner.get(service, account);
  }
  async set(service: string, account: string, value: string): Promise<void> {
    const name = account.slice(account.lastIndexOf('/') + 1);
    // The keychain item of an access token carries its expiry too: record the token itself.
    this.stored.push({ account, name, value: name === 'accessToken' ? decodeStoredToken(value).token : value });
    await this.inner.set(service, account, value);
  }
  delete(service: string, account: string): Promise<boolean> {
    return this.inner.delete(service, account);
  }
}

export interface CrossingRecord {
  kind: 'result' | 'push';
  channel: string;
  payload: unknown;
}

export interface ApprovalRequest {
  profileName: string | null;
  changes: SensitiveChange[];
}

export interface Bridge {
  page: Page;
  context: BrowserContext;
  /** The core the handlers use: tests call the same use cases with it (addProfile(b.core, …)). */
  core: Core;
  view: AppView;
  /** The test doubles handed to createHandlers (approver and policy for direct use-case calls). */
  ports: AppPorts;
  /** What the command-line tool check answers (computed by main/cli-install.ts for a Linux machine). */
  cliView: CommandLineToolView;
  cliDownloadsOpened: number;
  /** The settings as the core reads them now. */
  settings(): Settings;
  /** The state the popover would be pushed now. */
  state(): Promise<AppState>;
  /** The access token the keychain holds for a profile. */
  accessToken(profileId: string): Promise<string>;
  /** The in-memory clipboard behind the core's ClipboardGuard. */
  clipboard: { text: string };
  loginItem: LoginItemView;
  hidePopoverCalls: number;
  quitCalls: number;
  /** What main asked the user to approve (a native dialog in the app); each is answered `confirmAnswer`. */
  approvals: ApprovalRequest[];
  confirmAnswer: boolean;
  signInPages: number;
  /** Everything that crossed into the page: call results and pushed events. */
  crossings: CrossingRecord[];
  /** Every secret the keychain stored (API key, API secret, request token, TOTP secret, access token). */
  storedSecrets(name?: SecretName): string[];
  /** Request tokens captured by the sign-in port. */
  capturedRequestTokens: string[];
  serverUrl: string;
  /** axe-core, served by the popover's own server (see AXE_PATH), so `script-src 'self'` allows it. */
  axeUrl: string;
  ipcLog: string[];
  /** Uncaught page errors and console messages about refused content (CSP violations). */
  pageProblems: string[];
  /** A warning from the app itself (as main adds when a shortcut cannot be registered); pushed at once. */
  addWarning(message: string): Promise<void>;
  /** Loads the popover (after optional clock setup) and waits for its first render. */
  open(): Promise<void>;
  /** Holds every request to Torus until the returned function is called. */
  holdTorus(): () => void;
  /** Pushes `popover:shown` as main does when the popover is shown. */
  pushPopoverShown(): Promise<void>;
  /** Waits until every state computed so far has reached the page. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface BridgeOptions {
  browser: Browser;
  rendererDir: string;
  colorScheme?: 'light' | 'dark';
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const configDir = mkdtempSync(join(tmpdir(), 'torus-bridge-'));
  const server: StaticServer = await serveDirectory(options.rendererDir, { [AXE_PATH]: { body: axeScript(), type: 'text/javascript; charset=utf-8' } });
  // A keychain service of its own: parallel tests never see each other's entries.
  const backend = new RecordingBackend(new KeytarBackend(), `Torus Token test ${randomBytes(6).toString('hex')}`);
  // Requests to Torus can be held (to see the refresh in progress); transient failures are
  // not retried with real delays in the browser tests.
  let gate: Promise<void> | null = null;
  const fetchImpl: typeof fetch = async (input, init) => {
    if (gate) await gate;
    return fetch(input, init);
  };
  const core = await createCore({ configDir, keychain: backend, keychainService: backend.service, http: { sleep: () => Promise.resolve(), fetchImpl } });

  const context = await options.browser.newContext({
    viewport: { width: 360, height: 480 },
    deviceScaleFactor: 2,
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();

  const clipboard = { text: '' };
  const crossings: CrossingRecord[] = [];
  const capturedRequestTokens: string[] = [];
  const ipcLog: string[] = [];
  const pageProblems: string[] = [];
  const appWarnings: string[] = [];
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Refused to|Content Security Policy/i.test(message.text()) && !/frame-ancestors' is ignored/.test(message.text()))
      pageProblems.push(`console: ${message.text()}`);
  });

  const bridge = {} as Bridge;
  const guard = new ClipboardGuard(
    {
      writeText: (text) => {
        clipboard.text = text;
      },
      readText: () => clipboard.text,
    },
    realTimers,
  );
  const ports: AppPorts = {
    clipboard: guard,
    signIn: {
      async open({ loginUrl }) {
        bridge.signInPages++;
        const tab = await context.newPage();
        try {
          const redirected = tab.waitForRequest((request) => findRequestTokenParam(new URL(request.url())) !== undefined, { timeout: 15_000 });
          await tab.goto(loginUrl);
          const otp = tab.locator('input[name="otp"], input[autocomplete="one-time-code"]').first();
          if ((await otp.count()) > 0) await otp.fill('123456');
          await tab.locator('form [type="submit"], form button').first().click();
          const request = await redirected;
          const requestToken = findRequestTokenParam(new URL(request.url()));
          if (!requestToken) return { outcome: 'closed' };
          capturedRequestTokens.push(requestToken);
          return { requestToken, redirectOrigin: new URL(request.url()).origin };
        } catch (error) {
          ipcLog.push(`sign-in port: ${error instanceof Error ? error.name : 'error'}`);
          return { outcome: 'timeout' };
        } finally {
          // Not awaited: Chromium sometimes takes ~15 s to report a tab closed right after a
          // redirect; the app's own sign-in window closes at once, so waiting here would only
          // slow the test down (and time it out). The context closes every tab at the end.
          void tab.close().catch(() => undefined);
        }
      },
    },
    loginItem: {
      get: () => ({ ...bridge.loginItem }),
      set: (enabled) => {
        bridge.loginItem = { supported: true, enabled, note: null };
        return { ...bridge.loginItem };
      },
    },
    shortcut: { check: () => null, apply: () => null },
    approver: {
      approve: (request) => {
        bridge.approvals.push(structuredClone(request));
        return Promise.resolve(bridge.confirmAnswer);
      },
    },
    // Stands for unpackaged development against the loopback simulator (app-main: !app.isPackaged).
    policy: { trustLoopback: true },
    commandLineTool: () => Promise.resolve(bridge.cliView),
    openCliDownload: () => {
      bridge.cliDownloadsOpened++;
    },
    hidePopover: () => {
      bridge.hidePopoverCalls++;
    },
    quit: () => {
      bridge.quitCalls++;
    },
  };

  const view = new AppView(core, 'linux', () => appWarnings);
  const router = createIpcRouter(createHandlers(core, view, ports), {
    isTrustedSender: (url) => isRendererPage({ kind: 'url', url: `${server.url}/index.html` }, url),
    log: (line) => ipcLog.push(line),
  });

  await page.exposeBinding('__torusInvoke', async ({ frame }, channel: string, payload: unknown) => {
    const result = await router.handle(channel, frame.url(), payload);
    crossings.push({ kind: 'result', channel, payload: structuredClone(result) });
    return result;
  });
  await page.addInitScript({ content: bridgeInitScript() });

  let opened = false;
  const push = (channel: 'state:changed' | 'popover:shown', payload: AppState | null): Promise<void> => {
    crossings.push({ kind: 'push', channel, payload: structuredClone(payload) });
    if (!opened || page.isClosed()) return Promise.resolve();
    return page
      .evaluate(([c, p]) => (globalThis as unknown as { __torusPush(c: string, p: unknown): void }).__torusPush(c, p), [channel, payload] as const)
      .catch(() => undefined);
  };

  // As main/app-main.ts publishes: only the newest of overlapping state computations is
  // delivered (computing one reads the keychain, so an older one can finish later and would
  // put back a stale "refreshing"), in order.
  let sequence = 0;
  let delivering: Promise<void> = Promise.resolve();
  const publish = (): Promise<void> => {
    const mine = ++sequence;
    const work = view.state().then(
      (state) => (mine === sequence ? push('state:changed', state) : undefined),
      (error: unknown) => void ipcLog.push(`state: could not be computed (${error instanceof Error ? error.name : 'error'})`),
    );
    delivering = delivering.then(() => work);
    return work;
  };
  const unwatchCore = core.onChange(() => void publish());
  const unwatchSettings = core.settings.onChange(() => {
    view.forget(null);
    void publish();
  });

  Object.assign(bridge, {
    page,
    context,
    core,
    view,
    ports,
    // A Linux machine where `torus-token` is not installed (tests replace it to show the other case).
    cliView: commandLineTool({ platform: 'linux', arch: 'x64', env: { PATH: '' }, homeDir: configDir, shellPath: null }),
    cliDownloadsOpened: 0,
    settings: () => core.settings.read(),
    state: () => view.state(),
    async accessToken(profileId: string) {
      const stored = await core.vault.getToken(profileId);
      if (!stored) throw new Error(`no access token in the keychain for ${profileId}`);
      return stored.token;
    },
    clipboard,
    loginItem: { supported: true, enabled: false, note: null } satisfies LoginItemView,
    hidePopoverCalls: 0,
    quitCalls: 0,
    approvals: [],
    confirmAnswer: true,
    signInPages: 0,
    crossings,
    capturedRequestTokens,
    ipcLog,
    pageProblems,
    serverUrl: server.url,
    axeUrl: server.url + AXE_PATH,
    storedSecrets: (name?: SecretName) => backend.stored.filter((s) => name === undefined || s.name === name).map((s) => s.value),
    async addWarning(message: string) {
      if (!appWarnings.includes(message)) appWarnings.push(message);
      await publish();
    },
    async open() {
      opened = true;
      await page.goto(`${server.url}/index.html`);
      await page.locator('[data-ready]').waitFor({ state: 'attached' });
    },
    pushPopoverShown: () => push('popover:shown', null),
    holdTorus() {
      let release!: () => void;
      gate = new Promise<void>((done) => (release = done));
      return () => {
        gate = null;
        release();
      };
    },
    async settle() {
      for (let seen = delivering; ; seen = delivering) {
        await seen;
        if (seen === delivering) return;
      }
    },
    async close() {
      unwatchCore();
      unwatchSettings();
      view.dispose();
      guard.dispose();
      await context.close().catch(() => undefined);
      await server.close();
      for (const account of new Set(backend.stored.map((s) => s.account))) await backend.delete(backend.service, account).catch(() => undefined);
      rmSync(configDir, { recursive: true, force: true });
    },
  } satisfies Partial<Bridge>);
  return bridge;
}
