import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { coreFrom, createCore } from '../main/core/use-cases/core.js';
import { realTimers } from '../main/core/ports.js';
import { KeytarBackend } from '../main/core/infra/keychain.js';
import { writeFileAtomic } from '../main/core/infra/settings-file.js';
import { TorusError } from '../main/core/errors.js';
import { rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/**
 * What the app and the CLI each build once per process: the core's parts with their defaults,
 * change notification that one broken listener cannot stop, and the real timers.
 */
let dir: ReturnType<typeof tempDir>;
afterEach(() => dir?.remove());

describe('creating the core', () => {
  it('defaults: the real clock, no loopback trust, the product keychain service, no HTTP overrides', async () => {
    dir = tempDir('torus-core');
    const core = await createCore({ configDir: dir.path });
    expect(core.policy).toEqual({ trustLoopback: false });
    expect(core.http).toEqual({});
    expect(Math.abs(core.now() - Date.now())).toBeLessThan(1000);
    expect(core.flights.size).toBe(0);
    core.log('nothing happens'); // the default log discards
    // The app and the CLI share secrets through the one default service.
    const id = uniqueProfileId('core');
    const other = await createCore({ configDir: dir.path });
    try {
      await core.vault.set(id, 'apiKey', 'shared-key');
      expect(await other.vault.get(id, 'apiKey')).toBe('shared-key');
      // Under the product's name, where a user looking in their keychain app finds it.
      expect(await new KeytarBackend().get('Torus Token', `${id}/apiKey`)).toBe('shared-key');
    } finally {
      await core.vault.deleteProfile(id);
    }
  });

  it('what it is given is what it uses: clock, policy, service, HTTP options, settings writer, log', async () => {
    dir = tempDir('torus-core');
    const written: string[] = [];
    const logs: string[] = [];
    const sleep = () => Promise.resolve();
    const core = await createCore({
      configDir: dir.path,
      keychainService: 'torus-token-core-test',
      now: () => 42,
      log: (line) => logs.push(line),
      http: { sleep },
      policy: { trustLoopback: true },
      lockPollMs: 3,
      settingsWriter: (path, text) => {
        written.push(path);
        writeFileAtomic(path, text);
      },
    });
    expect(core.now()).toBe(42);
    expect(core.policy).toEqual({ trustLoopback: true });
    expect(core.http.sleep).toBe(sleep);
    // Its own keychain service: a secret saved there is not seen through the default one.
    const id = uniqueProfileId('core');
    try {
      await core.vault.set(id, 'apiKey', 'test-service-key');
      expect(await (await createCore({ configDir: dir.path, keychainService: 'torus-token-core-test' })).vault.get(id, 'apiKey')).toBe('test-service-key');
      expect(await (await createCore({ configDir: dir.path })).vault.get(id, 'apiKey')).toBeNull();
    } finally {
      await core.vault.deleteProfile(id);
    }
    await core.settings.update((d) => void (d.hookTimeoutSeconds = 20));
    expect(written).toEqual([join(dir.path, 'config.json')]);
    core.log('hello');
    expect(logs).toEqual(['hello']);
  });

  it('an unreadable settings file stops the CLI, while the app starts on defaults and says why', async () => {
    dir = tempDir('torus-core');
    mkdirSync(join(dir.path, 'config.json'));
    const error = await rejectionOf(() => createCore({ configDir: dir.path }));
    expect(error).toBeInstanceOf(TorusError);
    expect((error as TorusError).kind).toBe('filesystem');
    const app = await createCore({ configDir: dir.path, settingsUnreadable: 'use-defaults' });
    expect(app.settings.readProblem?.kind).toBe('filesystem');
    expect(app.settings.read().profiles).toEqual([]);
  });
});

describe('change notification', () => {
  it('every listener hears each change; one that throws is logged by name and the others still hear it', async () => {
    dir = tempDir('torus-core');
    const core = await createCore({ configDir: dir.path });
    const logs: string[] = [];
    const withLog = coreFrom({ settings: core.settings, vault: core.vault, log: (line) => logs.push(line) });
    const heard: Array<string | null> = [];
    withLog.onChange(() => {
      throw new TypeError('listener bug with secret-abc');
    });
    withLog.onChange((id) => heard.push(id));
    withLog.changed('main');
    withLog.changed(null);
    expect(heard).toEqual(['main', null]);
    expect(logs).toEqual(['change listener failed: TypeError', 'change listener failed: TypeError']);
    withLog.onChange(() => {
      throw 'not an error';
    });
    withLog.changed('x');
    expect(logs.at(-1)).toBe('change listener failed: error');
  });

  it('a listener that unsubscribes hears nothing more', async () => {
    dir = tempDir('torus-core');
    const core = await createCore({ configDir: dir.path });
    const heard: Array<string | null> = [];
    const stop = core.onChange((id) => heard.push(id));
    core.changed('a');
    stop();
    core.changed('b');
    expect(heard).toEqual(['a']);
  });

  it('parts assembled by hand get the same defaults as createCore', async () => {
    dir = tempDir('torus-core');
    const core = await createCore({ configDir: dir.path });
    const made = coreFrom({ settings: core.settings, vault: core.vault });
    expect(made.policy).toEqual({ trustLoopback: false });
    expect(made.http).toEqual({});
    expect(Math.abs(made.now() - Date.now())).toBeLessThan(1000);
    made.log('discarded');
  });
});

describe('real timers', () => {
  it('a timer alone does not keep the process alive, and can be cleared', async () => {
    let fired = false;
    const handle = realTimers.setTimeout(() => (fired = true), 20) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    realTimers.clearTimeout(handle);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toBe(false);
    const ran = await new Promise<boolean>((resolve) => realTimers.setTimeout(() => resolve(true), 5));
    expect(ran).toBe(true);
  });

  it('now is the wall clock; monotonic is the process clock that clock changes do not move', () => {
    expect(Math.abs(realTimers.now() - Date.now())).toBeLessThan(1000);
    expect(Math.abs(realTimers.monotonic!() - performance.now())).toBeLessThan(1000);
    expect(realTimers.monotonic!()).toBeLessThan(Date.now() / 2);
  });
});
