import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { ClipboardGuard, copyToken } from '../main/core/use-cases/clipboard.js';
import { loginUrl, signIn } from '../main/core/use-cases/sign-in.js';
import { updatePreferences } from '../main/core/use-cases/preferences.js';
import type { TorusError } from '../main/core/errors.js';
import type { ClipboardPort, SignInPort } from '../main/core/ports.js';
import type { Profile } from '../main/core/domain/settings-schema.js';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { FakeClock } from './helpers/fake-clock.js';

/**
 * Copying the token (it leaves the clipboard again, but only if it is still ours) and the daily
 * sign-in of request-token mode, driven through the simulator's own sign-in page over real HTTP.
 */
const T0 = Date.UTC(2025, 0, 15, 3, 0);

/** The system clipboard: one text, shared with every other app. */
class Clipboard implements ClipboardPort {
  text = '';
  writes = 0;
  writeText(text: string): void {
    this.text = text;
    this.writes++;
  }
  readText(): string {
    return this.text;
  }
}

describe('the clipboard gives the token back', () => {
  let clock: FakeClock;
  let clipboard: Clipboard;
  let guard: ClipboardGuard;
  beforeEach(() => {
    clock = new FakeClock(T0);
    clipboard = new Clipboard();
    guard = new ClipboardGuard(clipboard, clock);
  });

  it('a copied token is cleared after the configured time, and not a moment before', async () => {
    expect(guard.put('tok-1', 30)).toEqual({ clearsInSeconds: 30 });
    expect(clipboard.text).toBe('tok-1');
    await clock.advanceTo(T0 + 29_999);
    expect(clipboard.text).toBe('tok-1');
    await clock.advanceTo(T0 + 30_000);
    expect(clipboard.text).toBe('');
  });

  it('something the user copied since is left alone', async () => {
    guard.put('tok-1', 30);
    clipboard.writeText('an order id');
    await clock.advanceTo(T0 + 60_000);
    expect(clipboard.text).toBe('an order id');
  });

  it('copying again starts the countdown again', async () => {
    guard.put('tok-1', 30);
    await clock.advanceTo(T0 + 20_000);
    guard.put('tok-1', 30);
    await clock.advanceTo(T0 + 30_000);
    expect(clipboard.text).toBe('tok-1');
    await clock.advanceTo(T0 + 50_000);
    expect(clipboard.text).toBe('');
    expect(clock.pending).toBe(0);
  });

  it('auto-clear off (0) keeps it there, with no timer left behind', async () => {
    expect(guard.put('tok-1', 0)).toEqual({ clearsInSeconds: null });
    expect(clock.pending).toBe(0);
    await clock.advanceTo(T0 + 86_400_000);
    expect(clipboard.text).toBe('tok-1');
  });

  it('turning auto-clear off for the next copy cancels the countdown of the last one', async () => {
    guard.put('tok-1', 30);
    guard.put('tok-2', 0);
    await clock.advanceTo(T0 + 60_000);
    expect(clipboard.text).toBe('tok-2');
  });

  it('quitting clears it at once if it is still ours, and only then', () => {
    guard.put('tok-1', 30);
    guard.clearIfOurs();
    expect(clipboard.text).toBe('');
    expect(clock.pending).toBe(0);
    guard.put('tok-2', 30);
    clipboard.writeText('mine');
    guard.clearIfOurs();
    expect(clipboard.text).toBe('mine');
    // Nothing copied: nothing to clear, not even an empty write.
    const writes = clipboard.writes;
    new ClipboardGuard(clipboard, clock).clearIfOurs();
    expect(clipboard.writes).toBe(writes);
  });

  it('disposing stops the countdown', async () => {
    guard.put('tok-1', 30);
    guard.dispose();
    expect(clock.pending).toBe(0);
  });
});

