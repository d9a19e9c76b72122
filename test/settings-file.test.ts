import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { SettingsFile, SETTINGS_FILE, type SettingsWriter } from '../main/core/infra/settings-file.js';
import { defaultSettings, migrate, SETTINGS_VERSION, HISTORY_LIMIT, type Attempt, type Profile, type Settings } from '../main/core/domain/settings-schema.js';
import { TorusError } from '../main/core/errors.js';
import { createCore } from '../main/core/use-cases/core.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { updateProfile } from '../main/core/use-cases/profiles.js';
import { approveAll } from '../main/core/use-cases/approvals.js';
import { startSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, recordingSleep, rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { ensureBuilt, repoRoot } from './helpers/cli-runner.js';

/**
 * The shared settings file: reading never writes, every write is a locked read-modify-write
 * of the newest content, damaged files are moved aside with a backup, and it is private.
 */

const T0 = Date.UTC(2025, 0, 15, 3, 0, 0, 123);
const STAMP = '2025-01-15T03-00-00-123Z';

let dir: ReturnType<typeof tempDir>;
let file: string;

beforeEach(() => {
  dir = tempDir('torus-settings');
  file = join(dir.path, SETTINGS_FILE);
});

afterEach(() => dir.remove());

function profile(id: string, baseUrl = 'https://connects.torusdigital.com'): Profile {
  return {
    id,
    name: id,
    mode: 'request-token',
    baseUrl,
    totpBaseUrl: 'https://oapi-cug.torusdigital.com',
    export: { filePath: null, hookCommand: null },
    readyBy: '08:45',
    signInAtReadyBy: false,
    redirectOrigin: null,
  };
}

const open = (options: { now?: () => number; dir?: string } = {}) => SettingsFile.open({ dir: options.dir ?? dir.path, now: options.now ?? (() => T0) });
const fileStat = () => {
  const s = statSync(file);
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
};

describe('opening and reading never write', () => {
  it('first run: defaults, no warning, and no file (not even the folder) is created', async () => {
    const settingsDir = join(dir.path, 'not-yet');
    const store = await open({ dir: settingsDir });
    expect(store.read()).toEqual(defaultSettings());
    expect(store.warnings).toEqual([]);
    expect(existsSync(settingsDir)).toBe(false);
    expect(defaultSettings()).toMatchObject({
      schemaVersion: SETTINGS_VERSION,
      activeProfileId: null,
      profiles: [],
      refresh: { atLogin: true, cutoffTime: '06:00', cutoffZone: 'Asia/Kolkata', timeoutSeconds: 15 },
    });
  });

  it('an existing, current file is read as it is, many times, without being rewritten', async () => {
    const store = await open();
    await store.update((d) => void d.profiles.push(profile('main')));
    const before = fileStat();
    const again = await open();
    for (let i = 0; i < 5; i++) expect(again.read().profiles.map((p) => p.id)).toEqual(['main']);
    expect(fileStat()).toBe(before);
  });

  it('an empty file also counts as a first run (and is left alone)', async () => {
    writeFileSync(file, '   \n');
    const store = await open();
    expect(store.read()).toEqual(defaultSettings());
    expect(store.warnings).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('   \n');
  });

  it('what read() returns cannot be changed by accident (frozen)', async () => {
    const store = await open();
    expect(() => {
      (store.read() as Settings).activeProfileId = 'x';
    }).toThrow(TypeError);
  });

  it('sees another writer at once (the file is read fresh, cached only while unchanged)', async () => {
    const app = await open();
    const cli = await open();
    await cli.update((d) => void (d.clipboard.autoClearSeconds = 42));
    expect(app.read().clipboard.autoClearSeconds).toBe(42);
    await cli.update((d) => void (d.clipboard.autoClearSeconds = 43));
    expect(app.read().clipboard.autoClearSeconds).toBe(43);
  });
});

describe('updates', () => {
  it('persist, and another instance reads them back', async () => {
    const store = await open();
    await store.update((d) => {
      d.profiles.push(profile('main', 'http://127.0.0.1:8787'));
      d.activeProfileId = 'main';
      d.refresh.cutoffZone = 'America/New_York';
    });
    const again = await open();
    expect(again.read().profiles).toEqual([profile('main', 'http://127.0.0.1:8787')]);
    expect(again.read().activeProfileId).toBe('main');
    expect(again.read().refresh.cutoffZone).toBe('America/New_York');
  });

  it('a change that changes nothing writes nothing', async () => {
    const store = await open();
    await store.update((d) => void d.profiles.push(profile('main')));
    const before = fileStat();
    await store.update((d) => void (d.activeProfileId = d.activeProfileId));
    expect(fileStat()).toBe(before);
  });

  it('the file is 0600 in a 0700 folder, and a folder left readable by others is tightened', async () => {
    const settingsDir = join(dir.path, 'Torus Token');
    mkdirSync(settingsDir, { mode: 0o755 });
    chmodSync(settingsDir, 0o755);
    const store = await open({ dir: settingsDir });
    await store.update((d) => void d.profiles.push(profile('main')));
    expect(statSync(join(settingsDir, SETTINGS_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(settingsDir).mode & 0o777).toBe(0o700);
    const fresh = await open({ dir: join(dir.path, 'new') });
    await fresh.update((d) => void d.profiles.push(profile('main')));
    expect(statSync(join(dir.path, 'new')).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['a plain-http base URL', (d: Settings) => void d.profiles.push(profile('main', 'http://example.com'))],
    ['a garbage base URL', (d: Settings) => void d.profiles.push(profile('main', 'not a url'))],
    ['a bad profile id', (d: Settings) => void d.profiles.push(profile('Bad Id'))],
    ['an unknown time zone', (d: Settings) => void (d.refresh.cutoffZone = 'Mars/Olympus')],
    ['a bad ready-by time', (d: Settings) => void d.profiles.push({ ...profile('x'), readyBy: '25:00' })],
    ['a zero timeout', (d: Settings) => void (d.refresh.timeoutSeconds = 0)],
  ])('refuses an update with %s (invalid-input) and leaves the file unchanged', async (_label, mutate) => {
    const store = await open();
    await store.update((d) => void d.profiles.push(profile('keep')));
    const before = readFileSync(file);
    const error = await rejectionOf(() => store.update(mutate));
    expect(error).toBeInstanceOf(TorusError);
    expect((error as TorusError).kind).toBe('invalid-input');
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(store.read().profiles.map((p) => p.id)).toEqual(['keep']);
  });

  it('concurrent updates in one process all land (each applies to the newest content)', async () => {
    const stores = await Promise.all(Array.from({ length: 10 }, () => open()));
    await stores[0]!.update((d) => void d.profiles.push(profile('main')));
    await Promise.all(
      stores.flatMap((store, i) =>
        Array.from({ length: 5 }, (_, j) =>
          store.update((d) => {
            const entry: Attempt = {
              at: i * 100 + j,
              reason: `w${i}`,
              outcome: 'network',
              message: `${i}-${j}`,
              latencyMs: 1,
              needsSignIn: false,
              retryAt: null,
            };
            d.history.main = [...(d.history.main ?? []), entry].slice(-HISTORY_LIMIT);
          }),
        ),
      ),
    );
    expect(stores[0]!.read().history.main).toHaveLength(HISTORY_LIMIT);
    expect(new Set(stores[0]!.read().history.main!.map((a) => a.message)).size).toBe(HISTORY_LIMIT);
  });
});

describe('many processes writing at once never undo each other', () => {
  it('12 processes × 15 read-modify-write updates each: every one of the 180 changes is in the file', async () => {
    ensureBuilt();
    const moduleUrl = new URL(`file://${join(repoRoot, 'dist', 'main', 'core', 'infra', 'settings-file.js')}`).href;
    const script = `
      const { SettingsFile } = await import(${JSON.stringify(moduleUrl)});
      const store = await SettingsFile.open({ dir: process.argv[1] });
      for (let i = 0; i < 15; i++) {
        await store.update((d) => { d.exportIssues['p' + process.argv[2] + '-' + i] = { at: i, message: 'writer ' + process.argv[2] }; });
      }`;
    const writers = Array.from(
      { length: 12 },
      (_, w) =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir.path, String(w)], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(code) : reject(new Error(`writer ${w} exited ${code}: ${stderr}`))));
        }),
    );
    await Promise.all(writers);
    const final = (await open()).read();
    expect(Object.keys(final.exportIssues)).toHaveLength(12 * 15);
    expect(readdirSync(dir.path).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);
  }, 60_000);
});

