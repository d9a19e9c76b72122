import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { EXIT } from '../main/core/errors.js';
import { Vault } from '../main/core/infra/keychain.js';
import { closedLoopbackUrl, distinctiveCredentials, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { ensureBuilt, runCli, type CliRun } from './helpers/cli-runner.js';

/**
 * The CLI as a trading script uses it: a spawned process, the real keychain (throwaway
 * Secret Service), real HTTP to the simulator. Every run is also checked for leaks.
 */
let sim: TorusSimulator;
let config: { path: string; remove: () => void };
let creds: { apiKey: string; apiSecret: string };
let profile: string;
const seenRequestTokens: string[] = [];

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { TORUS_TOKEN_CONFIG_DIR: config.path, TORUS_BASE_URL: '', TORUS_TOTP_BASE_URL: '', ...extra };
}

function secretsOf(): string[] {
  return [creds.apiKey, creds.apiSecret, ...seenRequestTokens];
}

/** stderr never carries a secret or a token; stdout carries a token only when asked. */
function expectNoLeak(run: CliRun, accessTokens: string[] = [], stdoutMayHoldToken = false): void {
  for (const secret of [...secretsOf(), ...accessTokens]) {
    expect(run.stderr).not.toContain(secret);
  }
  for (const secret of secretsOf()) expect(run.stdout).not.toContain(secret);
  if (!stdoutMayHoldToken) for (const token of accessTokens) expect(run.stdout).not.toContain(token);
}

async function login(extraArgs: string[] = []): Promise<CliRun> {
  const requestToken = sim.issueRequestToken();
  seenRequestTokens.push(requestToken);
  return runCli(['login', '--stdin', '--profile', profile, '--base-url', sim.url, ...extraArgs], {
    input: `${creds.apiKey}\n${creds.apiSecret}\n${requestToken}\n`,
    env: env(),
  });
}

beforeAll(async () => {
  ensureBuilt();
  sim = await startSimulator({ requestTokenReuse: 'reusable' });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  config = tempDir('torus-cli');
  creds = distinctiveCredentials();
  profile = uniqueProfileId('cli');
  sim.update({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, requestTokenReuse: 'reusable' });
  sim.setFault('none');
  sim.resetLog();
  return () => config.remove();
});

