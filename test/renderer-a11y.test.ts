/**
 * Accessibility audit of the popover: axe-core (WCAG 2.0/2.1 A and AA, and best practices) in
 * real Chromium, in every view and state the renderer has, light and dark, scrolled through.
 * The popover is the built one, backed by the real core and the Torus simulator (the bridge);
 * axe runs under the popover's own CSP (test/helpers/axe-audit.ts).
 *
 * Every state must have no violation of any impact. The figures per state and theme are
 * written to test-output/a11y/axe-report.json and .md.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { repoRoot } from '../scripts/bench-renderer.js';
import { addProfile as addProfileTo } from '../main/core/use-cases/profiles.js';
import { acceptRequestToken } from '../main/core/use-cases/sign-in.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { updateProfile } from '../main/core/use-cases/profiles.js';
import { auditPage, byRule, expectCspIntact, type Audit } from './helpers/axe-audit.js';
import { addProfile, badge, creds, Harness } from './helpers/renderer-harness.js';
import type { Bridge } from './helpers/test-bridge.js';

const harness = new Harness();
const figures = new Map<string, Audit>();

beforeAll(() => harness.launch(), 90_000);
afterAll(async () => {
  await harness.shutdown();
  writeReport();
});
afterEach(() => harness.finish());

/** Audits the page as it is now, in both themes; every violation is a (soft) failure. */
async function audit(page: Page, b: Bridge, state: string): Promise<void> {
  const result = await auditPage(page, b);
  figures.set(state, result);
  for (const theme of ['light', 'dark'] as const) {
    expect.soft(result[theme].violations, `${state} (${theme})`).toEqual([]);
    expect.soft(result[theme].undecidedContrast, `${state} (${theme}): contrast axe could not decide`).toEqual([]);
  }
}

function writeReport(): void {
  if (figures.size === 0) return;
  const dir = join(repoRoot(), 'test-output', 'a11y');
  mkdirSync(dir, { recursive: true });
  const json = Object.fromEntries([...figures].map(([state, a]) => [state, a]));
  writeFileSync(join(dir, 'axe-report.json'), JSON.stringify(json, null, 2) + '\n');
  const cell = (a: Audit['light']): string => {
    const rules = byRule(a.violations);
    const total = Object.values(rules).reduce((n, v) => n + v, 0);
    return total === 0
      ? '0'
      : `${total}: ${Object.entries(rules)
          .map(([r, n]) => `${r} ×${n}`)
          .join(', ')}`;
  };
  const lines = ['| State | Light | Dark | axe runs |', '| --- | --- | --- | --- |'];
  for (const [state, a] of figures) lines.push(`| ${state} | ${cell(a.light)} | ${cell(a.dark)} | ${a.light.runs + a.dark.runs} |`);
  writeFileSync(join(dir, 'axe-report.md'), lines.join('\n') + '\n');
}

const heading = (page: Page, name: string) => page.getByRole('heading', { name }).waitFor();

