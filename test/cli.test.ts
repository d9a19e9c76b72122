import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { EXIT } from '../main/core/errors.js';
import { formatClock } from '../main/tray-menu.js';
import { Vault } from '../main/core/infra/keychain.js';
import { closedLoopbackUrl, distinctiveCredentials, expireStoredToken, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
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
  // Single-use request tokens, as a real broker's: every exchange needs a fresh sign-in.
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  config = tempDir('torus-cli');
  creds = distinctiveCredentials();
  profile = uniqueProfileId('cli');
  sim.update({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, requestTokenReuse: 'single', tokenLifetimeSeconds: 8 * 3600 });
  sim.setFault('none');
  sim.resetLog();
  return () => config.remove();
});

/** The daily cutoff (HH:MM, Asia/Kolkata as by default) twelve hours from now. */
function cutoffHalfADayAway(): string {
  return formatClock(Date.now() + 12 * 3600_000, 'Asia/Kolkata');
}

function freshRequestToken(): string {
  const requestToken = sim.issueRequestToken();
  seenRequestTokens.push(requestToken);
  return requestToken;
}

async function loginTotp(extraArgs: string[] = ['--totp-base-url', sim.url]): Promise<CliRun> {
  return runCli(['login', '--stdin', '--profile', profile, '--mode', 'totp', ...extraArgs], {
    input: `${creds.apiKey}\n${creds.apiSecret}\nJBSW Y3DP EHPK 3PXP\n`,
    env: env(),
  });
}