describe('damaged files are moved aside, never lost', () => {
  function expectRecovered(store: SettingsFile, original: Buffer): void {
    const backup = join(dir.path, `config.corrupt-${STAMP}.json`);
    expect(store.warnings).toHaveLength(1);
    const [warning] = store.warnings;
    expect(warning!.kind).toBe('corrupt-recovered');
    expect(warning!.backupPath).toBe(backup);
    expect(warning!.message).toContain(backup);
    expect(readFileSync(backup).equals(original)).toBe(true);
    expect(store.read()).toEqual(defaultSettings());
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(defaultSettings());
  }

  it('corrupt JSON at start-up → config.corrupt-<timestamp>.json with the original bytes, defaults, a warning', async () => {
    const original = Buffer.from('{"profiles": [{"id": "main", \u0000 truncated', 'utf8');
    writeFileSync(file, original);
    const store = await open();
    expectRecovered(store, original);
    expect(store.warnings[0]!.message).toMatch(/not valid JSON/);
    expect(readdirSync(dir.path).sort()).toEqual(['config.corrupt-2025-01-15T03-00-00-123Z.json', 'config.json']);
  });

  it.each([
    ['a JSON array', '[1, 2, 3]', /\(it is not a JSON object\)/],
    ['JSON null', 'null', /\(it is not a JSON object\)/],
    ['a JSON string', '"main"', /\(it is not a JSON object\)/],
    ['a wrong field type', '{"schemaVersion": 2, "profiles": "main"}', /\(profiles Invalid input: expected array/],
    ['an invalid profile', '{"schemaVersion": 2, "profiles": [{"id": "Not Valid", "name": ""}]}', /\(profiles\.0\./],
    ['a plain-http profile URL', '{"schemaVersion": 2, "profiles": [{"id": "main", "name": "Main", "baseUrl": "http://evil.example"}]}', /\(profiles\.0\./],
    ['a newer schema version', '{"schemaVersion": 99}', /\(it was written by a newer version of Torus Token\)/],
  ])('schema-invalid file (%s) → moved aside, defaults, a warning that names the problem', async (_label, text, problem) => {
    const original = Buffer.from(text, 'utf8');
    writeFileSync(file, original);
    const store = await open();
    expectRecovered(store, original);
    expect(store.warnings[0]!.message).toMatch(problem);
  });

  it('a write removes temp files that a crashed write left over a minute ago, never one another process is writing now', async () => {
    const store = await open();
    const crashed = join(dir.path, `.${SETTINGS_FILE}.4242.tmp`);
    const inFlight = join(dir.path, `.${SETTINGS_FILE}.4343.tmp`);
    const unrelated = join(dir.path, 'notes.tmp');
    for (const path of [crashed, inFlight, unrelated]) writeFileSync(path, '{');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(crashed, twoMinutesAgo, twoMinutesAgo);
    utimesSync(unrelated, twoMinutesAgo, twoMinutesAgo);
    await store.update((d) => void (d.clipboard.autoClearSeconds = 5));
    expect(existsSync(crashed)).toBe(false);
    expect(existsSync(inFlight)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });

  it('a file damaged by another process later: reads give defaults and a warning without writing; the next update repairs it', async () => {
    const store = await open();
    await store.update((d) => void d.profiles.push(profile('main')));
    const original = Buffer.from('{"schemaVersion": 2, "profiles": [', 'utf8');
    writeFileSync(file, original);
    expect(store.read()).toEqual(defaultSettings());
    expect(store.read()).toEqual(defaultSettings()); // read again (every popover refresh): still one warning
    expect(store.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/damaged .* Defaults are in use until it is repaired/)]);
    expect(readFileSync(file).equals(original)).toBe(true); // reading did not touch it
    await store.update((d) => void (d.clipboard.autoClearSeconds = 5));
    expect(readFileSync(join(dir.path, `config.corrupt-${STAMP}.json`)).equals(original)).toBe(true);
    expect(store.read().clipboard.autoClearSeconds).toBe(5);
  });

  it("a settings path that cannot be read at all is a file-system error, and the user's file is left where it is", async () => {
    mkdirSync(file); // EISDIR on every read
    const error = await rejectionOf(() => open());
    expect(error).toBeInstanceOf(TorusError);
    expect((error as TorusError).kind).toBe('filesystem');
    expect((error as TorusError).message).toContain(file);
    expect((error as TorusError).message).toContain('(EISDIR)');
    expect((error as TorusError).message).toContain('Check its permissions, then try again.');
    expect(readdirSync(dir.path)).toEqual(['config.json']);
  });

  it('the CLI: a settings file that becomes unreadable after opening fails the next read with the reason', async () => {
    const store = await open();
    await store.update((d) => void d.profiles.push(profile('main')));
    rmSync(file);
    mkdirSync(file);
    const error = await rejectionOf(async () => store.read());
    expect(error).toMatchObject({ kind: 'filesystem', message: expect.stringContaining('(EISDIR)') as unknown });
    expect(store.readProblem).toBeNull();
  });

  it('the app opens an unreadable settings path on defaults and says why; writes fail rather than replace it', async () => {
    mkdirSync(file);
    const settings = await SettingsFile.open({ dir: dir.path, unreadable: 'use-defaults' });
    expect(settings.read()).toEqual(defaultSettings());
    expect(settings.readProblem).toMatchObject({ kind: 'filesystem', message: expect.stringContaining('(EISDIR)') as unknown });
    const error = await rejectionOf(() => settings.update((d) => void (d.clipboard.autoClearSeconds = 45)));
    expect(error).toMatchObject({ kind: 'filesystem', message: expect.stringContaining(file) as unknown });
    expect(statSync(file).isDirectory()).toBe(true);
    expect(readdirSync(dir.path)).toEqual(['config.json']);
    // Fixed by the trader: the next read finds the file and the problem is gone.
    rmSync(file, { recursive: true });
    await settings.update((d) => void (d.clipboard.autoClearSeconds = 45));
    expect(settings.read().clipboard.autoClearSeconds).toBe(45);
    expect(settings.readProblem).toBeNull();
  });
});

describe('migrations', () => {
  it('a version-0 file (no schemaVersion) migrates, keeps its data, and is written once as the current version', async () => {
    const v0 = {
      activeProfileId: 'main',
      profiles: [{ id: 'main', name: 'Main', baseUrl: 'http://127.0.0.1:9999' }],
      refresh: { dailyRefreshTime: '09:15', cutoffTime: '03:30' },
      clipboard: { autoClearSeconds: 12 },
    };
    writeFileSync(file, JSON.stringify(v0));
    const store = await open();
    expect(store.warnings).toEqual([]);
    const s = store.read();
    expect(s.schemaVersion).toBe(SETTINGS_VERSION);
    expect(s.profiles).toEqual([{ ...profile('main', 'http://127.0.0.1:9999'), name: 'Main' }]);
    expect(s.refresh).toEqual({ atLogin: true, cutoffTime: '03:30', cutoffZone: 'Asia/Kolkata', timeoutSeconds: 15, marginMinutes: 30 });
    expect(s.clipboard.autoClearSeconds).toBe(12);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(written.schemaVersion).toBe(SETTINGS_VERSION);
    expect(readdirSync(dir.path)).toEqual(['config.json']);
    const before = fileStat();
    await open();
    expect(fileStat()).toBe(before); // migrated once, not again
  });

  it('v1 → v2: the daily refresh time goes, each profile gets a ready-by time, JWT tokens keep their exp', async () => {
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 1,
        activeProfileId: 'main',
        profiles: [{ id: 'main', name: 'Main' }],
        refresh: { dailyRefreshTime: '08:30' },
        tokens: { main: { issuedAt: 1, expiresAt: 5_000, expirySource: 'jwt', source: 'request-token', fingerprint: '0123abcd' } },
      }),
    );
    const s = (await open()).read();
    expect(s.refresh).not.toHaveProperty('dailyRefreshTime');
    expect(s.profiles[0]).toMatchObject({ readyBy: '08:45', signInAtReadyBy: false });
    expect(s.tokens.main).toMatchObject({ jwtExpiresAt: 5_000, exportRetracted: false });
  });

  it('a migration that cannot be written (read-only folder) still opens, in memory', async () => {
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, profiles: [{ id: 'main', name: 'Main' }] }));
    const spy = vi.spyOn(SettingsFile.prototype, 'update').mockRejectedValue(new TorusError('filesystem', 'read-only'));
    try {
      const store = await open();
      expect(store.read().profiles[0]!.readyBy).toBe('08:45');
      expect(JSON.parse(readFileSync(file, 'utf8')).schemaVersion).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('a migration that the disk refuses (EROFS) is logged with its code, and the settings still open in memory', async () => {
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, profiles: [{ id: 'main', name: 'Main' }] }));
    const lines: string[] = [];
    const readOnly: SettingsWriter = () => {
      throw Object.assign(new Error('read-only file system'), { code: 'EROFS' });
    };
    const store = await SettingsFile.open({ dir: dir.path, now: () => T0, writer: readOnly, log: (line) => lines.push(line) });
    expect(store.read().profiles[0]!.readyBy).toBe('08:45');
    expect(lines).toEqual(['settings: could not repair or migrate the file (EROFS); using it in memory']);
  });

  it('migrate() upgrades step by step and leaves current files alone', () => {
    expect(migrate({ profiles: [] })).toMatchObject({ profiles: [], schemaVersion: SETTINGS_VERSION });
    expect(migrate({ schemaVersion: SETTINGS_VERSION, x: 1 })).toEqual({ schemaVersion: SETTINGS_VERSION, x: 1 });
  });
});

