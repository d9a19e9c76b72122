/**
 * The popover by keyboard alone, in real Chromium against the real core and the simulator:
 * focus stays on (or comes back to) a sensible control after every action, every outcome is
 * announced through the popover's one status region, the Forget confirmation is a real modal
 * dialog (focus trapped, Esc closes only it), and Esc never drops unsaved text silently.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addProfile as addProfileTo } from '../main/core/use-cases/profiles.js';
import { acceptRequestToken } from '../main/core/use-cases/sign-in.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { addProfile, badge, creds, focused, Harness, snap } from './helpers/renderer-harness.js';

const harness = new Harness();

beforeAll(() => harness.launch(), 90_000);
afterAll(() => harness.shutdown());
afterEach(() => harness.finish());

interface Dom {
  document: {
    querySelectorAll(s: string): { length: number };
    getElementById(id: string): { focus(): void; matches(s: string): boolean } | null;
    activeElement: { id: string } | null;
  };
}

/** What the status region says now. */
const said = async (page: Page): Promise<string> => ((await page.getByTestId('status').textContent()) ?? '').trim();

/** Waits until the status region says something matching `pattern`. */
const announced = (page: Page, pattern: RegExp) => expect.poll(() => said(page)).toMatch(pattern);

/** Waits until the focus is on `id` (`#id`). */
const focusOn = (page: Page, id: string) => expect.poll(() => focused(page)).toBe(`#${id}`);

/** There is one live region on the page: the status region (no role=alert or aria-live elsewhere). */
async function expectOneLiveRegion(page: Page): Promise<void> {
  const count = await page.evaluate(
    () => (globalThis as unknown as Dom).document.querySelectorAll('[role="status"], [role="alert"], [role="log"], [aria-live], output').length,
  );
  expect(count, 'live regions on the page').toBe(1);
}

/** Focuses the control with `id` the way a keyboard user gets there (then presses nothing). */
const focus = (page: Page, id: string) => page.locator(`#${id}`).focus();

