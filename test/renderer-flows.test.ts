/**
 * The built popover in real Chromium (playwright-core + Debian chromium), with
 * `window.torus` forwarded to the same IPC router and handlers main uses, backed by the real
 * core, the Torus simulator and the throwaway keychain. Each flow asserts what the user sees.
 * Screenshots of every view, light and dark, go to test-output/screenshots/.
 *
 * The simulator behaves like the real Torus: a request token works once. A flow that needs a
 * second token signs in again or uses a TOTP profile, as a trader would.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maskToken } from '../main/core/domain/redact.js';
import { switchProfile } from '../main/core/use-cases/profiles.js';
import { acceptRequestToken, signIn } from '../main/core/use-cases/sign-in.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { commandLineTool } from '../main/cli-install.js';
import { addProfile, badge, creds, expectNoSecretsCrossed, Harness, setVisibility, snap, text } from './helpers/renderer-harness.js';

const harness = new Harness();
const cleanups = harness.cleanups;
const setup = () => harness.setup();

beforeAll(() => harness.launch(), 90_000);
afterAll(() => harness.shutdown());
afterEach(() => harness.finish());

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
    const profileId = b.settings().activeProfileId!;
    expect(b.signInPages).toBe(1);
    expect(s.requestCount('login')).toBeGreaterThan(before);
    expect(b.capturedRequestTokens).toHaveLength(1);
    expect(s.requestCount('generate')).toBe(1);
    expect(await text(page, '[data-testid="token-masked"]')).toBe(maskToken(await b.accessToken(profileId)));
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(await page.getByRole('tab', { name: 'Token' }).getAttribute('aria-selected')).toBe('true');
    expect(await text(page, '[data-testid="token-times"]')).toMatch(/^issued \d{2}:\d{2} · expires in [78] h$/);
    expect(await b.core.vault.get(profileId, 'apiKey')).toBe(creds.apiKey);
    // Nothing the loopback simulator needed was put to the trader (development trusts loopback).
    expect(b.approvals).toEqual([]);
    await snap(page, 'token');
  });

  it('refresh (TOTP): shows progress, then a new token with a new issued time; the simulator saw one more TOTP call', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Auto', { mode: 'totp' });
    await b.open();
    await page.getByTestId('token-masked').waitFor();
    const issuedBefore = await page.locator('[data-testid="token-times"] time').getAttribute('datetime');
    const maskedBefore = await text(page, '[data-testid="token-masked"]');
    const calls = s.requestCount('totp');

    const release = b.holdTorus();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const busy = page.locator('button.refresh');
    await expect.poll(() => busy.textContent()).toContain('Refreshing…');
    expect(await busy.isDisabled()).toBe(true);
    await expect.poll(() => badge(page).textContent()).toContain('Refreshing');
    release();

    await expect.poll(() => page.locator('[data-testid="token-times"] time').getAttribute('datetime')).not.toBe(issuedBefore);
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(s.requestCount('totp')).toBe(calls + 1);
    expect(s.requestCount('generate')).toBe(0);
    const maskedAfter = await text(page, '[data-testid="token-masked"]');
    expect(maskedAfter).toBe(maskToken(await b.accessToken(id)));
    expect(maskedAfter).not.toBe(maskedBefore);
    expect(await busy.isDisabled()).toBe(false);
  });

  it('reveal: shows the full token from the keychain, hides it again after 30 s', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await page.clock.install();
    await b.open();
    await page.getByRole('button', { name: 'Reveal' }).click();
    const full = page.getByTestId('token-full');
    await full.waitFor();
    expect(await full.textContent()).toBe(await b.accessToken(id));
    expect(await page.getByRole('button', { name: 'Hide' }).getAttribute('aria-pressed')).toBe('true');

    await page.clock.fastForward(29_000);
    expect(await full.isVisible()).toBe(true);
    await page.clock.fastForward(2_000);
    await full.waitFor({ state: 'detached' });
    await page.getByTestId('token-masked').waitFor();
    expect(await page.content()).not.toContain(await b.accessToken(id));
    // The reveal response is the only crossing that carried the token.
    const carriers = b.crossings.filter((c) => JSON.stringify(c.payload).includes(b.storedSecrets('accessToken')[0]!));
    expect(carriers.map((c) => c.channel)).toEqual(['token:reveal']);
  });

  it('copy: the clipboard holds the token, the popover says when it clears, and the core clears it then', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.core.settings.update((draft) => {
      draft.clipboard.autoClearSeconds = 2;
    });
    await b.open();
    const generates = s.requestCount('generate');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByTestId('copied').waitFor();
    expect(await text(page, '[data-testid="copied"]')).toBe('Copied — clears in 2 s');
    expect(b.clipboard.text).toBe(await b.accessToken(id));
    // Copy never hands the token to the renderer, and a valid token is not refreshed.
    expect(b.crossings.filter((c) => c.channel === 'token:copy').map((c) => c.payload)).toEqual([{ ok: true, value: { clearsInSeconds: 2 } }]);
    expect(s.requestCount('generate')).toBe(generates);
    await expect.poll(() => b.clipboard.text, { timeout: 5_000 }).toBe('');
  });

  it('refused request token: plain words and "Sign in to Torus"; signing in makes it fresh', async () => {
    const { b, s, page } = await setup();
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
    // Said once: the paste box does not repeat what the card says (the state may arrive after the answer).
    await expect.poll(() => page.locator('.signin :is(.error, .inline-error)').count()).toBe(0);
    expect(await page.getByLabel('Or paste the redirect URL or request token').getAttribute('aria-invalid')).toBeNull();
    await snap(page, 'sign-in-needed');

    await signIn.click();
    await page.getByTestId('token-masked').waitFor();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(await alert.count()).toBe(0);
    expect(b.signInPages).toBe(1);
  });

  it('a used request token: Refresh is refused once, then answered at once without calling Torus again until the trader signs in', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    const masked = await text(page, '[data-testid="token-masked"]');
    const generates = s.requestCount('generate');

    // The saved request token was spent on this morning's token: Torus refuses it.
    await page.getByRole('button', { name: 'Refresh' }).click();
    const signInCard = page.locator('.signin-card');
    await signInCard.waitFor();
    expect(await signInCard.getByRole('heading').textContent()).toBe('Sign in to Torus again');
    expect(await signInCard.textContent()).toContain('already used');
    expect(s.requestCount('generate')).toBe(generates + 1);
    // The token of this morning still works and is still shown.
    expect(await text(page, '[data-testid="token-masked"]')).toBe(masked);
    expect((await b.state()).profiles.find((p) => p.id === id)?.refused).toBe(true);
    await expect.poll(() => page.getByTestId('refused-note').textContent()).toContain('not sent to Torus again');

    // Pressed again: the core answers at once, from what Torus said before.
    const attempts = b.settings().history[id]?.length;
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect.poll(() => page.getByTestId('action-error').textContent()).toContain('refused these credentials for "Main" earlier');
    }
    await b.settle();
    expect(s.requestCount('generate')).toBe(generates + 1);
    expect(b.settings().history[id]?.length, 'no new attempt: nothing was sent').toBe(attempts);
    await snap(page, 'refused');

    // Signing in sends a new request token: fresh again, the refusal forgotten.
    await signInCard.getByRole('button', { name: 'Sign in to Torus' }).click();
    await signInCard.waitFor({ state: 'detached' });
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(s.requestCount('generate')).toBe(generates + 2);
    expect(await text(page, '[data-testid="token-masked"]')).not.toBe(masked);
    expect(await page.getByTestId('refused-note').count()).toBe(0);
  });

  it('network failure (TOTP): a plain retry message, the old token still shown; Try again recovers', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Auto', { mode: 'totp' });
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

  it('export problem: a token file that cannot be written is approved, then the refresh warns that the bots did not get the token', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Auto', { mode: 'totp' });
    // An unwritable place: a read-only folder, whose "subfolder" is a plain file (root ignores
    // folder permissions, but no one can create a file inside a file).
    const dir = mkdtempSync(join(tmpdir(), 'torus-export-'));
    writeFileSync(join(dir, 'bots'), 'not a folder');
    chmodSync(dir, 0o500);
    cleanups.push(() => {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    });
    const exportPath = join(dir, 'bots', 'token.txt');
    await b.open();

    await page.getByRole('tab', { name: 'Settings' }).click();
    const file = page.getByLabel('Export file path');
    await file.fill(exportPath);
    await file.press('Enter');
    await expect.poll(() => b.settings().profiles.find((p) => p.id === id)?.export.filePath).toBe(exportPath);
    // Writing the token to a file is approved outside the popover (a native dialog in the app).
    expect(b.approvals).toEqual([{ profileName: 'Auto', changes: [expect.objectContaining({ kind: 'export-file', value: exportPath })] }]);

    await page.getByRole('tab', { name: 'Token' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const warning = page.getByTestId('export-problem');
    await warning.waitFor();
    expect(await warning.getByRole('heading').textContent()).toBe('The token was not handed to your bots');
    expect(await warning.textContent()).toContain(`Could not write the token file ${exportPath}`);
    // The token itself is fine.
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    expect(await text(page, '[data-testid="token-masked"]')).toBe(maskToken(await b.accessToken(id)));
    await snap(page, 'export-problem');

    // Turning the export off clears the warning with the next refresh.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await file.fill('');
    await file.press('Enter');
    await expect.poll(() => b.settings().profiles.find((p) => p.id === id)?.export.filePath).toBeNull();
    await page.getByRole('tab', { name: 'Token' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await warning.waitFor({ state: 'detached' });
  });

  it('profile switch: the select changes the active profile and its token', async () => {
    const { b, s, page } = await setup();
    const first = await addProfile(b, s, 'Equity');
    const second = await addProfile(b, s, 'Derivatives', { mode: 'totp' });
    await switchProfile(b.core, first);
    await b.open();
    const switcher = page.getByLabel('Active profile');
    expect(await switcher.inputValue()).toBe(first);
    expect(await text(page, '[data-testid="token-masked"]')).toBe(maskToken(await b.accessToken(first)));

    await switcher.selectOption({ label: 'Derivatives' });
    await expect.poll(() => text(page, '[data-testid="token-masked"]')).toBe(maskToken(await b.accessToken(second)));
    expect(b.settings().activeProfileId).toBe(second);
    await page.getByRole('tab', { name: 'Settings' }).click();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Derivatives');
    expect(await page.getByLabel('Mode').inputValue()).toBe('totp');
  });

  it('another profile that needs sign-in is shown from the active profile\'s token view; "Show" switches to it', async () => {
    const { b, s, page } = await setup();
    const equity = await addProfile(b, s, 'Equity', { token: false });
    // Yesterday's request token, pasted by mistake: Torus refuses it, so Equity needs a sign-in.
    await acceptRequestToken(b.core, equity, 'request-token-from-yesterday').catch(() => undefined);
    const derivatives = await addProfile(b, s, 'Derivatives', { mode: 'totp' });
    await b.open();

    expect(await page.getByLabel('Active profile').inputValue()).toBe(derivatives);
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    const other = page.getByTestId('other-profile');
    await other.waitFor();
    expect(await other.textContent()).toContain('Equity');
    expect(await other.textContent()).toContain('Torus needs you to sign in again.');
    await snap(page, 'other-profile');

    await other.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByLabel('Active profile').inputValue()).toBe(equity);
    expect(b.settings().activeProfileId).toBe(equity);
    await expect.poll(() => badge(page).textContent()).toContain('Sign-in needed');
    expect(await page.locator('.signin-card').getByRole('heading').textContent()).toBe('Sign in to Torus again');
    // Derivatives is fine: nothing points back to it.
    expect(await other.count()).toBe(0);
  });

  it('the profile switcher shows the status of every profile that is not fresh', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Fresh one', { mode: 'totp' });
    const refused = await addProfile(b, s, 'Refused', { token: false });
    await acceptRequestToken(b.core, refused, 'used-request-token').catch(() => undefined);
    await addProfile(b, s, 'Not yet', { token: false });
    s.setFault('reset');
    await addProfile(b, s, 'Offline', { mode: 'totp', token: false });
    await refresh(b.core, b.settings().activeProfileId!, 'login').catch(() => undefined);
    s.setFault('none');
    await b.open();

    const options = page.getByLabel('Active profile').locator('option');
    await expect.poll(() => options.allTextContents()).toEqual(['Fresh one', 'Refused — Sign-in needed', 'Not yet — No token', 'Offline — Failed']);
  });

  it('activity: the last attempts with time, outcome and latency', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main', { mode: 'totp', reason: 'login' });
    s.setFault('reset');
    await refresh(b.core, id, 'scheduled').catch(() => undefined);
    s.setFault('none');
    await refresh(b.core, id, 'retry');
    await b.open();
    await page.getByRole('tab', { name: 'Activity' }).click();
    const rows = page.locator('[data-testid="attempts"] > li');
    await expect.poll(() => rows.count()).toBe(3);
    const texts = await rows.allTextContents();
    expect(texts[0]).toMatch(/OK.*Retry/);
    expect(texts[1]).toMatch(/Failed.*Scheduled/);
    expect(texts[1]).toContain('Could not reach Torus');
    expect(texts[2]).toMatch(/OK.*At login/);
    for (const row of texts) expect(row).toMatch(/\d{2}:\d{2}:\d{2}/);
    for (const row of texts) expect(row).toMatch(/\d+(\.\d)? (ms|s)\b/);
    // A new refresh appears while the list is open.
    await page.getByRole('tab', { name: 'Token' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    await page.getByRole('tab', { name: 'Activity' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.first().textContent()).toMatch(/OK.*Manual/);
    await snap(page, 'activity');
  });

  it('settings: write-only credentials show only the last four of the key, changes apply, errors sit next to the field, forget asks first', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();

    const keyField = page.getByLabel('API key');
    expect(await keyField.inputValue()).toBe('');
    expect(await keyField.getAttribute('type')).toBe('password');
    expect(await text(page, '[data-testid="key-hint"]')).toBe(`saved ····${creds.apiKey.slice(-4)}`);
    // The secret shows that it is saved, and nothing of it.
    expect(await text(page, '[data-testid="secret-hint"]')).toBe('saved');
    // The credentials card at the top of the screenshot (the panel scrolls, the header stays).
    await page.locator('.panel').evaluate((panel) => {
      const p = panel as unknown as { scrollTop: number; querySelector(s: string): { offsetTop: number } | null; offsetTop: number };
      p.scrollTop = (p.querySelector('form[aria-labelledby="cred-heading"]')?.offsetTop ?? 0) - p.offsetTop - 12;
    });
    await snap(page, 'settings');

    // Replace the secret: saved to the keychain, the field cleared, still nothing of it shown.
    const newSecret = `secret-${randomBytes(10).toString('hex')}`;
    await page.getByLabel('API secret').fill(newSecret);
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await expect.poll(() => page.getByLabel('API secret').inputValue()).toBe('');
    expect(await b.core.vault.get(id, 'apiSecret')).toBe(newSecret);
    await page.locator('.inline-ok', { hasText: 'Saved' }).waitFor();
    expect(await text(page, '[data-testid="secret-hint"]')).toBe('saved');
    expect(await page.content()).not.toContain(newSecret.slice(-4));

    // App settings apply at once; a bad value is explained next to its field.
    await page.getByLabel('Start Torus Token at login').check();
    await expect.poll(() => b.loginItem.enabled).toBe(true);
    const seconds = page.getByLabel('Clear clipboard after (s)');
    await seconds.fill('45');
    await seconds.press('Enter');
    await page.locator('.field:has(#set-clipboard) .inline-ok', { hasText: 'Saved' }).waitFor();
    expect(b.settings().clipboard.autoClearSeconds).toBe(45);
    await seconds.fill('99999');
    await seconds.press('Enter');
    await page.locator('#clipboard-error', { hasText: 'Enter whole seconds from 0 to 3600' }).waitFor();
    expect(b.settings().clipboard.autoClearSeconds).toBe(45);
    // The daily cutoff: a real IANA zone is saved, a made-up one is explained and not saved.
    const zone = page.getByLabel('Time zone');
    await zone.fill('Europe/London');
    await zone.press('Enter');
    await page.locator('p:has(+ #cutoff-hint)', { hasText: 'Saved' }).waitFor();
    expect(b.settings().refresh.cutoffZone).toBe('Europe/London');
    await zone.fill('Mars/Olympus_Mons');
    await zone.press('Enter');
    // (Checked in the popover: the core itself fails on an unknown zone once a token exists; see the report.)
    await page.locator('#cutoff-error').waitFor();
    expect(await text(page, '#cutoff-error')).toContain('IANA time zone');
    expect(await zone.getAttribute('aria-describedby')).toBe('cutoff-error cutoff-hint');
    expect(b.settings().refresh.cutoffZone).toBe('Europe/London');
    const baseUrl = page.getByLabel('Base URL');
    await baseUrl.fill('ftp://example.com');
    await baseUrl.press('Enter');
    await page.locator('#baseUrl-error').waitFor();
    expect(await text(page, '#baseUrl-error')).toContain('https://');
    expect(b.approvals).toEqual([]);

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
    expect(b.settings().profiles).toHaveLength(1);
    await page.getByRole('button', { name: 'Forget this profile…' }).click();
    await page.getByRole('button', { name: 'Forget profile' }).click();
    // No profile left: back to the guided setup; the keychain entries are gone.
    await page.getByRole('heading', { name: 'Welcome to Torus Token' }).waitFor();
    expect(b.settings().profiles).toHaveLength(0);
    expect(await b.core.vault.get(id, 'apiKey')).toBeNull();
  });

  it('ready by: an invalid time is explained next to the field (aria-describedby); a valid one is saved and shown', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();

    const readyBy = page.getByLabel('Ready by');
    expect(await readyBy.inputValue()).toBe('08:45');
    // A time field left incomplete has no value.
    await readyBy.fill('');
    const error = page.locator('#readyBy-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('such as 08:45');
    expect(await readyBy.getAttribute('aria-invalid')).toBe('true');
    expect((await readyBy.getAttribute('aria-describedby'))?.split(' ')).toContain('readyBy-error');
    expect(b.settings().profiles[0]!.readyBy).toBe('08:45');
    await snap(page, 'ready-by');

    await readyBy.fill('09:05');
    await expect.poll(() => b.settings().profiles.find((p) => p.id === id)?.readyBy).toBe('09:05');
    await error.waitFor({ state: 'detached' });
    expect(await readyBy.getAttribute('aria-invalid')).toBeNull();
    expect((await readyBy.getAttribute('aria-describedby'))?.split(' ')).not.toContain('readyBy-error');
    await page.locator('.inline-ok', { hasText: 'Saved' }).waitFor();

    // The sign-in window may open by itself at that time.
    await page.getByLabel('Open the sign-in window by itself').check();
    await expect.poll(() => b.settings().profiles.find((p) => p.id === id)?.signInAtReadyBy).toBe(true);

    await page.getByRole('tab', { name: 'Token' }).click();
    expect((await page.locator('.meta > div', { hasText: 'Ready by' }).locator('dd').textContent())?.trim()).toBe('09:05');
  });

  it('command-line tool: Settings says it is not installed, with install commands and a download; once installed, where it is', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();
    const section = page.getByTestId('cli-tool');
    await section.waitFor();
    expect(await section.textContent()).toContain('The torus-token command is not installed');
    expect(await section.locator('pre').textContent()).toContain('torus-token-linux-x64.tar.gz');
    await section.getByRole('button', { name: 'Download torus-token-linux-x64.tar.gz' }).click();
    await expect.poll(() => b.cliDownloadsOpened).toBe(1);
    await snap(page, 'cli-not-installed');

    // Installed meanwhile: the next time Settings opens, it says where, and offers nothing to do.
    const bin = mkdtempSync(join(tmpdir(), 'torus-cli-bin-'));
    try {
      writeFileSync(join(bin, 'torus-token'), '#!/bin/sh\n', { mode: 0o755 });
      b.cliView = commandLineTool({ platform: 'linux', arch: 'x64', env: { PATH: bin }, homeDir: bin, shellPath: null });
      await page.getByRole('tab', { name: 'Token' }).click();
      await page.getByRole('tab', { name: 'Settings' }).click();
      await expect.poll(async () => (await page.getByTestId('cli-tool').textContent()) ?? '').toContain(`installed (${join(bin, 'torus-token')})`);
      expect(await page.getByTestId('cli-tool').locator('pre, button').count()).toBe(0);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('the redirect address learnt at sign-in shows in Settings and can be forgotten (to learn it again)', async () => {
    const { b, s, page } = await setup();
    const id = await addProfile(b, s, 'Main', { token: false });
    // Signed in through the sign-in port (the simulator's SSO page, which redirects to its own /callback).
    await signIn(b.core, b.ports.signIn, id);
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();
    const line = page.getByTestId('redirect-origin');
    await expect.poll(async () => (await line.textContent()) ?? '').toContain(`sends you to ${new URL(s.url).origin}`);
    await line.getByRole('button', { name: 'Forget' }).click();
    await expect.poll(() => b.settings().profiles.find((p) => p.id === id)?.redirectOrigin).toBeNull();
    await expect.poll(async () => (await line.textContent()) ?? '').toContain('learnt at sign-in');
  });

  it('the countdown ticks only while the popover is visible, and is current again the moment it shows', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await page.clock.install();
    // Counts the page's live intervals (over the installed fake clock): a hidden popover holds none.
    await page.addInitScript(() => {
      const w = globalThis as unknown as {
        setInterval(...args: unknown[]): number;
        clearInterval(handle?: number): void;
        __liveIntervals(): number;
      };
      const set = w.setInterval.bind(w);
      const clear = w.clearInterval.bind(w);
      const live = new Set<number>();
      w.setInterval = (...args: unknown[]) => {
        const handle = set(...args);
        live.add(handle);
        return handle;
      };
      w.clearInterval = (handle?: number) => {
        if (handle !== undefined) live.delete(handle);
        clear(handle);
      };
      w.__liveIntervals = () => live.size;
    });
    await b.open();
    const liveIntervals = () => page.evaluate(() => (globalThis as unknown as { __liveIntervals(): number }).__liveIntervals());
    const expiry = page.locator('[data-testid="token-times"] > span:last-child');
    const before = (await expiry.textContent()) ?? '';
    expect(before).toMatch(/^expires in [78] h$/);
    const hours = Number(/in (\d) h/.exec(before)![1]);

    // Visible: the tick moves the countdown on.
    expect(await liveIntervals()).toBe(1);
    await page.clock.runFor(60 * 60_000);
    await expect.poll(() => expiry.textContent()).toBe(`expires in ${hours - 1} h`);

    // Hidden: no tick, nothing changes on the page however long it stays hidden.
    await setVisibility(page, 'hidden');
    await page.clock.runFor(2 * 60 * 60_000);
    expect(await expiry.textContent()).toBe(`expires in ${hours - 1} h`);
    expect(await liveIntervals()).toBe(0);

    // Shown again: current at once, then ticking again.
    await setVisibility(page, 'visible');
    await expect.poll(() => expiry.textContent()).toBe(`expires in ${hours - 3} h`);
    await page.clock.runFor(60 * 60_000);
    await expect.poll(() => expiry.textContent()).toBe(`expires in ${hours - 4} h`);
  });

  it('keyboard: tabs with arrow keys, Esc hides the popover, warnings dismissible, times refresh on popover shown', async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await page.clock.install();
    await b.open();
    await b.addWarning('The copy shortcut could not be registered: another app uses it.');
    const banner = page.locator('.banner', { hasText: 'The copy shortcut could not be registered' });
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
    const token = (await b.state()).profiles[0]!.token!;
    await page.clock.setSystemTime(token.expiresAt - 30 * 60_000 + 1_000);
    await b.pushPopoverShown();
    await b.settle();
    await expect.poll(() => expiry.textContent()).toBe('expires in 29 min');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe(
      'tab-token',
    );

    await page.keyboard.press('Escape');
    await expect.poll(() => b.hidePopoverCalls).toBe(1);
  });

  it("opens on the view main asks for in the address (the tray menu's Settings and Activity)", async () => {
    const { b, s, page } = await setup();
    await addProfile(b, s, 'Main');
    await b.open();
    const shows = async (view: string): Promise<void> => {
      await expect.poll(() => page.locator(`#tab-${view}`).getAttribute('aria-selected')).toBe('true');
      await page.locator(`#panel-${view}`).waitFor();
    };
    // Loaded with the hash.
    for (const view of ['settings', 'activity'] as const) {
      await page.goto('about:blank');
      await page.goto(`${b.serverUrl}/index.html#${view}`);
      await shows(view);
    }
    // The hash changed on the open page (main's loadURL with another hash): the page is not
    // reloaded (what it holds stays), it only shows the view.
    await page.evaluate(() => ((globalThis as unknown as { __samePage: boolean }).__samePage = true));
    for (const view of ['token', 'settings', 'activity'] as const) {
      await page.goto(`${b.serverUrl}/index.html#${view}`);
      await shows(view);
    }
    expect(await page.evaluate(() => (globalThis as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
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
    expect(b.storedSecrets('apiSecret')).toEqual([creds.apiSecret]);
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
