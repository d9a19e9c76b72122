/**
 * What the real-browser tests of the popover share (test/renderer-*.test.ts): one Chromium per
 * test file, and per test a Torus simulator (Torus's own rules: single-use request tokens) plus
 * the bridge (test/helpers/test-bridge.ts). `finish()` runs after each test: it proves that no
 * secret crossed into the page and that the strict CSP refused nothing, then tears down.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSimulator, type SimulatorOptions, type TorusSimulator } from '../../scripts/simulator/torus-simulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureRendererBuilt, repoRoot } from '../../scripts/bench-renderer.js';
import { addProfile as addProfileTo } from '../../main/core/use-cases/profiles.js';
import { saveCredentials } from '../../main/core/use-cases/credentials.js';
import { acceptRequestToken } from '../../main/core/use-cases/sign-in.js';
import { refresh, type RefreshReason } from '../../main/core/use-cases/tokens.js';
import { startBridge, type Bridge } from './test-bridge.js';
import { distinctiveCredentials } from './core-fixtures.js';

export const SCREENSHOTS = join(repoRoot(), 'test-output', 'screenshots');

export function base32(bytes: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(bytes)].map((b) => alphabet[b % 32]).join('');
}

/** The trader's credentials, as the simulator knows them. */
export const creds = { ...distinctiveCredentials(), totpSecret: base32(20) };

export interface Session {
  b: Bridge;
  s: TorusSimulator;
  page: Page;
}

export interface ProfileOptions {
  mode?: 'request-token' | 'totp';
  /** Get a first token: sign in with a fresh request token, or a TOTP refresh. Default true. */
  token?: boolean;
  /** Why the first TOTP refresh ran (what Activity shows). */
  reason?: RefreshReason;
}

/** One Chromium for a test file, and the session of the running test. */
export class Harness {
  browser!: Browser;
  rendererDir!: string;
  bridge: Bridge | undefined;
  sim: TorusSimulator | undefined;
  readonly cleanups: Array<() => void> = [];

  async launch(): Promise<void> {
    this.rendererDir = await ensureRendererBuilt();
    this.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    // Warm-up: the first page of a fresh Chromium profile pays for font and cache set-up.
    const warm = await this.browser.newPage();
    await warm.setContent('<!doctype html><p style="font-family: system-ui">warm-up</p><form><input><button>ok</button></form>');
    await warm.screenshot();
    await warm.close();
  }

  async shutdown(): Promise<void> {
    await this.browser?.close();
  }

  /** The simulator with Torus's own rules (single-use request tokens), and the bridge. */
  async setup(simulator: SimulatorOptions = {}): Promise<Session> {
    this.sim = await startSimulator({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, totpSecret: creds.totpSecret, ...simulator });
    this.bridge = await startBridge({ browser: this.browser, rendererDir: this.rendererDir });
    this.bridge.page.setDefaultTimeout(15_000);
    // Independent of the time of day: the daily cutoff is ~23 h away, so the simulator's 8-hour
    // JWT sets the expiry and a new token is always "fresh".
    const hourAgo = new Date(Date.now() - 3_600_000);
    const cutoffTime = `${String(hourAgo.getUTCHours()).padStart(2, '0')}:${String(hourAgo.getUTCMinutes()).padStart(2, '0')}`;
    await this.bridge.core.settings.update((draft) => {
      draft.refresh.cutoffZone = 'UTC';
      draft.refresh.cutoffTime = cutoffTime;
    });
    return { b: this.bridge, s: this.sim, page: this.bridge.page };
  }

  /** After each test: nothing secret crossed, the CSP refused nothing, the page threw nothing. */
  async finish(): Promise<void> {
    const bridge = this.bridge;
    try {
      if (bridge) {
        await expectNoSecretsCrossed(bridge);
        expect(bridge.pageProblems.filter((p) => !p.includes('foreign.invalid'))).toEqual([]);
      }
    } finally {
      await bridge?.close();
      await this.sim?.close();
      for (const cleanup of this.cleanups.splice(0)) cleanup();
      this.bridge = undefined;
      this.sim = undefined;
    }
  }
}

