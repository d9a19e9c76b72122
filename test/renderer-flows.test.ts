/**
 * The built popover in real Chromium (playwright-core + Debian chromium), with
 * `window.torus` forwarded to the same IPC router main uses, backed by the real core, the
 * Torus simulator and the throwaway keychain. Each flow asserts what the user sees.
 * Screenshots of every view, light and dark, go to test-output/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureRendererBuilt, repoRoot } from '../scripts/bench-renderer.js';
import { maskToken } from '../main/core/domain/redact.js';
import { startBridge, type Bridge } from './helpers/test-bridge.js';
import { distinctiveCredentials } from './helpers/core-fixtures.js';

const SCREENSHOTS = join(repoRoot(), 'test-output', 'screenshots');

let browser: Browser;
let rendererDir: string;
let bridge: Bridge | undefined;
let sim: TorusSimulator | undefined;
const creds = { ...distinctiveCredentials(), totpSecret: base32(20) };

function base32(bytes: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(bytes)].map((b) => alphabet[b % 32]).join('');
}

beforeAll(async () => {
  rendererDir = await ensureRendererBuilt();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  // Warm-up: the first page of a fresh Chromium profile pays for font and cache set-up.
  const warm = await browser.newPage();
  await warm.setContent('<!doctype html><p style="font-family: system-ui">warm-up</p><form><input><button>ok</button></form>');
  await warm.screenshot();
  await warm.close();
}, 90_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  try {
    if (bridge) {
      await expectNoSecretsCrossed(bridge);
      // The strict CSP held: nothing was refused, and the page threw nothing.
      expect(bridge.pageProblems.filter((p) => !p.includes('foreign.invalid'))).toEqual([]);
    }
  } finally {
    await bridge?.close();
    await sim?.close();
    bridge = undefined;
    sim = undefined;
  }
});

async function setup(options: { requestTokenReuse?: 'single' | 'reusable' } = {}): Promise<{ b: Bridge; s: TorusSimulator; page: Page }> {
  sim = await startSimulator({
    apiKey: creds.apiKey,
    apiSecret: creds.apiSecret,
    totpSecret: creds.totpSecret,
    requestTokenReuse: options.requestTokenReuse ?? 'reusable',
  });
  bridge = await startBridge({ browser, rendererDir });
  bridge.page.setDefaultTimeout(15_000);
  // Independent of the time of day: the daily cutoff is ~23 h away, so the simulator's 8-hour
  // JWT sets the expiry and a new token is always "fresh".
  const hourAgo = new Date(Date.now() - 3_600_000);
  const cutoffTime = `${String(hourAgo.getUTCHours()).padStart(2, '0')}:${String(hourAgo.getUTCMinutes()).padStart(2, '0')}`;
  bridge.settings.update((draft) => {
    draft.refresh.cutoffZone = 'UTC';
    draft.refresh.cutoffTime = cutoffTime;
  });
  return { b: bridge, s: sim, page: bridge.page };
}

/** A profile pointed at the simulator with saved credentials and, optionally, a token. */
async function addProfile(b: Bridge, s: TorusSimulator, name: string, options: { mode?: 'request-token' | 'totp'; token?: boolean } = {}): Promise<string> {
  const mode = options.mode ?? 'request-token';
  const state = await b.app.addProfile({ name, mode, baseUrl: s.url, totpBaseUrl: s.url });
  const id = state.activeProfileId!;
  await b.app.saveCredentials({
    profileId: id,
    apiKey: creds.apiKey,
    ...(mode === 'totp' ? { totpSecret: creds.totpSecret } : { apiSecret: creds.apiSecret }),
  });
  if (options.token !== false) {
    if (mode === 'totp') await b.app.refresh({ profileId: id });
    else await b.app.setRequestToken(s.issueRequestToken(), { profileId: id });
  }
  return id;
}

async function accessToken(b: Bridge, profileId: string): Promise<string> {
  const token = await b.vault.get(profileId, 'accessToken');
  if (!token) throw new Error('no access token in the vault');
  return token;
}

