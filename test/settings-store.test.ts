import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsStore, migrate, confFactory, type ConfLike } from '../main/core/settings-store.js';
import { defaultSettings, SETTINGS_VERSION, type Profile } from '../main/core/domain/settings-schema.js';
import { TokenService } from '../main/core/token-service.js';
import { Vault } from '../main/core/infra/keychain.js';
import { startSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, recordingSleep, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/** The non-secret settings file: defaults, validation, migration and corrupt-file recovery. */

const T0 = Date.UTC(2025, 0, 15, 3, 0, 0, 123);
const STAMP = '2025-01-15T03-00-00-123Z';

let dir: ReturnType<typeof tempDir>;
let file: string;

beforeEach(() => {
  dir = tempDir('torus-settings');
  file = join(dir.path, 'config.json');
});

afterEach(() => dir.remove());

function profile(id: string, baseUrl = 'https://connects.torusdigital.com'): Profile {
  return { id, name: id, mode: 'request-token', baseUrl, totpBaseUrl: 'https://oapi-cug.torusdigital.com', export: { filePath: null, hookCommand: null } };
}

describe('SettingsStore: first run and updates', () => {
  it('loads defaults on first run, with no warning, and writes config.json', () => {
    const store = SettingsStore.open({ dir: dir.path });
    expect(store.get()).toEqual(defaultSettings());
    expect(store.warnings).toEqual([]);
    expect(store.path).toBe(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(defaultSettings());
    expect(defaultSettings()).toMatchObject({
      schemaVersion: SETTINGS_VERSION,
      activeProfileId: null,
      profiles: [],
      refresh: { atLogin: true, dailyRefreshTime: '08:30', cutoffTime: '06:00', cutoffZone: 'Asia/Kolkata', timeoutSeconds: 15 },
    });
  });

  it('an empty file also counts as a first run', () => {
    writeFileSync(file, '   \n');
    const store = SettingsStore.open({ dir: dir.path });
    expect(store.get()).toEqual(defaultSettings());
    expect(store.warnings).toEqual([]);
  });

  it('persists a valid update and another store instance reads it back', () => {
    const store = SettingsStore.open({ dir: dir.path });
    store.update((d) => {
      d.profiles.push(profile('main', 'http://127.0.0.1:8787'));
      d.activeProfileId = 'main';
      d.refresh.cutoffZone = 'America/New_York';
    });
    const again = SettingsStore.open({ dir: dir.path });
    expect(again.get().profiles).toEqual([profile('main', 'http://127.0.0.1:8787')]);
    expect(again.get().activeProfileId).toBe('main');
    expect(again.get().refresh.cutoffZone).toBe('America/New_York');
    expect(again.warnings).toEqual([]);
  });

  it.each([
    ['a plain-http base URL', (d: ReturnType<typeof defaultSettings>) => void d.profiles.push(profile('main', 'http://example.com'))],
    ['a garbage base URL', (d: ReturnType<typeof defaultSettings>) => void d.profiles.push(profile('main', 'not a url'))],
    ['a bad profile id', (d: ReturnType<typeof defaultSettings>) => void d.profiles.push(profile('Bad Id'))],
    ['an unknown time zone', (d: ReturnType<typeof defaultSettings>) => void (d.refresh.cutoffZone = 'Mars/Olympus')],
    ['a bad daily time', (d: ReturnType<typeof defaultSettings>) => void (d.refresh.dailyRefreshTime = '25:00')],
    ['a zero timeout', (d: ReturnType<typeof defaultSettings>) => void (d.refresh.timeoutSeconds = 0)],
  ])('rejects an update with %s and leaves the file unchanged', (_label, mutate) => {
    const store = SettingsStore.open({ dir: dir.path });
    store.update((d) => void d.profiles.push(profile('keep')));
    const before = readFileSync(file);
    expect(() => store.update(mutate)).toThrow();
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(store.get().profiles.map((p) => p.id)).toEqual(['keep']);
  });
});

describe('SettingsStore: damaged files are moved aside, never lost', () => {
  function expectRecovered(store: SettingsStore, original: Buffer): void {
    const backup = join(dir.path, `config.corrupt-${STAMP}.json`);
    expect(store.warnings).toHaveLength(1);
    const [warning] = store.warnings;
    expect(warning!.kind).toBe('corrupt-recovered');
    expect(warning!.backupPath).toBe(backup);
    expect(warning!.message).toContain(backup);
    expect(readFileSync(backup).equals(original)).toBe(true);
    expect(store.get()).toEqual(defaultSettings());
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(defaultSettings());
  }

  it('corrupt JSON → config.corrupt-<timestamp>.json with the original bytes, defaults, a warning', () => {
    const original = Buffer.from('{"profiles": [{"id": "main", \u0000 truncated', 'utf8');
    writeFileSync(file, original);
    const store = SettingsStore.open({ dir: dir.path, now: () => T0 });
    expectRecovered(store, original);
    expect(store.warnings[0]!.message).toMatch(/not valid JSON/);
    expect(readdirSync(dir.path).sort()).toEqual(['config.corrupt-2025-01-15T03-00-00-123Z.json', 'config.json']);
  });

  it.each([
    ['a JSON array', '[1, 2, 3]'],
    ['a wrong field type', '{"schemaVersion": 1, "profiles": "main"}'],
    ['an invalid profile', '{"schemaVersion": 1, "profiles": [{"id": "Not Valid", "name": ""}]}'],
    ['a plain-http profile URL', '{"schemaVersion": 1, "profiles": [{"id": "main", "name": "Main", "baseUrl": "http://evil.example"}]}'],
    ['a newer schema version', '{"schemaVersion": 99}'],
  ])('schema-invalid file (%s) → moved aside, defaults, a warning', (_label, text) => {
    const original = Buffer.from(text, 'utf8');
    writeFileSync(file, original);
    const store = SettingsStore.open({ dir: dir.path, now: () => T0 });
    expectRecovered(store, original);
  });

  it('a file damaged by another process after opening is recovered on the next read', () => {
    const store = SettingsStore.open({ dir: dir.path, now: () => T0 });
    store.update((d) => void d.profiles.push(profile('main')));
    const original = Buffer.from('{"schemaVersion": 1, "profiles": [', 'utf8');
    writeFileSync(file, original);
    expect(store.warnings).toEqual([]);
    expect(store.get()).toEqual(defaultSettings()); // the read that notices the damage
    expectRecovered(store, original);
  });
});

describe('SettingsStore: a file that cannot be read is not "corrupt" (regression)', () => {
  it('a read that fails for a moment (another process replacing the file) is retried, and nothing is moved aside', () => {
    const store0 = SettingsStore.open({ dir: dir.path, now: () => T0 });
    store0.update((d) => void d.profiles.push(profile('main')));
    let failures = 1;
    const flaky = (options: { cwd: string; configName: string }): ConfLike => {
      const real = confFactory(options);
      return {
        get store() {
          if (failures > 0) {
            failures--;
            throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' });
          }
          return real.store;
        },
        set store(value) {
          real.store = value;
        },
        get path() {
          return real.path;
        },
        onDidAnyChange: (cb) => real.onDidAnyChange(cb),
      };
    };
    const store = SettingsStore.open({ dir: dir.path, now: () => T0, factory: flaky });
    failures = 1;
    expect(store.get().profiles.map((p) => p.id)).toEqual(['main']);
    expect(store.warnings).toEqual([]);
    expect(readdirSync(dir.path)).toEqual(['config.json']);
  });

  it("a settings path that cannot be read at all is an error, and the user's file is left where it is", () => {
    mkdirSync(file); // EISDIR on every read
    expect(() => SettingsStore.open({ dir: dir.path, now: () => T0 })).toThrow(/settings file could not be read \(EISDIR\)/);
    expect(readdirSync(dir.path)).toEqual(['config.json']);
  });
});

describe('SettingsStore: migrations', () => {
  it('a version-0 file (no schemaVersion) migrates and keeps its data', () => {
    const v0 = {
      activeProfileId: 'main',
      profiles: [{ id: 'main', name: 'Main', baseUrl: 'http://127.0.0.1:9999' }],
      refresh: { dailyRefreshTime: '09:15', cutoffTime: '03:30' },
      clipboard: { autoClearSeconds: 12 },
    };
    writeFileSync(file, JSON.stringify(v0));
    const store = SettingsStore.open({ dir: dir.path, now: () => T0 });
    expect(store.warnings).toEqual([]);
    const s = store.get();
    expect(s.schemaVersion).toBe(SETTINGS_VERSION);
    expect(s.activeProfileId).toBe('main');
    expect(s.profiles).toEqual([
      {
        id: 'main',
        name: 'Main',
        mode: 'request-token',
        baseUrl: 'http://127.0.0.1:9999',
        totpBaseUrl: 'https://oapi-cug.torusdigital.com',
        export: { filePath: null, hookCommand: null },
      },
    ]);
    expect(s.refresh).toMatchObject({ dailyRefreshTime: '09:15', cutoffTime: '03:30', cutoffZone: 'Asia/Kolkata' });
    expect(s.clipboard.autoClearSeconds).toBe(12);
    expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(SETTINGS_VERSION);
    expect(readdirSync(dir.path)).toEqual(['config.json']);
  });

  it('migrate() upgrades step by step and leaves current files alone', () => {
    expect(migrate({ profiles: [] })).toEqual({ profiles: [], schemaVersion: 1 });
    expect(migrate({ schemaVersion: 1, x: 1 })).toEqual({ schemaVersion: 1, x: 1 });
  });
});

describe('SettingsStore: never a secret in the file', () => {
  it('after a full refresh flow (success, export, failure) the file holds no key, secret, request token or access token', async () => {
    const creds = distinctiveCredentials();
    const sim = await startSimulator({ ...creds });
    const vault = new Vault();
    const id = uniqueProfileId('settings-secrets');
    try {
      const store = SettingsStore.open({ dir: dir.path });
      store.update((d) => {
        d.profiles.push({ ...profile(id, sim.url), export: { filePath: join(dir.path, 'token.txt'), hookCommand: null } });
        d.activeProfileId = id;
      });
      const requestToken = sim.issueRequestToken();
      await vault.set(id, 'apiKey', creds.apiKey);
      await vault.set(id, 'apiSecret', creds.apiSecret);
      await vault.set(id, 'requestToken', requestToken);
      const service = new TokenService({ settings: store, vault, clientOptions: { sleep: recordingSleep().sleep } });

      const outcome = await service.refresh(id, 'manual');
      expect(outcome.exportErrors).toEqual([]);
      // A second refresh replays the single-use request token: refused, recorded in history.
      await expect(service.refresh(id, 'manual')).rejects.toMatchObject({ kind: 'rejected' });
      sim.setFault('server-error-burst', { burst: 3 });
      await expect(service.refresh(id, 'scheduled')).rejects.toMatchObject({ kind: 'server-error' });

      const text = readFileSync(file, 'utf8');
      const saved = store.get();
      expect(saved.tokens[id]).toBeDefined();
      expect(saved.history[id]!.map((a) => a.outcome)).toEqual(['success', 'rejected', 'server-error']);
      for (const secret of [creds.apiKey, creds.apiSecret, requestToken, outcome.token, ...outcome.token.split('.').filter((p) => p.length >= 8)]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/eyJ[\w-]{5,}/);
      expect(existsSync(join(dir.path, 'token.txt'))).toBe(true); // the export file is the only place the token is written
    } finally {
      await vault.deleteProfile(id);
      await sim.close();
    }
  });
});

describe('changes written by another process', () => {
  it('reach a watcher through the folder (atomic renames included), without polling', async () => {
    const folder = tempDir('torus-settings-watch');
    try {
      const app = SettingsStore.open({ dir: folder.path });
      const cli = SettingsStore.open({ dir: folder.path });
      let changes = 0;
      const stop = app.onExternalChange(() => changes++, 20);
      cli.update((draft) => {
        draft.clipboard.autoClearSeconds = 99;
      });
      await vi.waitFor(() => expect(changes).toBeGreaterThan(0));
      expect(app.get().clipboard.autoClearSeconds).toBe(99);
      stop();
      const seen = changes;
      cli.update((draft) => {
        draft.clipboard.autoClearSeconds = 5;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(changes).toBe(seen); // stopped watching
    } finally {
      folder.remove();
    }
  });
});
