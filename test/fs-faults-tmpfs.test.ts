import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { Vault } from '../main/core/infra/keychain.js';
import { EXIT } from '../main/core/errors.js';
import { distinctiveCredentials, expireStoredToken, uniqueProfileId } from './helpers/core-fixtures.js';
import { ensureBuilt, runCli, type CliRun } from './helpers/cli-runner.js';

/**
 * The trader's home partition, full and then read-only, for real: the settings folder on a
 * 256 KiB tmpfs, with the real CLI, keychain and simulator. Reading commands keep working and
 * write nothing; `refresh` stores the new token in the keychain, says plainly that the folder
 * could not be written (and where), and leaves the settings file whole and no temp file behind.
 * Mounting needs root (CI runs as root); elsewhere this is skipped, and says why.
 * (test/settings-file-faults.test.ts injects the same faults, code by code, at every step.)
 */
function mountSmallTmpfs(): { dir: string } | { skip: string } {
  if (process.platform !== 'linux') return { skip: 'tmpfs mounts are a Linux test' };
  if (process.getuid?.() !== 0) return { skip: 'mounting a tmpfs needs root (CI runs as root)' };
  const dir = mkdtempSync(join(tmpdir(), 'torus-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs was refused (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})` };
  }
}

const mounted = mountSmallTmpfs();
const skipReason = 'skip' in mounted ? mounted.skip : null;
if (skipReason) console.log(`[fs-faults-tmpfs] skipped: ${skipReason}`);
const mnt = 'dir' in mounted ? mounted.dir : '';
const configDir = join(mnt, 'settings');
const settingsFile = join(configDir, 'config.json');

let sim: TorusSimulator;
const creds = distinctiveCredentials();
const profile = uniqueProfileId('disk');
const other = uniqueProfileId('other');
const brandNew = uniqueProfileId('new');
const vault = new Vault();
const env = () => ({ TORUS_TOKEN_CONFIG_DIR: configDir, TORUS_BASE_URL: '', TORUS_TOTP_BASE_URL: '' });
const cli = (args: string[]): Promise<CliRun> => runCli(args, { env: env(), timeoutMs: 30_000 });

/** Fills the file system to the last block. */
function fill(): void {
  const fd = openSync(join(mnt, 'filler'), 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  expect(statfsSync(mnt).bavail).toBe(0);
}

/** The morning after: the token expired an hour ago (written while the disk has room). */
async function expireTheToken(): Promise<void> {
  unlinkSync(join(mnt, 'filler'));
  await expireStoredToken(configDir, profile);
  fill();
}

function leftovers(): string[] {
  return readdirSync(configDir).filter((name) => name !== 'config.json');
}

/** What every reading command does: exit 0 with the token (or its state), and no write at all. */
async function readingCommandsWork(token: string): Promise<void> {
  const before = readFileSync(settingsFile, 'utf8');
  const runs: Array<[string[], (run: CliRun) => void]> = [
    [['get', '--profile', profile], (r) => expect(r.stdout.trim()).toBe(token)],
    [['get', '--profile', profile, '--refresh-if-stale'], (r) => expect(r.stdout.trim()).toBe(token)],
    [['exec', '--profile', profile, '--', process.execPath, '-e', 'process.stdout.write(process.env.TORUS_ACCESS_TOKEN)'], (r) => expect(r.stdout).toBe(token)],
    [['status', '--profile', profile], (r) => expect(r.stdout).toMatch(/fresh/i)],
    [['profiles'], (r) => expect(r.stdout).toContain(profile)],
    [['login-url', '--profile', profile], (r) => expect(r.stdout).toContain(sim.url)],
    [['verify', '--profile', profile], (r) => expect(r.stderr).toMatch(/Torus accepts the token/)],
    [['settings', '--profile', profile], (r) => expect(r.stdout).toContain(profile)],
    [['wait', '--profile', profile, '--timeout', '5'], (r) => expect(r.stdout.trim()).toBe(token)],
  ];
  for (const [args, check] of runs) {
    const run = await cli(args);
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: EXIT.ok, stderr: expect.any(String) });
    check(run);
  }
  expect(readFileSync(settingsFile, 'utf8')).toBe(before);
  expect(leftovers()).toEqual([]);
}

/**
 * `refresh` with a fresh request token: the token is what was asked for, so it is stored and
 * the command succeeds (a script may go on), with a warning that says what could not be saved,
 * why and where.
 */
async function refreshKeepsTheToken(problem: RegExp): Promise<string> {
  const before = readFileSync(settingsFile, 'utf8');
  await vault.set(profile, 'requestToken', sim.issueRequestToken());
  sim.resetLog();
  const run = await cli(['refresh', '--profile', profile]);
  expect(sim.requestCount('generate')).toBe(1);
  expect(run.code, run.stderr).toBe(EXIT.ok);
  expect(run.stderr).toMatch(/warning: The new token is stored in the keychain and works, but its details could not be saved/);
  expect(run.stderr).toMatch(problem);
  expect(run.stderr).toContain(configDir);
  expect(run.stderr).not.toMatch(/network|unexpected/i);
  // The settings file is exactly as it was (never truncated or half-written), nothing is left over.
  expect(readFileSync(settingsFile, 'utf8')).toBe(before);
  expect(() => JSON.parse(before) as unknown).not.toThrow();
  expect(leftovers()).toEqual([]);
  // The new token is in the keychain and is the one every command now uses.
  const stored = await vault.getToken(profile);
  const get = await cli(['get', '--profile', profile]);
  expect(get.code, get.stderr).toBe(EXIT.ok);
  expect(get.stdout.trim()).toBe(stored!.token);
  return stored!.token;
}

