import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { EXIT } from '../main/core/errors.js';
import { distinctiveCredentials, expireStoredToken, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { cliCommand, ensureBuilt, repoRoot, runCli, type CliRun } from './helpers/cli-runner.js';

/**
 * The CLI's interface for scripts and bots (README, "For scripts and bots"): `get --json`,
 * `status --json` as a stable shape, and `wait` for a bot that starts before the trader signs
 * in. Spawned processes, the real keychain and the simulator; also run against the single
 * executable (test/cli-executable.test.ts).
 */
let sim: TorusSimulator;
let config: { path: string; remove: () => void };
let creds: { apiKey: string; apiSecret: string };
let profile: string;

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  TORUS_TOKEN_CONFIG_DIR: config.path,
  TORUS_BASE_URL: '',
  TORUS_TOTP_BASE_URL: '',
  ...extra,
});

function loginTotp(): Promise<CliRun> {
  return runCli(['login', '--stdin', '--profile', profile, '--mode', 'totp', '--base-url', sim.url], {
    input: `${creds.apiKey}\n${creds.apiSecret}\nJBSW Y3DP EHPK 3PXP\n`,
    env: env(),
  });
}

beforeAll(async () => {
  ensureBuilt();
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  config = tempDir('torus-cli-scripting');
  creds = distinctiveCredentials();
  profile = uniqueProfileId('bot');
  sim.update({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, tokenLifetimeSeconds: 8 * 3600 });
  sim.setFault('none');
  return async () => {
    await runCli(['logout', '--profile', profile], { env: env() });
    config.remove();
  };
});

describe('torus-token for scripts', () => {
  it('get --json prints exactly {"token","expiresAt","profile"} on one line, also when it refreshes first', async () => {
    expect((await loginTotp()).code).toBe(EXIT.ok);
    const plain = (await runCli(['get', '--profile', profile], { env: env() })).stdout.trim();
    const json = await runCli(['get', '--profile', profile, '--json'], { env: env() });
    expect(json.code).toBe(EXIT.ok);
    expect(json.stderr).toBe('');
    expect(json.stdout.endsWith('\n')).toBe(true);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['token', 'expiresAt', 'profile']);
    expect(parsed).toMatchObject({ token: plain, profile });
    const status = JSON.parse((await runCli(['status', '--profile', profile, '--json'], { env: env() })).stdout) as { token: { expiresAt: number } };
    expect(parsed.expiresAt).toBe(status.token.expiresAt);

    await expireStoredToken(config.path, profile); // expired: --refresh-if-stale gets a new one
    const refreshed = await runCli(['get', '--profile', profile, '--json', '--refresh-if-stale'], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
    const again = JSON.parse(refreshed.stdout) as { token: string; expiresAt: number; profile: string };
    expect(again.token).not.toBe(plain);
    expect(again.expiresAt).toBeGreaterThan(Date.now());
    expect(sim.requestCount('totp')).toBe(2);
  });

  it('status --json keeps its documented shape (an interface for scripts) and holds no secret', async () => {
    await loginTotp();
    const run = await runCli(['status', '--profile', profile, '--json'], { env: env() });
    const status = JSON.parse(run.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(status)).toEqual(['profile', 'status', 'token', 'lastError', 'refused', 'exportProblem', 'nextRefreshAt', 'credentials']);
    expect(Object.keys(status.profile!)).toEqual(['id', 'name', 'mode', 'baseUrl', 'totpBaseUrl', 'readyBy']);
    expect(Object.keys(status.token!)).toEqual(['issuedAt', 'expiresAt', 'expirySource', 'source', 'fingerprint']);
    expect(Object.keys(status.credentials!)).toEqual(['apiKey', 'apiSecret', 'requestToken', 'totpSecret']);
    const token = (await runCli(['get', '--profile', profile], { env: env() })).stdout.trim();
    for (const secret of [creds.apiKey, creds.apiSecret, token]) expect(run.stdout).not.toContain(secret);
  });

  it('wait blocks, printing nothing, until the trader signs in; then prints the token and exits 0', async () => {
    const command = cliCommand(['wait', '--profile', profile, '--timeout', '30']);
    const waiting = spawn(command.file, command.args, { cwd: repoRoot, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    waiting.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    waiting.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => waiting.on('close', resolve));
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      expect(waiting.exitCode).toBeNull(); // still waiting: no profile, no token yet
      expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' });

      const signedIn = Date.now();
      expect((await loginTotp()).code).toBe(EXIT.ok);
      expect(await exited).toBe(EXIT.ok);
      expect(Date.now() - signedIn).toBeLessThan(10_000);
      const token = (await runCli(['get', '--profile', profile], { env: env() })).stdout;
      expect(stdout).toBe(token);
      expect(stderr).toBe('');
    } finally {
      waiting.kill();
    }
    // A usable token already there: answered at once.
    const now = await runCli(['wait', '--profile', profile], { env: env(), timeoutMs: 5_000 });
    expect(now.code).toBe(EXIT.ok);
    expect(now.stdout.trim().length).toBeGreaterThan(10);
  });

  it('wait --timeout gives up with exit 3 and says what is missing; a bad --timeout is exit 2', async () => {
    const started = Date.now();
    const run = await runCli(['wait', '--profile', profile, '--timeout', '1'], { env: env() });
    expect(run.code).toBe(EXIT.notConfigured);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^torus-token: No usable token after waiting 1 s: .*no profile named/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await runCli(['wait', '--timeout', 'soon'], { env: env() });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--timeout');
  });

  it.skipIf(process.platform !== 'linux')('a stored, valid token with the keychain out of reach (Linux: no Secret Service): exit 6 with the fix', async () => {
    await loginTotp();
    const { startBareSessionBus } = await import('./helpers/bare-dbus.js');
    const bus = startBareSessionBus();
    try {
      for (const args of [['get'], ['get', '--json'], ['exec', '--', process.execPath, '-e', '0']]) {
        const run = await runCli([...args.slice(0, 1), '--profile', profile, ...args.slice(1)], { env: env({ DBUS_SESSION_BUS_ADDRESS: bus.address }) });
        expect(run.code, args.join(' ')).toBe(EXIT.keychain);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(/keychain is not available.*Secret Service/);
      }
    } finally {
      bus.stop();
    }
  });
});