describe('accessibility audit (axe-core, light and dark, scrolled through)', { timeout: 90_000 }, () => {
  it('axe runs under the popover’s own CSP, unchanged', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main');
    await b.open();
    await audit(page, b, 'token: fresh (request token)');
    await expectCspIntact(page, b, harness.rendererDir);
  });

  it('first run, request-token mode: each step, its errors and an unfinished sign-in', async () => {
    const { b, s, page } = await harness.setup();
    await b.open();
    await heading(page, 'Welcome to Torus Token');
    await audit(page, b, 'setup 1: profile');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#setup-error').waitFor();
    await audit(page, b, 'setup 1: name missing');

    await page.getByLabel('Profile name').fill('Main account');
    await page.getByText('Server (advanced)').click();
    await page.getByLabel('Base URL').fill(s.url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, 'Your API credentials');
    await audit(page, b, 'setup 2: credentials (request token)');
    await page.getByRole('button', { name: 'Save to keychain' }).click();
    await page.locator('#credentials-error', { hasText: 'Enter both the API key and the API secret' }).waitFor();
    await audit(page, b, 'setup 2: credentials missing');

    await page.getByLabel('API key').fill(creds.apiKey);
    await page.getByLabel('API secret').fill(creds.apiSecret);
    await page.getByRole('button', { name: 'Save to keychain' }).click();
    await heading(page, 'Sign in to Torus');
    await audit(page, b, 'setup 3: sign in');

    // The trader closes the sign-in window: nothing captured, said in plain words.
    const realSignIn = b.ports.signIn;
    b.ports.signIn = { open: () => Promise.resolve({ outcome: 'closed' }) };
    await page.getByRole('button', { name: 'Sign in to Torus' }).click();
    await page.locator('.signin', { hasText: 'The sign-in window was closed' }).waitFor();
    await audit(page, b, 'setup 3: sign-in window closed');
    b.ports.signIn = realSignIn;

    await page.getByRole('button', { name: 'Sign in to Torus' }).click();
    await page.getByTestId('token-masked').waitFor();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    await audit(page, b, 'token: fresh, right after setup');
  });

  it('first run, TOTP mode: each step, a failed first token; adding a second profile', async () => {
    const { b, s, page } = await harness.setup();
    await b.open();
    await heading(page, 'Welcome to Torus Token');
    await page.getByLabel('Profile name').fill('Auto');
    await page.getByLabel('TOTP').check();
    await page.getByText('Server (advanced)').click();
    await page.getByLabel('Base URL', { exact: true }).fill(s.url);
    await page.getByLabel('TOTP base URL').fill(s.url);
    await audit(page, b, 'setup 1: TOTP, server details open');
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, 'Your API credentials');
    await audit(page, b, 'setup 2: credentials (TOTP)');
    await page.getByLabel('API key').fill(creds.apiKey);
    await page.getByLabel('TOTP secret').fill(creds.totpSecret);
    await page.getByRole('button', { name: 'Save to keychain' }).click();
    await heading(page, 'Get your first token');
    await audit(page, b, 'setup 3: first token (TOTP)');

    s.setFault('reset');
    await page.getByRole('button', { name: "Get today's token" }).click();
    await page.locator('.setup .inline-error', { hasText: 'Could not reach Torus' }).waitFor();
    await audit(page, b, 'setup 3: first token failed');
    s.setFault('none');
    await page.getByRole('button', { name: "Get today's token" }).click();
    await page.getByTestId('token-masked').waitFor();

    await page.getByRole('tab', { name: 'Settings' }).click();
    await audit(page, b, 'settings (TOTP profile)');
    await page.getByRole('button', { name: 'Add profile…' }).click();
    await heading(page, 'Add a profile');
    await audit(page, b, 'setup 1: adding a second profile');
  });

  it('token view: revealed and copied, refreshing, failed, notices, expiring soon', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Auto', { mode: 'totp' });
    await b.open();
    await page.getByTestId('token-masked').waitFor();
    await audit(page, b, 'token: fresh (TOTP)');

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByTestId('token-full').waitFor();
    await page.getByTestId('copied').waitFor();
    await audit(page, b, 'token: revealed and copied');
    await page.getByRole('button', { name: 'Hide' }).click();

    const release = b.holdTorus();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => badge(page).textContent()).toContain('Refreshing');
    await audit(page, b, 'token: refreshing');
    release();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');

    s.setFault('reset');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.alert').waitFor();
    await audit(page, b, 'token: refresh failed, old token still good');
    s.setFault('none');

    await b.addWarning('The copy shortcut could not be registered: another app uses it.');
    await b.addWarning(
      'The settings folder could not be written: permission denied. Your changes are kept for this session only; check the folder permissions, then change a setting again to retry. '.repeat(
        2,
      ),
    );
    await page.locator('.banner', { hasText: 'The copy shortcut could not be registered' }).waitFor();
    await audit(page, b, 'token: two notices (one long)');

    await b.core.settings.update((draft) => {
      draft.refresh.marginMinutes = 720;
    });
    await expect.poll(() => badge(page).textContent()).toContain('Expiring soon');
    await audit(page, b, 'token: expiring soon');
  });

  it('token view: expired, and failed with no token', async () => {
    const { b, s, page } = await harness.setup({ tokenLifetimeSeconds: 1 });
    await addProfile(b, s, 'Short', { mode: 'totp' });
    await new Promise((done) => setTimeout(done, 1_500));
    await b.open();
    await expect.poll(() => badge(page).textContent()).toContain('Stale');
    await audit(page, b, 'token: expired');

    s.setFault('reset');
    await addProfile(b, s, 'Offline', { mode: 'totp', token: false });
    await refresh(b.core, b.settings().activeProfileId!, 'login').catch(() => undefined);
    // A profile added behind the popover's back opens its guided setup; the trader opens the popover afresh.
    await b.open();
    await expect.poll(() => badge(page).textContent()).toContain('Failed');
    await audit(page, b, 'token: failed, no token; another profile expired');
  });

  it('token view: sign in to get a token, sign-in needed, refused credentials', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main', { token: false });
    await b.open();
    await page.getByRole('heading', { name: 'Sign in to get a token' }).waitFor();
    await audit(page, b, 'token: sign in to get a token');

    await page.getByLabel('Or paste the redirect URL or request token').fill(`${s.url}/callback?request_token=not-a-real-token-123`);
    await page.getByRole('button', { name: 'Use' }).click();
    await expect.poll(() => badge(page).textContent()).toContain('Sign-in needed');
    await audit(page, b, 'token: sign-in needed (no token)');

    // Signed in, then the spent request token is refused on Refresh: the card, the refusal
    // note and the answer next to the button.
    await page.getByRole('button', { name: 'Sign in to Torus' }).click();
    await page.getByTestId('token-masked').waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('refused-note').waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('.token-card').textContent()).toContain('refused these credentials');
    await audit(page, b, 'token: sign-in needed, refused credentials');
  });

  it('token view: export problem and another profile that needs the trader', async () => {
    const { b, s, page } = await harness.setup();
    const equity = await addProfile(b, s, 'Equity', { token: false });
    await acceptRequestToken(b.core, equity, 'request-token-from-yesterday').catch(() => undefined);
    const id = await addProfile(b, s, 'Auto', { mode: 'totp' });
    const dir = mkdtempSync(join(tmpdir(), 'torus-export-'));
    writeFileSync(join(dir, 'bots'), 'not a folder');
    chmodSync(dir, 0o500);
    harness.cleanups.push(() => {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    });
    await updateProfile(b.core, id, { exportFilePath: join(dir, 'bots', 'token.txt') }, b.ports.approver, b.ports.policy);
    await refresh(b.core, id, 'manual');
    await b.open();
    await page.getByTestId('export-problem').waitFor();
    await page.getByTestId('other-profile').waitFor();
    await audit(page, b, 'token: export problem, other profile needs sign-in');
  });

  it('not set up yet: setup put off, the token view, empty activity', async () => {
    const { b, s, page } = await harness.setup();
    await addProfileTo(b.core, { name: 'Later', mode: 'request-token', baseUrl: s.url }, b.ports.approver, b.ports.policy);
    await b.open();
    await heading(page, 'Your API credentials');
    await page.getByRole('button', { name: 'Finish later' }).click();
    await page.getByText('Add your API key in Settings').waitFor();
    await audit(page, b, 'token: not set up');
    await page.getByRole('tab', { name: 'Activity' }).click();
    await page.getByText('No refresh attempts yet').waitFor();
    await audit(page, b, 'activity: empty');
  });

  it('activity: a long list of attempts, failed and OK', async () => {
    const { b, s, page } = await harness.setup();
    const id = await addProfile(b, s, 'Auto', { mode: 'totp', reason: 'login' });
    s.setFault('reset');
    await refresh(b.core, id, 'scheduled').catch(() => undefined);
    s.setFault('none');
    for (let i = 0; i < 10; i++) await refresh(b.core, id, 'retry');
    await b.open();
    await page.getByRole('tab', { name: 'Activity' }).click();
    await expect.poll(() => page.locator('[data-testid="attempts"] > li').count()).toBe(12);
    await audit(page, b, 'activity: 12 attempts');
  });

  it('settings: as saved, with every field error, start at login unavailable, the Forget confirmation', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByLabel('API key').waitFor();
    await audit(page, b, 'settings (request-token profile)');

    const enter = async (label: string, value: string, exact = false): Promise<void> => {
      const field = page.getByLabel(label, { exact });
      await field.fill(value);
      await field.press('Enter');
    };
    await enter('Clear clipboard after (s)', '99999');
    await enter('Time zone', 'Mars/Olympus_Mons');
    await enter('Request timeout (s)', '0');
    await enter('Base URL', 'ftp://example.com');
    await enter('Name', '', true);
    await page.getByLabel('Ready by').fill('');
    for (const id of ['clipboard', 'cutoff', 'timeout', 'baseUrl', 'name', 'readyBy']) await page.locator(`#${id}-error`).waitFor();
    await audit(page, b, 'settings: field errors');

    // Esc over a setting typed and not saved: the question shows at the foot of the popover.
    await page.getByLabel('Request timeout (s)').fill('20');
    await page.getByLabel('Request timeout (s)').press('Escape');
    await page.locator('.status:not(.visually-hidden)').waitFor();
    await audit(page, b, 'settings: Esc over unsaved text (question shown)');

    b.loginItem = { supported: false, enabled: false, note: 'Start at login works only in the installed app.' };
    await page.getByRole('tab', { name: 'Token' }).click();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByText('Start at login works only in the installed app.').waitFor();
    await audit(page, b, 'settings: start at login unavailable');

    await page.getByRole('button', { name: 'Forget this profile…' }).click();
    await page.getByRole('alertdialog').waitFor();
    await audit(page, b, 'settings: Forget confirmation open');
  });

  it('not ready: the popover without its bridge to main', async () => {
    const { b } = await harness.setup();
    await b.open();
    // A second page of the same origin without window.torus: the app says it cannot connect.
    const page = await b.context.newPage();
    await page.goto(`${b.serverUrl}/index.html`);
    await page.getByText('could not connect to its main process').waitFor();
    await audit(page, b, 'not ready (no connection to main)');
    await page.close();
  });
});