const badge = (page: Page) => page.locator('[data-status]').first();
const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').trim();

async function snap(page: Page, view: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }).document.activeElement?.blur?.());
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${view}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The renderer never receives the API key, API secret, request token or TOTP secret; the access token only through reveal. */
async function expectNoSecretsCrossed(b: Bridge): Promise<void> {
  const never = [
    ...b.storedSecrets('apiKey'),
    ...b.storedSecrets('apiSecret'),
    ...b.storedSecrets('requestToken'),
    ...b.storedSecrets('totpSecret'),
    ...b.capturedRequestTokens,
  ];
  const accessTokens = b.storedSecrets('accessToken');
  for (const crossing of b.crossings) {
    const json = JSON.stringify(crossing.payload);
    for (const secret of never) expect(json.includes(secret), `${crossing.kind} on ${crossing.channel} carried a credential`).toBe(false);
    if (crossing.channel !== 'token:reveal') {
      for (const token of accessTokens) expect(json.includes(token), `${crossing.kind} on ${crossing.channel} carried the access token`).toBe(false);
    }
  }
  if (!b.page.isClosed()) {
    const html = await b.page.content();
    for (const secret of never) expect(html.includes(secret), 'the page shows a credential').toBe(false);
  }
}

describe('popover in Chromium, backed by the real core and the simulator', { timeout: 40_000 }, () => {
  it('first run: guided setup, save credentials, sign in via the simulator SSO, token shown masked and fresh', async () => {
    const { b, s, page } = await setup();
    await b.open();

    // Step 1: name and mode.
    await page.getByRole('heading', { name: 'Welcome to Torus Token' }).waitFor();
    await page.getByLabel('Profile name').fill('Main account');
    await page.getByLabel('Request token').check();
    await snap(page, 'first-run');
    await page.getByText('Server (advanced)').click();
    await page.getByLabel('Base URL').fill(s.url);
    await page.getByRole('button', { name: 'Continue' }).click();

    // Step 2: credentials, write-only.
    await page.getByRole('heading', { name: 'Your API credentials' }).waitFor();
    await page.getByLabel('API key').fill(creds.apiKey);
    await page.getByLabel('API secret').fill(creds.apiSecret);
    await page.getByRole('button', { name: 'Save to keychain' }).click();

    // Step 3: sign in through the simulator's real SSO page.
    await page.getByRole('heading', { name: 'Sign in to Torus' }).waitFor();
    const before = s.requestCount('login');
    await page.getByRole('button', { name: 'Sign in to Torus' }).click();

    await page.getByTestId('token-masked').waitFor();
    const profileId = b.settings.get().activeProfileId!;
    expect(b.signInPages).toBe(1);
    expect(s.requestCount('login')).toBeGreaterThan(before);
    expect(b.capturedRequestTokens).toHaveLength(1);
    expect(await text(page, '[data-testid="token-masked"]')).toBe(maskToken(await accessToken(b, profileId)));
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(await page.getByRole('tab', { name: 'Token' }).getAttribute('aria-selected')).toBe('true');
    expect(await text(page, '[data-testid="token-times"]')).toMatch(/^issued \d{2}:\d{2} · expires in [78] h$/);
    expect(await b.vault.get(profileId, 'apiKey')).toBe(creds.apiKey);
    await snap(page, 'token');
  });

  it('refresh: shows progress, then a new token with a new issued time; the simulator saw one more generate call', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    await page.getByTestId('token-masked').waitFor();
    const issuedBefore = await page.locator('[data-testid="token-times"] time').getAttribute('datetime');
    const maskedBefore = await text(page, '[data-testid="token-masked"]');
    const generates = s.requestCount('generate');

    const release = b.holdTorus();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const busy = page.locator('button.refresh');
    await expect.poll(() => busy.textContent()).toContain('Refreshing…');
    expect(await busy.isDisabled()).toBe(true);
    await expect.poll(() => badge(page).textContent()).toContain('Refreshing');
    release();

    await expect.poll(() => page.locator('[data-testid="token-times"] time').getAttribute('datetime')).not.toBe(issuedBefore);
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(s.requestCount('generate')).toBe(generates + 1);
    const maskedAfter = await text(page, '[data-testid="token-masked"]');
    expect(maskedAfter).toBe(maskToken(await accessToken(b, id)));
    expect(maskedAfter).not.toBe(maskedBefore);
    expect(await busy.isDisabled()).toBe(false);
  });

  it('reveal: shows the full token from the vault, hides it again after 30 s', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await page.clock.install();
    await b.open();
    await page.getByRole('button', { name: 'Reveal' }).click();
    const full = page.getByTestId('token-full');
    await full.waitFor();
    expect(await full.textContent()).toBe(await accessToken(b, id));
    expect(await page.getByRole('button', { name: 'Hide' }).getAttribute('aria-pressed')).toBe('true');

    await page.clock.fastForward(29_000);
    expect(await full.isVisible()).toBe(true);
    await page.clock.fastForward(2_000);
    await full.waitFor({ state: 'detached' });
    await page.getByTestId('token-masked').waitFor();
    expect(await page.content()).not.toContain(await accessToken(b, id));
    // The reveal response is the only crossing that carried the token.
    const carriers = b.crossings.filter((c) => JSON.stringify(c.payload).includes(b.storedSecrets('accessToken')[0]!));
    expect(carriers.map((c) => c.channel)).toEqual(['token:reveal']);
  });

  it('copy: the clipboard holds the token and the popover says when it clears', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByTestId('copied').waitFor();
    expect(await text(page, '[data-testid="copied"]')).toBe('Copied — clears in 30 s');
    expect(b.clipboard.text).toBe(await accessToken(b, id));
    // Copy never hands the token to the renderer.
    expect(b.crossings.filter((c) => c.channel === 'token:copy').map((c) => c.payload)).toEqual([{ ok: true, value: { clearsInSeconds: 30 } }]);
  });

  it('refused request token: plain words and "Sign in to Torus"; signing in makes it fresh', async () => {
    const { b, s, page } = await setup({ requestTokenReuse: 'single' });
    await addProfile(b, s, 'Main', { token: false });
    await b.open();
    // Configured but never signed in: the token view offers to sign in or paste.
    await page.getByLabel('Or paste the redirect URL or request token').fill(`${s.url}/callback?request_token=not-a-real-token-123`);
    await page.getByRole('button', { name: 'Use' }).click();

    const alert = page.locator('.alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Sign in to Torus again');
    await expect.poll(() => badge(page).textContent()).toContain('Sign-in needed');
    const signIn = page.getByRole('button', { name: 'Sign in to Torus' });
    expect(await signIn.isVisible()).toBe(true);
    await snap(page, 'sign-in-needed');

    await signIn.click();
    await page.getByTestId('token-masked').waitFor();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(await alert.count()).toBe(0);
    expect(b.signInPages).toBe(1);
  });

  it('network failure: a plain retry message, the old token still shown; Try again recovers', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await b.open();
    const masked = await text(page, '[data-testid="token-masked"]');

    s.setFault('reset');
    await page.getByRole('button', { name: 'Refresh' }).click();
    const alert = page.locator('.alert');
    await alert.waitFor();
    const message = (await alert.textContent()) ?? '';
    expect(message).toContain("Can't reach Torus");
    expect(message).toContain('Could not reach Torus');
    expect(message).toMatch(/try again/i);
    expect(message).toContain('Your current token still works until');
    expect(await text(page, '[data-testid="token-masked"]')).toBe(masked);

    s.setFault('none');
    await page.getByRole('button', { name: 'Try again' }).click();
    await alert.waitFor({ state: 'detached' });
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
  });

  it('profile switch: the select changes the active profile and its token', async () => {
    const { b, s, page } = await setup();
    const first = await addProfile(b, s, 'Equity');
    const second = await addProfile(b, s, 'Derivatives', { mode: 'totp' });
    await b.app.switchProfile(first);
    await b.open();
    const switcher = page.getByLabel('Active profile');
    expect(await switcher.inputValue()).toBe(first);
    expect(await text(page, '[data-testid="token-masked"]')).toBe(maskToken(await accessToken(b, first)));

    await switcher.selectOption({ label: 'Derivatives' });
    await expect.poll(() => text(page, '[data-testid="token-masked"]')).toBe(maskToken(await accessToken(b, second)));
    expect(b.settings.get().activeProfileId).toBe(second);
    await page.getByRole('tab', { name: 'Settings' }).click();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Derivatives');
    expect(await page.getByLabel('Mode').inputValue()).toBe('totp');
  });

  it('activity: the last attempts with time, outcome and latency', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    s.setFault('reset');
    await b.app.refresh({ profileId: id }).catch(() => undefined);
    s.setFault('none');
    await b.app.refresh({ profileId: id });
    await b.open();
    await page.getByRole('tab', { name: 'Activity' }).click();
    const rows = page.locator('[data-testid="attempts"] > li');
    await expect.poll(() => rows.count()).toBe(3);
    const texts = await rows.allTextContents();
    expect(texts[0]).toMatch(/OK/);
    expect(texts[1]).toMatch(/Failed/);
    expect(texts[1]).toContain('Could not reach Torus');
    expect(texts[2]).toMatch(/Sign-in/);
    for (const row of texts) expect(row).toMatch(/\d{2}:\d{2}:\d{2}/);
    for (const row of texts) expect(row).toMatch(/\d+(\.\d)? (ms|s)\b/);
    // A new refresh appears while the list is open.
    await page.getByRole('tab', { name: 'Token' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    await page.getByRole('tab', { name: 'Activity' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    await snap(page, 'activity');
  });

  it('settings: write-only credentials show only the last four, changes apply, errors sit next to the field, forget asks first', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();

    const keyField = page.getByLabel('API key');
    expect(await keyField.inputValue()).toBe('');
    expect(await keyField.getAttribute('type')).toBe('password');
    expect(await text(page, '[data-testid="apikey-hint"]')).toBe(`saved ····${creds.apiKey.slice(-4)}`);
    await snap(page, 'settings');

    // Replace the secret: saved to the vault, the field cleared.
    const newSecret = `secret-${randomBytes(10).toString('hex')}`;
    await page.getByLabel('API secret').fill(newSecret);
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await expect.poll(() => page.getByLabel('API secret').inputValue()).toBe('');
    expect(await b.vault.get(id, 'apiSecret')).toBe(newSecret);
    await expect.poll(() => page.getByText(`saved ····${newSecret.slice(-4)}`).count()).toBe(1);

    // App settings apply at once; a bad value is explained next to its field.
    await page.getByLabel('Start Torus Token at login').check();
    await expect.poll(() => b.loginItem.enabled).toBe(true);
    const seconds = page.getByLabel('Clear clipboard after (s)');
    await seconds.fill('45');
    await seconds.press('Enter');
    await expect.poll(() => b.settings.get().clipboard.autoClearSeconds).toBe(45);
    await seconds.fill('99999');
    await seconds.press('Enter');
    await page.getByText('Enter whole seconds from 0 to 3600').waitFor();
    expect(b.settings.get().clipboard.autoClearSeconds).toBe(45);
    // The daily cutoff: a real IANA zone is saved, a made-up one is explained and not saved.
    const zone = page.getByLabel('Time zone');
    await zone.fill('Europe/London');
    await zone.press('Enter');
    await expect.poll(() => b.settings.get().refresh.cutoffZone).toBe('Europe/London');
    await zone.fill('Mars/Olympus_Mons');
    await zone.press('Enter');
    await page.getByText('must be an IANA time zone').waitFor();
    expect(b.settings.get().refresh.cutoffZone).toBe('Europe/London');
    const baseUrl = page.getByLabel('Base URL');
    await baseUrl.fill('ftp://example.com');
    await baseUrl.press('Enter');
    await page.locator('#baseUrl-error').waitFor();
    expect(await text(page, '#baseUrl-error')).toContain('https://');

    // Rename, then forget with a confirmation step.
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('Primary');
    await name.press('Enter');
    await expect.poll(() => page.getByLabel('Active profile').locator('option').first().textContent()).toBe('Primary');
    await page.getByRole('button', { name: 'Forget this profile…' }).click();
    await page.getByRole('alertdialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    expect(b.hidePopoverCalls).toBe(0);
    expect(b.settings.get().profiles).toHaveLength(1);
    await page.getByRole('button', { name: 'Forget this profile…' }).click();
    await page.getByRole('button', { name: 'Forget profile' }).click();
    // No profile left: back to the guided setup; the keychain entries are gone.
    await page.getByRole('heading', { name: 'Welcome to Torus Token' }).waitFor();
    expect(b.settings.get().profiles).toHaveLength(0);
    expect(await b.vault.get(id, 'apiKey')).toBeNull();
  });

  it('keyboard: tabs with arrow keys, Esc hides the popover, warnings dismissible, times refresh on popover shown', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await page.clock.install();
    await b.open();
    b.app.addWarning('The copy shortcut could not be registered: another app uses it.');
    const banner = page.getByText('The copy shortcut could not be registered');
    await banner.waitFor();

    await page.getByRole('tab', { name: 'Token' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByRole('tab', { name: 'Activity' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByRole('tab', { name: 'Token' }).getAttribute('aria-selected')).toBe('true');

    await page.getByRole('button', { name: 'Dismiss this notice' }).click();
    await banner.waitFor({ state: 'detached' });

    // Shown again 30 min before expiry: the relative times are current at once, focus is on the tabs.
    const expiry = page.locator('[data-testid="token-times"] > span:last-child');
    expect(await expiry.textContent()).toMatch(/^expires in [78] h$/);
    await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }).document.activeElement?.blur?.());
    const { token } = await b.app.getState();
    await page.clock.setSystemTime(token!.expiresAt - 30 * 60_000 + 1_000);
    await b.pushPopoverShown();
    await b.settle();
    await expect.poll(() => expiry.textContent()).toBe('expires in 29 min');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe(
      'tab-token',
    );

    await page.keyboard.press('Escape');
    await expect.poll(() => b.hidePopoverCalls).toBe(1);
  });

  it('untrusted senders are refused and secrets never cross: only reveal carries the access token', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await addProfile(b, s, 'Auto', { mode: 'totp' });
    await b.open();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByTestId('token-full').waitFor();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Activity' }).click();
    await b.settle();

    const reveal = b.crossings.filter((c) => c.channel === 'token:reveal');
    expect(reveal).toHaveLength(1);
    expect(JSON.stringify(reveal[0]!.payload)).toContain(b.storedSecrets('accessToken').at(-1)!);
    expect(b.crossings.filter((c) => c.kind === 'push').length).toBeGreaterThan(0);
    expect(b.storedSecrets('totpSecret')).toEqual([creds.totpSecret]);
    await expectNoSecretsCrossed(b);

    // A malformed payload from our own page is refused by the router's schema check.
    const malformed = await page.evaluate(async () => {
      const w = globalThis as unknown as { __torusInvoke(c: string, p: unknown): Promise<unknown> };
      return w.__torusInvoke('token:reveal', { profileId: 'main', extra: 'x' });
    });
    expect(malformed).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(b.ipcLog.some((line) => line.includes('payload does not match'))).toBe(true);

    // The same binding called from a page of another origin is refused before any handler runs.
    await page.route('http://foreign.invalid/**', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>foreign</title>' }));
    await page.goto('http://foreign.invalid/');
    const foreign = await page.evaluate(async () => {
      const w = globalThis as unknown as { __torusInvoke(c: string, p: unknown): Promise<unknown> };
      return w.__torusInvoke('token:reveal', {});
    });
    expect(foreign).toMatchObject({ ok: false, error: { kind: 'forbidden' } });
    expect(b.ipcLog.some((line) => line.includes('untrusted sender'))).toBe(true);
  });
});