describe('the popover by keyboard', { timeout: 40_000 }, () => {
  it('guided setup, request-token mode: each step puts focus on its first control and says where the trader is', async () => {
    const { b, s, page } = await harness.setup();
    await b.open();
    await page.getByRole('heading', { name: 'Welcome to Torus Token' }).waitFor();
    await expectOneLiveRegion(page);

    // No name: the field is marked invalid, tied to the message, and the message is announced.
    await focus(page, 'setup-name');
    await page.keyboard.press('Enter');
    await announced(page, /Give the profile a name/);
    const name = page.locator('#setup-name');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toBe('setup-error');
    expect(await focused(page)).toBe('#setup-name');

    await page.keyboard.type('Main account');
    await page.getByText('Server (advanced)').click();
    await page.getByLabel('Base URL').fill(s.url);
    await focus(page, 'setup-name');
    await page.keyboard.press('Enter');

    // Step 2: focus on the API key, the step announced.
    await page.getByRole('heading', { name: 'Your API credentials' }).waitFor();
    await focusOn(page, 'cred-key');
    await announced(page, /Step 2 of 3: Credentials/);
    // Saving with a field left empty: both fields point at the message.
    await page.keyboard.type(creds.apiKey);
    await page.keyboard.press('Enter');
    await announced(page, /Enter both the API key and the API secret/);
    expect(await page.locator('#cred-secret').getAttribute('aria-describedby')).toBe('credentials-error');
    expect(await page.locator('#cred-secret').getAttribute('aria-invalid')).toBe('true');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('#cred-secret');
    await page.keyboard.type(creds.apiSecret);
    await page.keyboard.press('Enter');

    // Step 3: focus on "Sign in to Torus".
    await page.getByRole('heading', { name: 'Sign in to Torus' }).waitFor();
    await focusOn(page, 'btn-sign-in');
    await announced(page, /Step 3 of 3: Sign in/);
    await page.keyboard.press('Enter');

    // Done: the token view, focus on Copy, the outcome said.
    await page.getByTestId('token-masked').waitFor();
    await focusOn(page, 'btn-copy');
    await announced(page, /Today's token is ready/);
    expect(b.signInPages).toBe(1);
    await expectOneLiveRegion(page);
  });

  it('guided setup, TOTP mode: "Get today\'s token" keeps focus while it works, then Copy has it; "Finish later" lands in the view', async () => {
    const { b, s, page } = await harness.setup();
    await addProfileTo(b.core, { name: 'Auto', mode: 'totp', baseUrl: s.url, totpBaseUrl: s.url }, b.ports.approver, b.ports.policy);
    await b.open();
    await page.getByRole('heading', { name: 'Your API credentials' }).waitFor();
    await focus(page, 'cred-key');
    await page.keyboard.type(creds.apiKey);
    await page.keyboard.press('Tab');
    await page.keyboard.type(creds.totpSecret);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Get your first token' }).waitFor();
    const get = page.locator('.setup .btn.big');
    await expect.poll(() => focused(page)).toMatch(/Get today's token/);

    // A failure is said, and focus stays on the button.
    s.setFault('reset');
    await page.keyboard.press('Enter');
    await announced(page, /Could not reach Torus/);
    await expect.poll(() => focused(page)).toMatch(/Get today's token/);
    s.setFault('none');

    const release = b.holdTorus();
    await page.keyboard.press('Enter');
    await expect.poll(() => get.getAttribute('aria-disabled')).toBe('true');
    await expect.poll(() => focused(page)).toMatch(/Getting token/);
    release();
    await page.getByTestId('token-masked').waitFor();
    await focusOn(page, 'btn-copy');
    await announced(page, /Today's token is ready|Refreshed/);

    // A second profile, put off with "Finish later": focus goes to the view's first control.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Add profile…' }).press('Enter');
    await page.getByRole('heading', { name: 'Add a profile' }).waitFor();
    await focusOn(page, 'setup-name');
    await announced(page, /Add a profile\. Step 1 of 3/);
    await page.keyboard.type('Later');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Finish later' }).press('Enter');
    await page.getByText('Add your API key in Settings').waitFor();
    expect(await focused(page)).toMatch(/Open Settings/);
    // "Open Settings" opens the view on the API key field.
    await page.keyboard.press('Enter');
    await focusOn(page, 'cred-key');
  });

  it('refresh, copy and reveal: focus stays on the button, the outcome is said', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Auto', { mode: 'totp' });
    await b.open();
    await page.getByTestId('token-masked').waitFor();

    await focus(page, 'btn-refresh');
    const release = b.holdTorus();
    await page.keyboard.press('Enter');
    await expect.poll(() => badge(page).textContent()).toContain('Refreshing');
    // Busy, not disabled: the button keeps the focus (and says it is busy).
    expect(await focused(page)).toBe('#btn-refresh');
    expect(await page.locator('#btn-refresh').getAttribute('aria-disabled')).toBe('true');
    expect(await page.locator('#btn-refresh').getAttribute('aria-busy')).toBe('true');
    expect(await page.locator('#btn-refresh').isDisabled()).toBe(true);
    // Pressing it again while busy does nothing.
    const totpCalls = s.requestCount('totp');
    await page.keyboard.press('Enter');
    release();
    await expect.poll(() => badge(page).textContent()).toContain('Fresh');
    await announced(page, /^Refreshed\. The new token expires in [78] h\.$/);
    expect(await focused(page)).toBe('#btn-refresh');
    expect(s.requestCount('totp')).toBe(totpCalls + 1);

    // A failed refresh is said too; focus stays.
    s.setFault('reset');
    await page.keyboard.press('Enter');
    await page.locator('.alert').waitFor();
    await announced(page, /Could not reach Torus/);
    expect(await focused(page)).toBe('#btn-refresh');
    s.setFault('none');
    // "Try again" fixes it; its card goes away and the focus returns to a control of the view.
    await page.getByRole('button', { name: 'Try again' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.alert').waitFor({ state: 'detached' });
    await focusOn(page, 'btn-copy');
    await announced(page, /^Refreshed\./);

    await page.keyboard.press('Enter');
    await announced(page, /^Copied — clears in \d+ s$/);
    expect(await focused(page)).toBe('#btn-copy');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByTestId('token-full').waitFor();
    await announced(page, /^Token shown\. It hides again in 30 s\.$/);
    expect(await focused(page)).toMatch(/Hide/);
    await expectOneLiveRegion(page);
  });

  it('a pasted request token: the sign-in card goes away and focus moves to Copy', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main', { token: false });
    await b.open();
    await page.getByLabel('Or paste the redirect URL or request token').focus();
    await page.keyboard.type(`${s.url}/callback?request_token=${s.issueRequestToken()}`);
    await page.keyboard.press('Enter');
    await page.getByTestId('token-masked').waitFor();
    // Copy, or Refresh when the busy "Get token" button held the focus while the token was fetched
    // (the Refresh button takes its place).
    await expect.poll(() => focused(page)).toMatch(/^#btn-(copy|refresh)$/);
    await announced(page, /Request token saved and token refreshed/);
  });

  it('a refresh that fails by itself while the popover is open is said; "Show" moves focus into the other profile', async () => {
    const { b, s, page } = await harness.setup();
    const equity = await addProfile(b, s, 'Equity', { token: false });
    const auto = await addProfile(b, s, 'Auto', { mode: 'totp' });
    await b.open();
    await page.getByTestId('token-masked').waitFor();

    // The schedule refreshes Auto, and Torus cannot be reached: said without anyone asking.
    s.setFault('reset');
    await refresh(b.core, auto, 'scheduled').catch(() => undefined);
    await announced(page, /^Can't reach Torus: Could not reach Torus/);
    s.setFault('none');

    // Equity's request token is refused by Torus: its card appears; "Show" goes there.
    await acceptRequestToken(b.core, equity, 'request-token-from-yesterday').catch(() => undefined);
    const show = page.getByRole('button', { name: 'Show Equity' });
    await show.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Active profile').inputValue()).toBe(equity);
    await announced(page, /^Showing “Equity”: Torus needs you to sign in again\.$/);
    await focusOn(page, 'btn-sign-in');
    await expectOneLiveRegion(page);
  });

  it('settings: saving keeps focus on the field, errors are tied to it and said; the credentials Save button keeps focus', async () => {
    const { b, s, page } = await harness.setup();
    const id = await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();

    await focus(page, 'set-clipboard');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('45');
    await page.keyboard.press('Enter');
    await announced(page, /^Saved\.$/);
    expect(b.settings().clipboard.autoClearSeconds).toBe(45);
    expect(await focused(page)).toBe('#set-clipboard');

    await page.keyboard.press('Control+A');
    await page.keyboard.type('99999');
    await page.keyboard.press('Enter');
    await announced(page, /Enter whole seconds from 0 to 3600/);
    const field = page.locator('#set-clipboard');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect((await field.getAttribute('aria-describedby'))?.split(' ')).toEqual(['clipboard-error', 'clipboard-hint']);
    expect(await focused(page)).toBe('#set-clipboard');

    // The error of a setting saved by the core (not checked in the page) is tied the same way.
    await focus(page, 'profile-baseUrl');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('ftp://example.com');
    await page.keyboard.press('Enter');
    await announced(page, /https:\/\//);
    expect(await page.locator('#profile-baseUrl').getAttribute('aria-describedby')).toBe('baseUrl-error');
    expect(await page.locator('#profile-baseUrl').getAttribute('aria-invalid')).toBe('true');

    // Credentials: typed, then saved from the Save button; the button stays focused (aria-disabled
    // again once the form is empty) and the outcome is said.
    await focus(page, 'cred-secret');
    await page.keyboard.type(`secret-${'k'.repeat(12)}`);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatch(/Save credentials/);
    await page.keyboard.press('Enter');
    await announced(page, /^Saved to the keychain\.$/);
    expect(await focused(page)).toMatch(/Save credentials/);
    expect(await page.getByRole('button', { name: 'Save credentials' }).getAttribute('aria-disabled')).toBe('true');
    expect(await b.core.vault.get(id, 'apiSecret')).toBe(`secret-${'k'.repeat(12)}`);
    expect(await page.locator('#cred-secret').getAttribute('aria-describedby')).toBe('cred-secret-hint');
    await expectOneLiveRegion(page);
  });

  it('the Forget confirmation: a modal dialog, focus trapped, Esc closes only it and focus returns; forgetting lands in the setup', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await focus(page, 'forget-open');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog', { name: 'Forget “Main”?' });
    await dialog.waitFor();
    await focusOn(page, 'forget-cancel');
    expect(await page.evaluate(() => (globalThis as unknown as Dom).document.getElementById('forget-dialog')!.matches(':modal'))).toBe(true);
    expect(await dialog.getAttribute('aria-describedby')).toContain('forget-d');

    // Tab and Shift+Tab go round the dialog's two buttons, never out of it.
    const seen: string[] = [];
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      seen.push(await focused(page));
    }
    expect(seen).toEqual(['#forget-yes', '#forget-cancel', '#forget-yes', '#forget-cancel', '#forget-yes']);
    // The rest of the popover is inert: it cannot take focus.
    const outside = await page.evaluate(() => {
      const { document } = globalThis as unknown as Dom;
      document.getElementById('tab-token')!.focus();
      return document.activeElement?.id;
    });
    expect(outside).toBe('forget-yes');

    await snap(page, 'forget-dialog');
    // Esc closes the dialog only (the popover stays), and focus goes back to the button that opened
    // it; even when the focus is on nothing (here blurred by the screenshot).
    expect(await focused(page)).toBe('body');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await focusOn(page, 'forget-open');
    expect(b.hidePopoverCalls).toBe(0);
    expect(b.settings().profiles).toHaveLength(1);

    // Confirmed: the profile is gone, the setup starts on its first field, and it is said.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Welcome to Torus Token' }).waitFor();
    await focusOn(page, 'setup-name');
    await announced(page, /^Profile “Main” forgotten\.$/);
    expect(b.settings().profiles).toHaveLength(0);
    expect(b.hidePopoverCalls).toBe(0);
  });

  it('Esc over unsaved text asks first (on screen and aloud) and keeps the text; otherwise it closes the popover', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main');
    await b.open();
    const status = page.getByTestId('status');

    // Nothing typed: Esc closes.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await focus(page, 'set-zone');
    await page.keyboard.press('Escape');
    await expect.poll(() => b.hidePopoverCalls).toBe(1);

    // A setting typed and not saved yet: the first Esc asks, the second closes; the text stays.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Europe/Lon');
    await page.keyboard.press('Escape');
    await announced(page, /^“Time zone” has unsaved text\. Enter saves it; Esc again closes and keeps it\.$/);
    expect(await status.isVisible()).toBe(true);
    expect((await status.boundingBox())!.height).toBeGreaterThan(20);
    await snap(page, 'unsaved-question', { keepFocus: true });
    expect(b.hidePopoverCalls).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => b.hidePopoverCalls).toBe(2);
    expect(await page.locator('#set-zone').inputValue()).toBe('Europe/Lon');

    // Saved with Enter: nothing is unsaved any more, Esc closes at once.
    await page.keyboard.type('don');
    await page.keyboard.press('Enter');
    await announced(page, /^Saved\.$/);
    await page.keyboard.press('Escape');
    await expect.poll(() => b.hidePopoverCalls).toBe(3);

    // A write-only field (a new API key typed, not saved): asked, and moving on takes the question back.
    await focus(page, 'cred-key');
    await page.keyboard.type('a-new-key');
    await page.keyboard.press('Escape');
    await announced(page, /^“API key” has unsaved text/);
    expect(b.hidePopoverCalls).toBe(3);
    await page.keyboard.press('Tab');
    await expect.poll(() => status.evaluate((el) => (el as unknown as { className: string }).className)).toContain('visually-hidden');
    // Asked again from anywhere in the view while the text is there.
    await page.keyboard.press('Escape');
    await announced(page, /^“API key” has unsaved text/);
    expect(b.hidePopoverCalls).toBe(3);
    await page.keyboard.press('Escape');
    await expect.poll(() => b.hidePopoverCalls).toBe(4);
    expect(await page.locator('#cred-key').inputValue()).toBe('a-new-key');
  });

  it('leaving Settings over a typed, unsaved API secret asks first; the same tab again goes (and drops it)', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main');
    await b.open();
    await page.getByRole('tab', { name: 'Settings' }).click();
    await focus(page, 'cred-secret');
    await page.keyboard.type('a-long-new-secret');
    // Clicked: the question, and Settings stays with the text in place.
    await page.getByRole('tab', { name: 'Token' }).click();
    await announced(page, /^“API secret” has unsaved text\. Enter saves it; the tab again drops it\.$/);
    expect(await page.locator('#cred-secret').inputValue()).toBe('a-long-new-secret');
    expect(await page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    // By keyboard likewise: the arrow asks, the arrow again moves on.
    await page.getByRole('tab', { name: 'Settings' }).focus();
    await page.keyboard.press('Home');
    await announced(page, /^“API secret” has unsaved text/);
    expect(await page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    await expect.poll(() => page.getByRole('tab', { name: 'Token' }).getAttribute('aria-selected')).toBe('true');
    // Nothing typed: tabs switch at once.
    await page.getByRole('tab', { name: 'Activity' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Activity' }).getAttribute('aria-selected')).toBe('true');
  });

  it('notices: dismissing one moves focus to the next, then into the view; the activity list scrolls by keyboard', async () => {
    const { b, s, page } = await harness.setup();
    await addProfile(b, s, 'Main');
    await b.open();
    await page.getByTestId('token-masked').waitFor();
    await b.addWarning('The copy shortcut could not be registered: another app uses it.');
    await announced(page, /^Notice: The copy shortcut could not be registered/);
    await b.addWarning('Start at login could not be turned on.');
    await page.locator('.banner').nth(1).waitFor();

    await focus(page, 'dismiss-0');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.banner').count()).toBe(1);
    await focusOn(page, 'dismiss-0');
    await announced(page, /^Notice dismissed\.$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.banner').count()).toBe(0);
    await focusOn(page, 'btn-copy');

    // Activity has no control of its own: its panel takes focus (so it scrolls with the keys).
    await focus(page, 'tab-token');
    await page.keyboard.press('ArrowRight');
    await focusOn(page, 'tab-activity');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('#panel-activity');
    await expectOneLiveRegion(page);
  });
});