describe('never a secret in the file', () => {
  it('after a full refresh flow (success, export, refusal, server error) the file holds no key, secret, request token or access token', async () => {
    const creds = distinctiveCredentials();
    const sim = await startSimulator({ ...creds });
    const id = uniqueProfileId('settings-secrets');
    const core = await createCore({ configDir: dir.path, http: { sleep: recordingSleep().sleep }, policy: { trustLoopback: true } });
    try {
      await core.settings.update((d) => {
        d.profiles.push(profile(id, sim.url));
        d.activeProfileId = id;
      });
      await updateProfile(core, id, { exportFilePath: join(dir.path, 'token.txt') }, approveAll, core.policy);
      const requestToken = sim.issueRequestToken();
      await core.vault.set(id, 'apiKey', creds.apiKey);
      await core.vault.set(id, 'apiSecret', creds.apiSecret);
      await core.vault.set(id, 'requestToken', requestToken);

      const outcome = await refresh(core, id, 'manual');
      expect(outcome.exportErrors).toEqual([]);
      // The single-use request token again: refused, recorded with its keyed hash only.
      await expect(refresh(core, id, 'manual')).rejects.toMatchObject({ kind: 'rejected' });
      const second = sim.issueRequestToken();
      await core.vault.set(id, 'requestToken', second);
      sim.setFault('server-error-burst', { burst: 3 });
      await expect(refresh(core, id, 'scheduled')).rejects.toMatchObject({ kind: 'server-error' });

      const text = readFileSync(file, 'utf8');
      const saved = core.settings.read();
      expect(saved.tokens[id]).toBeDefined();
      expect(saved.history[id]!.map((a) => a.outcome)).toEqual(['success', 'rejected', 'server-error']);
      for (const secret of [creds.apiKey, creds.apiSecret, requestToken, second, outcome.token, ...outcome.token.split('.').filter((p) => p.length >= 8)]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/eyJ[\w-]{5,}/);
      expect(existsSync(join(dir.path, 'token.txt'))).toBe(true); // the export file is the only place the token is written
    } finally {
      await core.vault.deleteProfile(id);
      await sim.close();
    }
  });
});