describe('copying and signing in with a profile', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let sim: TorusSimulator;
  let creds: { apiKey: string; apiSecret: string };
  let id: string;

  beforeEach(async () => {
    dir = tempDir('torus-copy-sign-in');
    creds = distinctiveCredentials();
    sim = await startSimulator(creds);
    core = await createCore({ configDir: dir.path, policy: { trustLoopback: true } });
    id = uniqueProfileId('sign');
    const profile: Profile = {
      id,
      name: 'Main',
      mode: 'request-token',
      baseUrl: sim.url,
      totpBaseUrl: sim.url,
      export: { filePath: null, hookCommand: null },
      readyBy: '08:45',
      signInAtReadyBy: false,
      redirectOrigin: null,
    };
    await core.settings.update((d) => void d.profiles.push(profile));
    await core.vault.set(id, 'apiKey', creds.apiKey);
    await core.vault.set(id, 'apiSecret', creds.apiSecret);
  });

  afterEach(async () => {
    await core.vault.deleteProfile(id);
    await sim.close();
    dir.remove();
  });

  /** The trader in the sign-in window: opens the page, types the one-time password, and the window captures the redirect. */
  function browser(opened: Array<Parameters<SignInPort['open']>[0]>): SignInPort {
    return {
      async open(request) {
        opened.push(request);
        const page = await fetch(request.loginUrl);
        expect(page.status).toBe(200);
        const answer = await fetch(request.loginUrl, {
          method: 'POST',
          body: 'otp=123456',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        const landed = new URL(answer.headers.get('location')!);
        return { requestToken: landed.toString(), redirectOrigin: landed.origin };
      },
    };
  }

  it("the sign-in page is Torus's login page for the profile's API key", async () => {
    expect(await loginUrl(core, id)).toBe(`${sim.url}/connect/login/${encodeURIComponent(creds.apiKey)}`);
    expect(await loginUrl(core, id, 'https://connects.torusdigital.com/')).toBe(`https://connects.torusdigital.com/connect/login/${creds.apiKey}`);
  });

  it('without an API key there is no sign-in page, and the message says where to save one', async () => {
    await core.vault.delete(id, 'apiKey');
    const error = (await rejectionOf(() => loginUrl(core, id))) as TorusError;
    expect(error).toMatchObject({
      kind: 'not-configured',
      message: 'No API key saved for "Main"; the sign-in page needs it. Save it in Settings (app) or run "torus-token login".',
    });
  });

  it('signing in exchanges the captured request token at once and learns where Torus redirects', async () => {
    const opened: Array<Parameters<SignInPort['open']>[0]> = [];
    const result = await signIn(core, browser(opened), id);
    expect(opened).toEqual([{ loginUrl: await loginUrl(core, id), profileId: id, redirectOrigin: null }]);
    expect(result.outcome).toBe('refreshed');
    expect(sim.requestCount('generate')).toBe(1);
    expect((await core.vault.getToken(id))!.token).toBe(result.outcome === 'refreshed' ? result.refreshed.token : null);
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBe(sim.url);
    // The next sign-in window is told where it may go.
    await signIn(core, browser(opened), id);
    expect(opened[1]!.redirectOrigin).toBe(sim.url);
  });

  it('a redirect origin the trader typed is not replaced by what a sign-in reports', async () => {
    await core.settings.update((d) => void (d.profiles[0]!.redirectOrigin = 'https://trader.example'));
    await signIn(core, browser([]), id);
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBe('https://trader.example');
  });

  it("signing in to a second account teaches only that account its redirect origin, not the first one's", async () => {
    const other = { ...core.settings.read().profiles[0]!, id: uniqueProfileId('sign2'), name: 'Spouse' };
    // The first account (listed first) has no redirect origin yet either.
    await core.settings.update((d) => void d.profiles.push(other));
    await core.vault.set(other.id, 'apiKey', creds.apiKey);
    await core.vault.set(other.id, 'apiSecret', creds.apiSecret);
    try {
      await signIn(core, browser([]), other.id);
      const byId = Object.fromEntries(core.settings.read().profiles.map((p) => [p.id, p.redirectOrigin]));
      expect(byId).toEqual({ [id]: null, [other.id]: sim.url });
    } finally {
      await core.vault.deleteProfile(other.id);
    }
  });

  it('a closed or timed-out sign-in window calls nothing and stores nothing', async () => {
    for (const outcome of ['closed', 'timeout'] as const) {
      const result = await signIn(core, { open: () => Promise.resolve({ outcome }) }, id);
      expect(result).toEqual({ outcome });
    }
    expect(sim.requestCount('generate')).toBe(0);
    expect(await core.vault.get(id, 'requestToken')).toBeNull();
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBeNull();
  });

  it('copy puts the usable token on the clipboard with the configured auto-clear', async () => {
    const clock = new FakeClock(T0);
    const clipboard = new Clipboard();
    const guard = new ClipboardGuard(clipboard, clock);
    const noToken = (await rejectionOf(() => copyToken(core, guard, id))) as TorusError;
    expect(noToken.kind).toBe('not-configured');
    expect(clipboard.writes).toBe(0);
    const signedIn = await signIn(core, browser([]), id);
    await updatePreferences(core, { clipboardAutoClearSeconds: 45 });
    expect(await copyToken(core, guard, id)).toEqual({ clearsInSeconds: 45 });
    expect(clipboard.text).toBe(signedIn.outcome === 'refreshed' ? signedIn.refreshed.token : 'no token');
  });
});