describe.skipIf(skipReason !== null)('a full and then read-only settings folder (real tmpfs)', () => {
  let token = '';

  beforeAll(async () => {
    ensureBuilt();
    sim = await startSimulator({ ...creds, requestTokenReuse: 'single' });
    for (const name of [profile, other]) {
      const login = await runCli(['login', '--stdin', '--profile', name, '--base-url', sim.url], {
        env: env(),
        input: `${creds.apiKey}\n${creds.apiSecret}\n${sim.issueRequestToken()}\n`,
      });
      expect(login.code, login.stderr).toBe(EXIT.ok);
    }
    expect((await cli(['profiles', '--use', profile])).code).toBe(EXIT.ok);
    token = (await vault.getToken(profile))!.token;
  });

  afterAll(async () => {
    for (const id of [profile, other, brandNew]) await vault.deleteProfile(id).catch(() => undefined);
    await sim?.close();
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('a full disk: get, get --refresh-if-stale, exec, status, profiles, login-url, verify and settings work and write nothing', async () => {
    fill();
    await readingCommandsWork(token);
  });

  it('a full disk: refresh stores the new token in the keychain and warns "no space left" with the folder', async () => {
    const next = await refreshKeepsTheToken(/no space left/i);
    expect(next).not.toBe(token);
    token = next;
  });

  it("a full disk: a bot's get --refresh-if-stale on an expired token prints the new token and warns", async () => {
    await expireTheToken();
    await vault.set(profile, 'requestToken', sim.issueRequestToken());
    const before = readFileSync(settingsFile, 'utf8');
    const run = await cli(['get', '--profile', profile, '--refresh-if-stale']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const stored = (await vault.getToken(profile))!;
    expect(run.stdout.trim()).toBe(stored.token);
    expect(stored.token).not.toBe(token);
    expect(run.stderr).toMatch(/no space left on the device \(ENOSPC\)/);
    expect(readFileSync(settingsFile, 'utf8')).toBe(before);
    expect(leftovers()).toEqual([]);
    token = stored.token;
    // The next bot does not refresh again: the keychain's copy is fresh even though the file is not.
    sim.resetLog();
    const next = await cli(['get', '--profile', profile, '--refresh-if-stale']);
    expect(next.stdout.trim()).toBe(token);
    expect(sim.requestCount('generate')).toBe(0);
  });

  it('a full disk: request-token exchanges the pasted token and warns, like refresh', async () => {
    sim.resetLog();
    const run = await runCli(['request-token', '--profile', profile, '--print'], { env: env(), input: `${sim.issueRequestToken()}\n` });
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(sim.requestCount('generate')).toBe(1);
    const stored = (await vault.getToken(profile))!;
    expect(run.stdout.trim()).toBe(stored.token);
    expect(run.stderr).toMatch(/no space left on the device \(ENOSPC\)/);
    token = stored.token;
  });

  it('a full disk: changes to the settings fail with exit 8 and the cause, and change nothing', async () => {
    const before = readFileSync(settingsFile, 'utf8');
    const fails = async (args: string[], input = '') => {
      const run = await runCli(args, { env: env(), input, timeoutMs: 30_000 });
      expect({ args, code: run.code }).toEqual({ args, code: EXIT.filesystem });
      expect(run.stderr).toMatch(/no space left on the device \(ENOSPC\)/);
      expect(run.stderr).toContain(configDir);
      expect(run.stderr).not.toMatch(/network|unexpected/i);
      return run;
    };
    await fails(['settings', 'set', 'timeout', '20', '--profile', profile]);
    await fails(['profiles', '--use', other]);
    await fails(['login', '--stdin', '--profile', brandNew, '--base-url', sim.url], `${creds.apiKey}\n${creds.apiSecret}\n${sim.issueRequestToken()}\n`);
    // A profile that could not be created leaves no secret behind in the keychain.
    expect(await vault.get(brandNew, 'apiKey')).toBeNull();
    expect(readFileSync(settingsFile, 'utf8')).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  it('a full disk: logout still removes the secrets (and says what it could not do); removing the profile says it is still listed', async () => {
    const logout = await cli(['logout', '--profile', other]);
    expect(logout.code, logout.stderr).toBe(EXIT.ok);
    expect(logout.stderr).toMatch(/warning: The old token's details could not be removed from the settings: .*no space left/);
    expect(await vault.get(other, 'apiKey')).toBeNull();
    expect(await vault.getToken(other)).toBeNull();
    const remove = await cli(['logout', '--profile', other, '--remove-profile']);
    expect(remove.code).toBe(EXIT.filesystem);
    expect(remove.stderr).toMatch(/were removed from the keychain, but the profile could not be deleted: .*no space left/);
    expect((await cli(['profiles'])).stdout).toContain(other);
    expect(leftovers()).toEqual([]);
  });

  it('a read-only folder: the reading commands work; refresh keeps the token and says the folder is read-only', async () => {
    unlinkSync(join(mnt, 'filler'));
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    await readingCommandsWork(token);
    const next = await refreshKeepsTheToken(/read-only/i);
    expect(next).not.toBe(token);
    token = next;
  });

  it('once the folder is writable again, the next refresh records the token and its success in the settings', async () => {
    execFileSync('mount', ['-o', 'remount,rw', mnt]);
    await vault.set(profile, 'requestToken', sim.issueRequestToken());
    const run = await cli(['refresh', '--profile', profile]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as {
      tokens: Record<string, { fingerprint: string }>;
      history: Record<string, Array<{ outcome: string }>>;
    };
    expect(settings.tokens[profile]?.fingerprint).toBeTruthy();
    expect(settings.history[profile]!.at(-1)!.outcome).toBe('success');
    expect(leftovers()).toEqual([]);
  });
});