describe('changes written by another process', () => {
  it('reach a watcher through the folder (atomic renames included), without polling', async () => {
    const app = await open();
    const cli = await open();
    let changes = 0;
    const stop = app.onExternalChange(() => changes++, 20);
    await cli.update((draft) => void (draft.clipboard.autoClearSeconds = 99));
    await vi.waitFor(() => expect(changes).toBeGreaterThan(0));
    expect(app.read().clipboard.autoClearSeconds).toBe(99);
    stop();
    const seen = changes;
    await cli.update((draft) => void (draft.clipboard.autoClearSeconds = 5));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toBe(seen); // stopped watching
  });

  it('own writes reach onChange listeners; a write that changes nothing does not', async () => {
    const store = await open();
    let heard = 0;
    store.onChange(() => heard++);
    await store.update((d) => void (d.clipboard.autoClearSeconds = 7));
    await store.update((d) => void (d.clipboard.autoClearSeconds = 7));
    expect(heard).toBe(1);
  });
});

describe('update, at its edges', () => {
  it('a change that breaks a rule is refused with the rule, and nothing is written', async () => {
    const store = await open();
    await store.update((d) => void (d.hookTimeoutSeconds = 20));
    const before = readFileSync(file, 'utf8');
    const error = await rejectionOf(() => store.update((d) => void (d.hookTimeoutSeconds = 0)));
    expect(error).toMatchObject({ kind: 'invalid-input', message: expect.stringMatching(/^That setting is not valid: hookTimeoutSeconds .+\.$/) });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('a change that throws aborts it: nothing is written, the lock is released, and the error is the caller’s own', async () => {
    const store = await open();
    await store.update((d) => void (d.hookTimeoutSeconds = 20));
    const before = readFileSync(file, 'utf8');
    const own = new Error('changed my mind');
    expect(
      await rejectionOf(() =>
        store.update((d) => {
          d.hookTimeoutSeconds = 30;
          throw own;
        }),
      ),
    ).toBe(own);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir.path).filter((n) => n.endsWith('.lock'))).toEqual([]);
    await store.update((d) => void (d.hookTimeoutSeconds = 31)); // not blocked by a lock left behind
    expect(store.read().hookTimeoutSeconds).toBe(31);
  });

  it('the file is pretty-printed JSON ending in a newline (readable, diffable by hand)', async () => {
    const store = await open();
    const written = await store.update((d) => void (d.hookTimeoutSeconds = 21));
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(written, null, 2)}\n`);
  });

  it('what update returns is the new settings, frozen', async () => {
    const store = await open();
    const written = await store.update((d) => void (d.hookTimeoutSeconds = 22));
    expect(written.hookTimeoutSeconds).toBe(22);
    expect(Object.isFrozen(written)).toBe(true);
    expect(Object.isFrozen(written.refresh)).toBe(true);
  });

  it('a listener that unsubscribes hears nothing more', async () => {
    const store = await open();
    let heard = 0;
    const stop = store.onChange(() => heard++);
    await store.update((d) => void (d.hookTimeoutSeconds = 23));
    stop();
    await store.update((d) => void (d.hookTimeoutSeconds = 24));
    expect(heard).toBe(1);
  });
});

describe('watching for other processes, at its edges', () => {
  it('a burst of writes is one notice after the writes settle; other files in the folder are ignored', async () => {
    const app = await open();
    const cli = await open();
    await cli.update((d) => void (d.hookTimeoutSeconds = 1)); // the file exists before watching
    let changes = 0;
    // Half a second of quiet ends a burst: the writes below follow each other within milliseconds.
    const stop = app.onExternalChange(() => changes++, 500);
    try {
      writeFileSync(join(dir.path, 'notes.txt'), 'not the settings');
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(changes).toBe(0);
      for (let n = 2; n <= 5; n++) await cli.update((d) => void (d.hookTimeoutSeconds = n));
      await vi.waitFor(() => expect(changes).toBe(1), { timeout: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(changes).toBe(1);
    } finally {
      stop();
    }
  });

  it('a folder that cannot be watched (not created yet) gives a watcher that does nothing, not an error', async () => {
    const store = await SettingsFile.open({ dir: join(dir.path, 'not-yet') });
    const stop = store.onExternalChange(() => undefined);
    expect(() => stop()).not.toThrow();
  });
});