/** A profile pointed at the simulator with saved credentials and, optionally, a token; it becomes the active one. */
export async function addProfile(b: Bridge, s: TorusSimulator, name: string, options: ProfileOptions = {}): Promise<string> {
  const mode = options.mode ?? 'request-token';
  const { id } = await addProfileTo(b.core, { name, mode, baseUrl: s.url, totpBaseUrl: s.url }, b.ports.approver, b.ports.policy);
  await saveCredentials(b.core, id, { apiKey: creds.apiKey, ...(mode === 'totp' ? { totpSecret: creds.totpSecret } : { apiSecret: creds.apiSecret }) });
  if (options.token !== false) {
    if (mode === 'totp') await refresh(b.core, id, options.reason ?? 'manual');
    else await acceptRequestToken(b.core, id, s.issueRequestToken());
  }
  return id;
}

export const badge = (page: Page) => page.locator('[data-status]').first();
export const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').trim();

interface DomLike {
  document: {
    activeElement: { id: string; blur?: () => void; tagName: string; getAttribute(name: string): string | null; textContent: string | null } | null;
    body: unknown;
  };
}

/** The focused element, described as `#id`, `tag "text"` or "body" (focus lost). */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as DomLike;
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    if (el.id) return `#${el.id}`;
    return `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim()}"`;
  });
}

/** Screenshots of the page in both themes (focus ring off, unless `keepFocus`: blurring a field also commits it). */
export async function snap(page: Page, view: string, options: { keepFocus?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (!options.keepFocus) await page.evaluate(() => (globalThis as unknown as DomLike).document.activeElement?.blur?.());
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${view}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * Every piece of an API secret that would give it away: any six characters in a row, and its
 * last four the way a "saved ····abcd" hint or a `lastFour` field would show them. (Shorter
 * runs of hex digits turn up by chance in fingerprints and masked tokens.)
 */
function secretParts(secret: string): string[] {
  const parts = [`····${secret.slice(-4)}`, `"${secret.slice(-4)}"`];
  for (let i = 0; i + 6 <= secret.length; i++) {
    const window = secret.slice(i, i + 6);
    // "secret" and "ecret-" are words the popover uses; the random part is what matters.
    if (!/^[a-z-]+$/.test(window)) parts.push(window);
  }
  return parts;
}

/**
 * The renderer never receives the API key, the request token or the TOTP secret, nor any part
 * of the API secret (the last four of the API key are fine); the access token only through reveal.
 */
export async function expectNoSecretsCrossed(b: Bridge): Promise<void> {
  const never = [...b.storedSecrets('apiKey'), ...b.storedSecrets('requestToken'), ...b.storedSecrets('totpSecret'), ...b.capturedRequestTokens];
  const secretPieces = b.storedSecrets('apiSecret').flatMap(secretParts);
  const accessTokens = b.storedSecrets('accessToken');
  for (const crossing of b.crossings) {
    const json = JSON.stringify(crossing.payload);
    for (const secret of never) expect(json.includes(secret), `${crossing.kind} on ${crossing.channel} carried a credential`).toBe(false);
    for (const piece of secretPieces) expect(json.includes(piece), `${crossing.kind} on ${crossing.channel} carried part of the API secret`).toBe(false);
    if (crossing.channel !== 'token:reveal') {
      for (const token of accessTokens) expect(json.includes(token), `${crossing.kind} on ${crossing.channel} carried the access token`).toBe(false);
    }
  }
  if (!b.page.isClosed()) {
    const html = await b.page.content();
    for (const secret of never) expect(html.includes(secret), 'the page shows a credential').toBe(false);
    for (const piece of secretPieces) expect(html.includes(piece), 'the page shows part of the API secret').toBe(false);
  }
}

/** Makes the page believe it was hidden or shown (as Electron does when the popover hides or shows). */
export async function setVisibility(page: Page, state: 'visible' | 'hidden'): Promise<void> {
  await page.evaluate((visibility) => {
    const doc = (globalThis as unknown as { document: { dispatchEvent(e: unknown): void } }).document;
    Object.defineProperty(doc, 'visibilityState', { configurable: true, get: () => visibility });
    Object.defineProperty(doc, 'hidden', { configurable: true, get: () => visibility === 'hidden' });
    doc.dispatchEvent(new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('visibilitychange'));
  }, state);
}