describe('torus-token CLI, end to end', () => {
  it('login --stdin exchanges the request token at once; get prints it; stdout holds only the token', async () => {
    const saved = await login();
    expect(saved.code).toBe(EXIT.ok);
    expect(saved.stdout).toBe('');
    expect(saved.stderr).toMatch(/^Saved credentials for profile ".+" in the system keychain\.\nToken ready for ".+": expires .+\n$/);

    const got = await runCli(['get', '--profile', profile], { env: env() });
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout).toMatch(/^[A-Za-z0-9._-]+\n$/);
    const token = got.stdout.trim();
    expect(got.stderr).toBe('');

    // Exactly the documented request reached Torus, once.
    const generate = sim.requests.filter((r) => r.path.startsWith('/api/v1/session/generate'));
    expect(generate).toHaveLength(1);
    expect(generate[0]!.headers.token).toBe(seenRequestTokens.at(-1));
    expect(JSON.parse(generate[0]!.body)).toEqual({ API_KEY: creds.apiKey, API_SECRET: creds.apiSecret });

    expectNoLeak(saved, [token]);
    expectNoLeak(got, [token], true);
    // The settings file holds no secret and no token.
    for (const file of readdirSync(config.path)) {
      if (!statSync(join(config.path, file)).isFile()) continue;
      const text = readFileSync(join(config.path, file), 'utf8');
      for (const secret of [...secretsOf(), token]) expect(text).not.toContain(secret);
    }
  });

  it('request-token (a pasted redirect URL on stdin) is exchanged at once, as in the app; --print prints the new token', async () => {
    await login();
    const fresh = freshRequestToken();
    const piped = await runCli(['request-token', '--profile', profile, '--print'], {
      input: `https://merchant.example/end?state=x&Request_Token=${fresh}\n`,
      env: env(),
    });
    expect(piped.code).toBe(EXIT.ok);
    expect(piped.stderr).toMatch(/^Token ready for ".+": expires .+\n$/);
    expect(sim.requests.filter((r) => r.path.startsWith('/api/v1/session/generate')).at(-1)!.headers.token).toBe(fresh);
    const token = piped.stdout.trim();
    const got = await runCli(['get', '--profile', profile], { env: env() });
    expect(got.stdout.trim()).toBe(token);
    expectNoLeak(piped, [token], true);

    const argued = await runCli(['request-token', '--profile', profile, 'not-a-real-request-token'], { env: env() });
    expect(argued.stderr).toContain('shell history');
    expect(argued.code).toBe(EXIT.rejected); // Torus refuses a made-up request token

    const empty = await runCli(['request-token', '--profile', profile], { input: '   \n', env: env() });
    expect(empty.code).toBe(EXIT.usage);
  });

  it('refresh --print prints the token (TOTP); status --json describes it without secrets', async () => {
    // "fresh" at any hour the suite runs: in the half hour before the daily cutoff a new token is rightly "expiring soon".
    expect((await runCli(['settings', 'set', 'cutoff', cutoffHalfADayAway()], { env: env() })).code).toBe(EXIT.ok);
    expect((await loginTotp()).code).toBe(EXIT.ok);
    const refreshed = await runCli(['refresh', '--profile', profile, '--print'], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
    const token = refreshed.stdout.trim();
    expect(token.length).toBeGreaterThan(10);

    const status = await runCli(['status', '--profile', profile, '--json'], { env: env() });
    expect(status.code).toBe(EXIT.ok);
    const parsed = JSON.parse(status.stdout) as { status: string; token: { expiresAt: number }; credentials: Record<string, boolean>; refused: boolean };
    expect(parsed.status).toBe('fresh');
    expect(parsed.refused).toBe(false);
    expect(parsed.token.expiresAt).toBeGreaterThan(Date.now());
    expect(parsed.credentials).toEqual({ apiKey: true, apiSecret: true, requestToken: false, totpSecret: true });
    expectNoLeak(status, [token]);

    const human = await runCli(['status', '--profile', profile], { env: env() });
    expect(human.stdout).toContain('Status:   fresh');
    expect(human.stdout).toContain('Ready by: 08:45');
    expectNoLeak(human, [token]);
  });

  it('exec runs the command with TORUS_ACCESS_TOKEN and exits with its status; it refreshes first when the token is stale', async () => {
    await loginTotp();
    const run = await runCli(
      ['exec', '--profile', profile, '--', process.execPath, '-e', 'process.stdout.write(String(process.env.TORUS_ACCESS_TOKEN.length)); process.exit(7)'],
      { env: env() },
    );
    expect(run.code).toBe(7);
    expect(Number(run.stdout)).toBeGreaterThan(10);
    expect(sim.requestCount('totp')).toBe(1); // still fresh: no second call
    await expireStoredToken(config.path, profile);
    const again = await runCli(['exec', '--profile', profile, '--', process.execPath, '-e', 'process.exit(0)'], { env: env() });
    expect(again.code).toBe(0);
    expect(sim.requestCount('totp')).toBe(2); // expired: exec refreshed first
  });

  it('get without a token exits 3 with the next step; --refresh-if-stale fetches one', async () => {
    sim.setFault('server-error-burst', { burst: 3 });
    const saved = await login(); // credentials saved, but Torus failed: no token yet
    expect(saved.code).toBe(EXIT.transient);
    expect(saved.stderr).toContain('Saved credentials');
    const none = await runCli(['get', '--profile', profile], { env: env() });
    expect(none.code).toBe(EXIT.notConfigured);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('torus-token refresh');
    expect(none.stderr.trim().split('\n')).toHaveLength(1);

    const fetched = await runCli(['get', '--profile', profile, '--refresh-if-stale'], { env: env() });
    expect(fetched.code).toBe(EXIT.ok);
    expect(fetched.stdout.trim().length).toBeGreaterThan(10);
  });

  it('a spent request token exits 4 and says to sign in again; the last good token is kept; bots are answered without another call', async () => {
    await login();
    const good = (await runCli(['get', '--profile', profile], { env: env() })).stdout.trim();
    const refused = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(refused.code).toBe(EXIT.rejected);
    expect(refused.stderr).toMatch(/Sign in to Torus again/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
    expectNoLeak(refused, [good]);
    expect(sim.requestCount('generate')).toBe(2);
    const still = await runCli(['get', '--profile', profile], { env: env() });
    expect(still.stdout.trim()).toBe(good);

    // The token expires (the morning after); ten bot runs ask for a usable one: none calls Torus again.
    await expireStoredToken(config.path, profile);
    for (let bot = 0; bot < 10; bot++) {
      const run = await runCli(['get', '--profile', profile, '--refresh-if-stale'], { env: env() });
      expect(run.code).toBe(EXIT.rejected);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/sign in to Torus again/i);
      expectNoLeak(run, [good]);
    }
    expect(sim.requestCount('generate')).toBe(2);
    const status = JSON.parse((await runCli(['status', '--profile', profile, '--json'], { env: env() })).stdout) as { status: string; refused: boolean };
    expect(status).toMatchObject({ status: 'needs-sign-in', refused: true });

    // Signing in again (a fresh request token) works at once.
    const back = await runCli(['request-token', '--profile', profile], { input: `${freshRequestToken()}\n`, env: env() });
    expect(back.code).toBe(EXIT.ok);
    expect(sim.requestCount('generate')).toBe(3);
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
    const requestToken = freshRequestToken();
    // env points at a dead port: the profile's (working) URL is overridden, so it fails...
    const viaEnv = await runCli(['request-token', '--profile', profile, '--timeout', '2'], { input: `${requestToken}\n`, env: env({ TORUS_BASE_URL: dead }) });
    expect(viaEnv.code).toBe(EXIT.transient);
    // ...and the flag beats the env var, so this one works (the request token never reached Torus before).
    const viaFlag = await runCli(['request-token', '--profile', profile, '--base-url', sim.url], {
      input: `${requestToken}\n`,
      env: env({ TORUS_BASE_URL: dead }),
    });
    expect(viaFlag.code).toBe(EXIT.ok);
  });

  it('TOTP mode: login with a TOTP secret gets the first token through the TOTP endpoint; refresh does it silently again', async () => {
    const run = await loginTotp();
    expect(run.code).toBe(EXIT.ok);
    expect(sim.requestCount('totp')).toBe(1);
    const refreshed = await runCli(['refresh', '--profile', profile], { env: env() });
    expect(refreshed.code).toBe(EXIT.ok);
    expect(sim.requestCount('totp')).toBe(2);
    expect(sim.requestCount('generate')).toBe(0);
  });

  it('verify, profiles and logout', async () => {
    await login();
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

  // A private D-Bus without a Secret Service, and util-linux `script` below: Linux only.
  it.skipIf(process.platform !== 'linux')('keychain unavailable exits 6 with the fix, and nothing is written in plain text', async () => {
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

  it.skipIf(process.platform !== 'linux')('login on a terminal prompts with hidden input: what is typed never appears on screen', async () => {
    const { spawn } = await import('node:child_process');
    const { cliCommand } = await import('./helpers/cli-runner.js');
    const requestToken = sim.issueRequestToken();
    seenRequestTokens.push(requestToken);
    // `script` gives the CLI a real pseudo-terminal and records everything it shows.
    const cli = cliCommand(['login', '--profile', profile, '--base-url', sim.url]);
    const command = [cli.file, ...cli.args].map((a) => `'${a}'`).join(' ');
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
    expect(screen).toContain('Token ready');
    for (const secret of [creds.apiKey, creds.apiSecret, requestToken]) expect(screen).not.toContain(secret);
    const got = await runCli(['get', '--profile', profile], { env: env() });
    expect(got.code).toBe(EXIT.ok);
  });

  it('bots starting together on a profile with no token yet share one Torus call (single-use request token)', async () => {
    sim.setFault('server-error-burst', { burst: 3 });
    await login(); // saved, no token yet
    sim.resetLog();
    const runs = await Promise.all(Array.from({ length: 6 }, () => runCli(['get', '--profile', profile, '--refresh-if-stale'], { env: env() })));
    expect(runs.map((r) => r.code)).toEqual(Array(6).fill(EXIT.ok));
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('TOTP against one server: --base-url alone is enough (login stores it for TOTP too; refresh honours it)', async () => {
    const run = await loginTotp(['--base-url', sim.url]);
    expect(run.code).toBe(EXIT.ok);
    expect((await runCli(['refresh', '--profile', profile], { env: env() })).code).toBe(EXIT.ok);
    expect(sim.requestCount('totp')).toBe(2);
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

  it('settings: shows what the app shows; sets the ready-by time; refuses a bad value with exit 2', async () => {
    await login();
    const set = await runCli(['settings', 'set', 'ready-by', '09:00', '--profile', profile], { env: env() });
    expect(set.code).toBe(EXIT.ok);
    const shown = JSON.parse((await runCli(['settings', '--json', '--profile', profile], { env: env() })).stdout) as { settings: Record<string, unknown> };
    expect(shown.settings).toMatchObject({ 'ready-by': '09:00', cutoff: '06:00', 'cutoff-zone': 'Asia/Kolkata', 'export-file': null });
    const bad = await runCli(['settings', 'set', 'ready-by', '9am', '--profile', profile], { env: env() });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/HH:MM/);
    const redirect = await runCli(['settings', 'set', 'redirect-origin', 'https://merchant.example/torus/callback', '--profile', profile], { env: env() });
    expect(redirect.code).toBe(EXIT.ok);
    const withRedirect = JSON.parse((await runCli(['settings', '--json', '--profile', profile], { env: env() })).stdout) as {
      settings: Record<string, unknown>;
    };
    expect(withRedirect.settings['redirect-origin']).toBe('https://merchant.example');
    expect((await runCli(['settings', 'set', 'redirect-origin', 'none', '--profile', profile], { env: env() })).code).toBe(EXIT.ok);
    const unknown = await runCli(['settings', 'set', 'colour', 'blue'], { env: env() });
    expect(unknown.code).toBe(EXIT.usage);
  });

  it('settings that send the token elsewhere need approval: a script without --yes is refused and nothing changes', async () => {
    await login();
    const target = join(config.path, 'token.txt');
    const refused = await runCli(['settings', 'set', 'export-file', target, '--profile', profile], { env: env() });
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain(`Write the access token to the file ${target}`);
    expect(refused.stderr).toMatch(/--yes/);
    const unchanged = JSON.parse((await runCli(['settings', '--json', '--profile', profile], { env: env() })).stdout) as { settings: Record<string, unknown> };
    expect(unchanged.settings['export-file']).toBeNull();
    const approved = await runCli(['settings', 'set', 'export-file', target, '--profile', profile, '--yes'], { env: env() });
    expect(approved.code).toBe(EXIT.ok);
    const keep = await runCli(['settings', 'set', 'clipboard-clear', '0'], { env: env() });
    expect(keep.code).toBe(EXIT.usage);
    expect(keep.stderr).toMatch(/auto-clear off/);
  });

  it('a settings folder that cannot be read or written is its own error (exit 8), never "network" or "unexpected"', async () => {
    const { writeFileSync } = await import('node:fs');
    const blocker = join(config.path, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const run = await runCli(['profiles'], { env: env({ TORUS_TOKEN_CONFIG_DIR: join(blocker, 'Torus Token') }) });
    expect(run.code).toBe(EXIT.filesystem);
    expect(run.stderr).toMatch(/settings .*a file is where a folder should be \(ENOTDIR\)/);
    expect(run.stderr).not.toMatch(/network|unexpected/i);
  });
});