describe('torus-token CLI, end to end', () => {
  it('login --stdin, refresh, get: the documented quick start works and stdout holds only the token', async () => {
    const saved = await login();
    expect(saved.code).toBe(EXIT.ok);
    expect(saved.stdout).toBe('');
    expect(saved.stderr).toContain('Saved credentials');

    const refreshed = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
    expect(refreshed.stdout).toBe('');
    expect(refreshed.stderr).toMatch(/^Refreshed ".+": issued .+, expires .+\n$/);

    const got = await runCli(['get', '--profile', profile], { env: env() });
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout).toMatch(/^[A-Za-z0-9._-]+\n$/);
    const token = got.stdout.trim();
    expect(got.stderr).toBe('');

    // Exactly the documented request reached Torus.
    const generate = sim.requests.filter((r) => r.path.startsWith('/api/v1/session/generate'));
    expect(generate).toHaveLength(1);
    expect(generate[0]!.headers.token).toBe(seenRequestTokens.at(-1));
    expect(JSON.parse(generate[0]!.body)).toEqual({ API_KEY: creds.apiKey, API_SECRET: creds.apiSecret });

    for (const run of [saved, refreshed]) expectNoLeak(run, [token]);
    expectNoLeak(got, [token], true);

    // The settings file holds no secret and no token.
    for (const file of readdirSync(config.path)) {
      const text = readFileSync(join(config.path, file), 'utf8');
      for (const secret of [...secretsOf(), token]) expect(text).not.toContain(secret);
    }
  });

  it('refresh --print prints the token; status --json describes it without secrets', async () => {
    await login();
    const refreshed = await runCli(['refresh', '--profile', profile, '--print'], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
    const token = refreshed.stdout.trim();
    expect(token.length).toBeGreaterThan(10);

    const status = await runCli(['status', '--profile', profile, '--json'], { env: env() });
    expect(status.code).toBe(EXIT.ok);
    const parsed = JSON.parse(status.stdout) as { status: string; token: { expiresAt: number }; credentials: Record<string, boolean> };
    expect(parsed.status).toBe('fresh');
    expect(parsed.token.expiresAt).toBeGreaterThan(Date.now());
    expect(parsed.credentials).toEqual({ apiKey: true, apiSecret: true, requestToken: true, totpSecret: false });
    expectNoLeak(status, [token]);

    const human = await runCli(['status', '--profile', profile], { env: env() });
    expect(human.stdout).toContain('Status:   fresh');
    expectNoLeak(human, [token]);
  });

  it('exec runs the command with TORUS_ACCESS_TOKEN, refreshing first, and exits with its status', async () => {
    await login();
    const run = await runCli(
      ['exec', '--profile', profile, '--', process.execPath, '-e', 'process.stdout.write(String(process.env.TORUS_ACCESS_TOKEN.length)); process.exit(7)'],
      { env: env() },
    );
    expect(run.code).toBe(7);
    expect(Number(run.stdout)).toBeGreaterThan(10);
    expect(sim.requestCount('generate')).toBe(1); // there was no token: exec refreshed first
    const again = await runCli(['exec', '--profile', profile, '--', process.execPath, '-e', 'process.exit(0)'], { env: env() });
    expect(again.code).toBe(0);
    expect(sim.requestCount('generate')).toBe(1); // still fresh: no second call
  });

  it('get without a token exits 3 with the next step; --refresh-if-stale fetches one', async () => {
    await login();
    const none = await runCli(['get', '--profile', profile], { env: env() });
    expect(none.code).toBe(EXIT.notConfigured);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('torus-token refresh');
    expect(none.stderr.trim().split('\n')).toHaveLength(1);

    const fetched = await runCli(['get', '--profile', profile, '--refresh-if-stale'], { env: env() });
    expect(fetched.code).toBe(EXIT.ok);
    expect(fetched.stdout.trim().length).toBeGreaterThan(10);
  });

  it('a refused request token exits 4, says to sign in again, and keeps the last good token', async () => {
    await login();
    const first = await runCli(['refresh', '--profile', profile, '--print'], { env: env() });
    const good = first.stdout.trim();
    sim.setFault('reject-401', { routes: ['generate'] });
    const refused = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(refused.code).toBe(EXIT.rejected);
    expect(refused.stderr).toMatch(/Sign in to Torus again/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
    expectNoLeak(refused, [good]);
    sim.setFault('none');
    const still = await runCli(['get', '--profile', profile], { env: env() });
    expect(still.stdout.trim()).toBe(good);
  });

  it('network failures exit 5 after retries; an HTML answer exits 7; --debug adds detail but no secret', async () => {
    await login();
    const down = await runCli(['refresh', '--profile', profile, '--base-url', await closedLoopbackUrl(), '--timeout', '2'], { env: env() });
    expect(down.code).toBe(EXIT.transient);
    expect(down.stderr).toContain('Could not reach Torus');

    sim.setFault('html-error');
    const html = await runCli(['refresh', '--profile', profile, '--debug'], { env: env() });
    expect(html.code).toBe(EXIT.invalidResponse);
    expect(html.stderr).toContain('[debug]');
    expectNoLeak(html);
  });

  it('--base-url beats TORUS_BASE_URL, which beats the profile setting', async () => {
    await login();
    const dead = await closedLoopbackUrl();
    // env points at a dead port: the profile's (working) URL is overridden, so it fails...
    const viaEnv = await runCli(['refresh', '--profile', profile, '--timeout', '2'], { env: env({ TORUS_BASE_URL: dead }) });
    expect(viaEnv.code).toBe(EXIT.transient);
    // ...and the flag beats the env var, so this one works.
    const viaFlag = await runCli(['refresh', '--profile', profile, '--base-url', sim.url], { env: env({ TORUS_BASE_URL: dead }) });
    expect(viaFlag.code).toBe(EXIT.ok);
  });

  it('request-token accepts a pasted redirect URL from stdin and warns when given as an argument', async () => {
    await login();
    const fresh = sim.issueRequestToken();
    seenRequestTokens.push(fresh);
    const piped = await runCli(['request-token', '--profile', profile], { input: `https://merchant.example/end?state=x&Request_Token=${fresh}\n`, env: env() });
    expect(piped.code).toBe(EXIT.ok);
    expect(piped.stderr).not.toContain('shell history');
    await runCli(['refresh', '--profile', profile], { env: env() });
    expect(sim.requests.filter((r) => r.path.startsWith('/api/v1/session/generate')).at(-1)!.headers.token).toBe(fresh);

    const argued = await runCli(['request-token', '--profile', profile, 'some-token-value'], { env: env() });
    expect(argued.code).toBe(EXIT.ok);
    expect(argued.stderr).toContain('shell history');

    const empty = await runCli(['request-token', '--profile', profile], { input: '   \n', env: env() });
    expect(empty.code).toBe(EXIT.usage);
  });

  it('TOTP mode: login with a TOTP secret, refresh silently through the TOTP endpoint', async () => {
    const run = await runCli(['login', '--stdin', '--profile', profile, '--mode', 'totp', '--totp-base-url', sim.url], {
      input: `${creds.apiKey}\n${creds.apiSecret}\nJBSW Y3DP EHPK 3PXP\n`,
      env: env(),
    });
    expect(run.code).toBe(EXIT.ok);
    const refreshed = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
    expect(sim.requestCount('totp')).toBe(1);
    expect(sim.requestCount('generate')).toBe(0);
  });

  it('verify, profiles and logout', async () => {
    await login();
    await runCli(['refresh', '--profile', profile], { env: env() });
    const ok = await runCli(['verify', '--profile', profile], { env: env() });
    expect(ok.code).toBe(EXIT.ok);
    sim.revokeAccessTokens();
    const revoked = await runCli(['verify', '--profile', profile], { env: env() });
    expect(revoked.code).toBe(EXIT.rejected);

    const list = await runCli(['profiles', '--json'], { env: env() });
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: profile, active: true })]);

    const out = await runCli(['logout', '--profile', profile], { env: env() });
    expect(out.code).toBe(EXIT.ok);
    const after = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(after.code).toBe(EXIT.notConfigured);
  });

  it('usage errors exit 2 with one line; an unknown profile exits 3', async () => {
    const bad = await runCli(['refresh', '--timeout', 'soon'], { env: env() });
    expect(bad.code).toBe(EXIT.usage);
    const unknown = await runCli(['frobnicate'], { env: env() });
    expect(unknown.code).toBe(EXIT.usage);
    const noProfile = await runCli(['get', '--profile', 'nobody-here'], { env: env() });
    expect(noProfile.code).toBe(EXIT.notConfigured);
    const badUrl = await runCli(['login', '--stdin', '--profile', profile, '--base-url', 'http://example.com'], { input: 'a\nb\nc\n', env: env() });
    expect(badUrl.code).toBe(EXIT.usage);
    expect(badUrl.stderr).toContain('https://');
  });

  it('a corrupt settings file is moved aside with a warning, never a crash', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(config.path, 'config.json'), '{"profiles": [ this is not json');
    const run = await runCli(['profiles'], { env: env() });
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toContain('damaged');
    const backups = readdirSync(config.path).filter((f) => f.startsWith('config.corrupt-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(config.path, backups[0]!), 'utf8')).toContain('this is not json');
  });

  it('keychain unavailable exits 6 with the fix, and nothing is written in plain text', async () => {
    const { startBareSessionBus } = await import('./helpers/bare-dbus.js');
    const bus = startBareSessionBus();
    try {
      const run = await runCli(['login', '--stdin', '--profile', profile, '--base-url', sim.url], {
        input: `${creds.apiKey}\n${creds.apiSecret}\nrt-123456\n`,
        env: env({ DBUS_SESSION_BUS_ADDRESS: bus.address }),
      });
      expect(run.code).toBe(EXIT.keychain);
      expect(run.stderr).toMatch(/keychain is not available.*Secret Service/);
      // Nothing half-saved: no profile without its secrets.
      const listed = await runCli(['profiles', '--json'], { env: env() });
      expect(JSON.parse(listed.stdout)).toEqual([]);
      expectNoLeak(run);
      for (const file of readdirSync(config.path)) {
        if (statSync(join(config.path, file)).isFile()) expect(readFileSync(join(config.path, file), 'utf8')).not.toContain(creds.apiSecret);
      }
    } finally {
      bus.stop();
    }
  });

  it('regression: a huge standard input is a usage error (exit 2) with a clear line, not an "unexpected" failure', async () => {
    await login();
    const huge = `${'k'.repeat(70 * 1024)}\n${creds.apiSecret}\nrt-1\n`;
    const run = await runCli(['login', '--stdin', '--profile', profile, '--base-url', sim.url], { input: huge, env: env() });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/Standard input is too large/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expectNoLeak(run);
    const piped = await runCli(['request-token', '--profile', profile], { input: 'r'.repeat(70 * 1024), env: env() });
    expect(piped.code).toBe(EXIT.usage);
    expect(piped.stderr).toMatch(/Standard input is too large/);
  });

  it('regression: --debug shows the error chain but never the stored request token quoted by undici', async () => {
    await login();
    // A request token with a line break (written by another tool): undici refuses the header and
    // quotes its value in its own error message, which --debug used to print.
    const leaky = `leaky-${seenRequestTokens.at(-1)}`;
    seenRequestTokens.push(leaky);
    await new Vault().set(profile, 'requestToken', `${leaky}\nx`);
    try {
      const run = await runCli(['refresh', '--profile', profile, '--debug'], { env: env() });
      expect(run.code).toBe(EXIT.transient);
      expect(run.stderr).toContain('[debug] cause:');
      expect(run.stderr).toMatch(/invalid header value/);
      expectNoLeak(run);
    } finally {
      await new Vault().deleteProfile(profile);
    }
  });

  it('regression: a profile name with control characters is refused (exit 2)', async () => {
    const run = await runCli(['login', '--stdin', '--profile', 'evil\u001b[2Jname', '--base-url', sim.url], {
      input: `${creds.apiKey}\n${creds.apiSecret}\nrt-123456\n`,
      env: env(),
    });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/control characters/);
    expectNoLeak(run);
  });

  it('login on a terminal prompts with hidden input: what is typed never appears on screen', async () => {
    const { spawn } = await import('node:child_process');
    const { cliBin } = await import('./helpers/cli-runner.js');
    const requestToken = sim.issueRequestToken();
    seenRequestTokens.push(requestToken);
    // `script` gives the CLI a real pseudo-terminal and records everything it shows.
    const command = [process.execPath, cliBin, 'login', '--profile', profile, '--base-url', sim.url].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env() }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')));
    const waitFor = async (text: string) => {
      for (let i = 0; i < 200 && !screen.includes(text); i++) await new Promise((r) => setTimeout(r, 25));
      expect(screen).toContain(text);
    };
    await waitFor('API key: ');
    child.stdin.write(`${creds.apiKey}\r`);
    await waitFor('API secret: ');
    child.stdin.write(`${creds.apiSecret}\r`);
    await waitFor('Request token');
    child.stdin.write(`${requestToken}\r`);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(EXIT.ok);
    expect(screen).toContain('Saved credentials');
    for (const secret of [creds.apiKey, creds.apiSecret, requestToken]) expect(screen).not.toContain(secret);
    const refreshed = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
  });

  it('bots starting together with a stale token share one Torus call (single-use request token)', async () => {
    sim.update({ requestTokenReuse: 'single' });
    await login();
    const runs = await Promise.all(Array.from({ length: 4 }, () => runCli(['get', '--profile', profile, '--refresh-if-stale'], { env: env() })));
    expect(runs.map((r) => r.code)).toEqual([EXIT.ok, EXIT.ok, EXIT.ok, EXIT.ok]);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('TOTP against one server: --base-url alone is enough (login stores it for TOTP too; refresh honours it)', async () => {
    const run = await runCli(['login', '--stdin', '--profile', profile, '--mode', 'totp', '--base-url', sim.url], {
      input: `${creds.apiKey}\n${creds.apiSecret}\nJBSWY3DPEHPK3PXP\n`,
      env: env(),
    });
    expect(run.code).toBe(EXIT.ok);
    expect((await runCli(['refresh', '--profile', profile], { env: env() })).code).toBe(EXIT.ok);
    expect(sim.requestCount('totp')).toBe(1);
    // A one-off --base-url reaches the TOTP endpoint too.
    const dead = await closedLoopbackUrl();
    const viaFlag = await runCli(['refresh', '--profile', profile, '--base-url', dead, '--timeout', '2'], { env: env() });
    expect(viaFlag.code).toBe(EXIT.transient);
    expect(viaFlag.stderr).toContain(new URL(dead).host);
  });

  it('warns when a --base-url or TORUS_BASE_URL points away from Torus (credentials would go there)', async () => {
    await login();
    const viaEnv = await runCli(['status', '--profile', profile], { env: env({ TORUS_BASE_URL: 'https://collector.example' }) });
    expect(viaEnv.stderr).toContain('https://collector.example, which is not a Torus server');
    const official = await runCli(['status', '--profile', profile, '--base-url', 'https://connects.torusdigital.com'], { env: env() });
    expect(official.stderr).not.toContain('not a Torus server');
  });
});
