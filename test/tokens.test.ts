import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { lookupToken, profileState, refresh, refusedEarlier, usableToken, verifyToken, type RefreshOutcome } from '../main/core/use-cases/tokens.js';
import { acceptRequestToken } from '../main/core/use-cases/sign-in.js';
import { saveCredentials } from '../main/core/use-cases/credentials.js';
import { forgetProfile, updateProfile } from '../main/core/use-cases/profiles.js';
import { approveAll } from '../main/core/use-cases/approvals.js';
import { retractIfExpired } from '../main/core/use-cases/exports.js';
import { refreshBoundMs } from '../main/core/use-cases/profile-lock.js';
import { TorusError, type TorusErrorKind } from '../main/core/errors.js';
import { fingerprint } from '../main/core/domain/redact.js';
import { jwtExpiryMs } from '../main/core/domain/expiry.js';
import { HISTORY_LIMIT, type Attempt, type Profile } from '../main/core/domain/settings-schema.js';
import { removeProfile } from '../main/core/domain/profiles.js';
import { lockPath } from '../main/core/infra/file-lock.js';
import { startSimulator, type SimulatorFault, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { closedLoopbackUrl, distinctiveCredentials, recordingSleep, rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/**
 * The tokens use case end to end: real keychain (throwaway Secret Service), settings in a temp
 * dir, real HTTP to the simulator, whose request tokens are single-use as a real broker's are.
 * Only the clock and the retry sleep are injected.
 */

const T0 = Date.UTC(2025, 0, 15, 1, 0); // 06:30 IST: the next 06:00 cutoff is 23.5 h away
const HOUR = 3600_000;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

let clock: number;
let sim: TorusSimulator;
let dir: ReturnType<typeof tempDir>;
let core: Core;
let creds: { apiKey: string; apiSecret: string };
let id: string;
let sleep: ReturnType<typeof recordingSleep>;
const profilesToClean: string[] = [];
const secretsSeen: string[] = [];

function profile(profileId: string, overrides: Partial<Profile> = {}): Profile {
  return {
    id: profileId,
    name: profileId,
    mode: 'request-token',
    baseUrl: sim.url,
    totpBaseUrl: sim.url,
    export: { filePath: null, hookCommand: null },
    readyBy: '08:45',
    signInAtReadyBy: false,
    redirectOrigin: null,
    ...overrides,
  };
}

/** What a trader's daily sign-in leaves in the keychain: a fresh, single-use request token. */
async function signInAgain(profileId: string = id): Promise<string> {
  const requestToken = sim.issueRequestToken();
  secretsSeen.push(requestToken);
  await core.vault.set(profileId, 'requestToken', requestToken);
  return requestToken;
}

async function addProfile(overrides: Partial<Profile> = {}, secrets = true): Promise<string> {
  const profileId = uniqueProfileId('tok');
  profilesToClean.push(profileId);
  await core.settings.update((d) => {
    d.profiles.push(profile(profileId, overrides));
    d.activeProfileId ??= profileId;
  });
  if (secrets) {
    await core.vault.set(profileId, 'apiKey', creds.apiKey);
    await core.vault.set(profileId, 'apiSecret', creds.apiSecret);
    if (overrides.mode === 'totp') await core.vault.set(profileId, 'totpSecret', TOTP_SECRET);
    else await signInAgain(profileId);
  }
  return profileId;
}

function makeCore(): Promise<Core> {
  // The clock ticks a little on every read, so latencies are measurable and deterministic.
  return createCore({ configDir: dir.path, now: () => (clock += 5), http: { sleep: sleep.sleep, random: () => 0.5 }, policy: { trustLoopback: true } });
}

beforeEach(async () => {
  clock = T0;
  creds = distinctiveCredentials();
  secretsSeen.splice(0, secretsSeen.length, creds.apiKey, creds.apiSecret, TOTP_SECRET);
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET, now: () => clock });
  dir = tempDir('torus-tokens');
  sleep = recordingSleep();
  core = await makeCore();
  id = await addProfile();
});

afterEach(async () => {
  for (const profileId of profilesToClean.splice(0)) await core.vault.deleteProfile(profileId);
  await sim.close();
  dir.remove();
});

async function refreshFailure(profileId: string = id, overrides: Parameters<typeof refresh>[3] = {}): Promise<TorusError> {
  const error = await rejectionOf(() => refresh(core, profileId, 'manual', overrides));
  expect(error).toBeInstanceOf(TorusError);
  return error as TorusError;
}

function expectNoSecretIn(text: string, ...more: string[]): void {
  for (const secret of [...secretsSeen, ...more]) expect(text).not.toContain(secret);
}

const settings = () => core.settings.read();

describe('refresh stores the token, its metadata and the attempt', () => {
  it('stores the token with its expiry in the keychain, metadata and history (with latency) in settings', async () => {
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.attempts).toBe(1);
    expect(outcome.exportErrors).toEqual([]);
    expect(outcome.warnings).toEqual([]);
    const stored = await core.vault.getToken(id);
    expect(stored?.token).toBe(outcome.token);
    expect(stored?.meta).toMatchObject({ issuedAt: outcome.meta.issuedAt, expiresAt: outcome.meta.expiresAt, source: 'request-token' });

    const meta = settings().tokens[id]!;
    expect(meta).toEqual(outcome.meta);
    expect(meta.fingerprint).toBe(fingerprint(outcome.token));
    expect(meta.expirySource).toBe('jwt');
    expect(meta.expiresAt).toBe(jwtExpiryMs(outcome.token));
    expect(meta.jwtExpiresAt).toBe(jwtExpiryMs(outcome.token));
    expect(meta.expiresAt - meta.issuedAt).toBeGreaterThan(7.9 * HOUR);

    const history = settings().history[id]!;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ reason: 'manual', outcome: 'success', needsSignIn: false, message: 'Refreshed.' });
    expect(history[0]!.latencyMs).toBeGreaterThan(0);
    expect(await lookupToken(core, id)).toMatchObject({ kind: 'valid', token: outcome.token });
  });

  it('TOTP profiles refresh through the TOTP endpoint', async () => {
    const totpId = await addProfile({ mode: 'totp' });
    const outcome = await refresh(core, totpId, 'login');
    expect(sim.requestCount('totp')).toBe(1);
    expect(outcome.meta.source).toBe('totp');
    expect((await core.vault.getToken(totpId))?.token).toBe(outcome.token);
  });

  it(`caps the history at ${HISTORY_LIMIT} attempts, dropping the oldest`, async () => {
    const seeded: Attempt[] = Array.from({ length: HISTORY_LIMIT }, (_, i) => ({
      at: i + 1,
      reason: 'seed',
      outcome: 'network',
      message: `seed ${i}`,
      latencyMs: i,
      needsSignIn: false,
      retryAt: null,
    }));
    await core.settings.update((d) => void (d.history[id] = seeded));
    await refresh(core, id, 'scheduled');
    const history = settings().history[id]!;
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]!.message).toBe('seed 1');
    expect(history[HISTORY_LIMIT - 1]).toMatchObject({ outcome: 'success', reason: 'scheduled' });
  });

  it('50 concurrent refresh() calls share one HTTP request and one token', async () => {
    const calls = Array.from({ length: 50 }, () => refresh(core, id, 'manual'));
    expect(profileState(core, id).status).toBe('refreshing');
    const outcomes = await Promise.all(calls);
    expect(sim.requestCount('generate')).toBe(1);
    expect(new Set(outcomes.map((o) => o.token)).size).toBe(1);
    expect(settings().history[id]).toHaveLength(1);
    expect(profileState(core, id).status).toBe('fresh');
  });

  it('the app and the CLI (two processes on one settings folder) refreshing at once make one request', async () => {
    const other = await makeCore();
    const [a, b] = await Promise.all([refresh(core, id, 'manual'), refresh(other, id, 'cli')]);
    expect(sim.requestCount('generate')).toBe(1);
    expect(a.token).toBe(b.token);
    expect([a.shared, b.shared].sort()).toEqual([false, true]);
    expect(settings().history[id]!.filter((h) => h.outcome === 'success')).toHaveLength(1);
    expect(existsSync(lockPath(dir.path, `refresh-${id}`))).toBe(false);
  });

  it('a core use-case listener hears the profile change when a refresh starts and ends', async () => {
    const heard: Array<string | null> = [];
    const off = core.onChange((profileId) => heard.push(profileId));
    await refresh(core, id, 'manual');
    off();
    expect(heard).toEqual([id, id]);
  });
});

describe('the cross-process refresh lock', () => {
  it('a lock left by a crashed process (same host, dead pid) is taken over at once', async () => {
    writeFileSync(
      lockPath(dir.path, `refresh-${id}`),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: Date.now(), boundMs: 120_000, token: 'crashed' }),
    );
    await refresh(core, id, 'manual');
    expect(sim.requestCount('generate')).toBe(1);
    expect(existsSync(lockPath(dir.path, `refresh-${id}`))).toBe(false);
  });

  it('the wait is derived from the timeout and retry policy: every attempt timing out, the longest inline waits, a TOTP window edge, the hook, 15 s slack', () => {
    expect(refreshBoundMs(15_000, 10_000)).toBe(3 * 15_000 + 2 * 30_000 + 3_000 + 10_000 + 15_000);
    expect(refreshBoundMs(15_000, 10_000, { attempts: 1, baseDelayMs: 500, maxDelayMs: 8_000 })).toBe(15_000 + 3_000 + 10_000 + 15_000);
    expect(refreshBoundMs(120_000, 10_000)).toBeGreaterThan(refreshBoundMs(15_000, 10_000));
  });

  it("the lock a refresh holds declares that bound from the profile's settings, so waiters elsewhere know how long to wait", async () => {
    sim.setFault('hang');
    const controller = new AbortController();
    const running = refresh(core, id, 'manual', { signal: controller.signal });
    const lock = lockPath(dir.path, `refresh-${id}`);
    await vi.waitFor(() => expect(sim.requestCount('generate')).toBe(1));
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { boundMs: number; pid: number };
    const { refresh: policy, hookTimeoutSeconds } = settings();
    expect(owner.boundMs).toBe(refreshBoundMs(policy.timeoutSeconds * 1000, hookTimeoutSeconds * 1000));
    expect(owner.pid).toBe(process.pid);
    controller.abort();
    expect(((await rejectionOf(() => running)) as TorusError).kind).toBe('cancelled');
    expect(existsSync(lock)).toBe(false);
  });

  it('a live holder that hangs is waited for (never stolen while alive and within its bound), then taken over when far past it', async () => {
    // Another process holds the lock and hangs. It declared a 1.5 s bound.
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const boundMs = 1_500;
      writeFileSync(lockPath(dir.path, `refresh-${id}`), JSON.stringify({ pid: holder.pid, host: hostname(), at: Date.now(), boundMs, token: 'hung' }));
      const started = Date.now();
      const outcome = await refresh(core, id, 'manual');
      const waited = Date.now() - started;
      // Not before twice the holder's bound (it is alive), and not much later either.
      expect(waited).toBeGreaterThanOrEqual(2 * boundMs);
      expect(waited).toBeLessThan(2 * boundMs + 5_000);
      expect(outcome.attempts).toBe(1);
      expect(sim.requestCount('generate')).toBe(1);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('cancelling a refresh that waits for another process stops the wait at once, leaving the holder its lock', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const lock = lockPath(dir.path, `refresh-${id}`);
    try {
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), at: Date.now(), boundMs: 600_000, token: 'busy' }));
      const controller = new AbortController();
      const waiting = refresh(core, id, 'manual', { signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      const error = (await rejectionOf(() => waiting)) as TorusError;
      expect(error.kind).toBe('cancelled');
      expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ token: 'busy' });
      expect(sim.requestCount('generate')).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a live holder that finishes hands over: the waiter reuses its token and makes no call', async () => {
    const other = await makeCore();
    // The other process (a bot) is refreshing; we ask for a usable token meanwhile.
    const first = refresh(other, id, 'cli');
    await vi.waitFor(() => expect(existsSync(lockPath(dir.path, `refresh-${id}`))).toBe(true));
    const { token } = await usableToken(core, id);
    expect(token).toBe((await first).token);
    expect(sim.requestCount('generate')).toBe(1);
  });
});

describe('a credential set Torus refused is never sent again until it changes', () => {
  it('after a refused request token, every later refresh answers at once with "sign in again", without a call or a new history entry', async () => {
    await refresh(core, id, 'manual'); // spends the single-use request token
    const first = await refreshFailure(); // the same request token again: refused by Torus
    expect(first.kind).toBe('rejected');
    expect(first.needsSignIn).toBe(true);
    expect(sim.requestCount('generate')).toBe(2);
    expect(settings().refusals[id]).toMatchObject({ needsSignIn: true });
    const historyBefore = settings().history[id]!.length;

    for (let bot = 0; bot < 10; bot++) {
      const again = await refreshFailure();
      expect(again.kind).toBe('rejected');
      expect(again.needsSignIn).toBe(true);
      expect(again.message).toMatch(/refused these credentials .* earlier/);
      expect(again.message).toMatch(/sign in to Torus again/i);
      expectNoSecretIn(again.message);
    }
    expect(sim.requestCount('generate')).toBe(2);
    expect(settings().history[id]).toHaveLength(historyBefore);
    expect(profileState(core, id).status).toBe('fresh'); // the last good token still works
  });

  it('bots asking for a usable token after expiry: one wasted call at most, then none', async () => {
    const good = await refresh(core, id, 'manual');
    clock = good.meta.expiresAt + HOUR;
    const errors = [];
    for (let bot = 0; bot < 5; bot++) errors.push(await rejectionOf(() => usableToken(core, id)));
    expect(errors.every((e) => e instanceof TorusError && e.kind === 'rejected' && e.needsSignIn)).toBe(true);
    expect(sim.requestCount('generate')).toBe(2);
    expect(profileState(core, id).status).toBe('needs-sign-in');
  });

  it('a fresh request token (signing in again) is a new set: it is exchanged, and the refusal is forgotten', async () => {
    await refresh(core, id, 'manual');
    await refreshFailure();
    const requestToken = sim.issueRequestToken();
    secretsSeen.push(requestToken);
    const outcome = await acceptRequestToken(core, id, `https://example.invalid/cb?REQUEST_TOKEN=${requestToken}`);
    expect(outcome.attempts).toBe(1);
    expect(sim.requestCount('generate')).toBe(3);
    expect(settings().refusals[id]).toBeUndefined();
    expect(profileState(core, id).status).toBe('fresh');
  });

  it('a changed API secret is a new set too (even with the same request token)', async () => {
    sim.setFault('reject-401', { burst: 1 });
    await refreshFailure();
    await saveCredentials(core, id, { apiSecret: creds.apiSecret });
    expect(settings().refusals[id]).toBeUndefined();
    await refresh(core, id, 'manual');
    expect(sim.requestCount('generate')).toBe(2);
  });

  it('even without the settings record being cleared, a different value is sent (the check compares the values)', async () => {
    sim.setFault('reject-401', { burst: 1 });
    await refreshFailure();
    expect(settings().refusals[id]).toBeDefined();
    await signInAgain(); // written straight to the keychain, as another tool might
    await refresh(core, id, 'manual');
    expect(sim.requestCount('generate')).toBe(2);
  });

  it('a refused TOTP secret is dead until it changes, with the clock hint', async () => {
    const totpId = await addProfile({ mode: 'totp' });
    sim.setFault('reject-401', { routes: ['totp'] });
    const first = await refreshFailure(totpId);
    expect(first.needsSignIn).toBe(false);
    sim.setFault('none');
    const again = await refreshFailure(totpId);
    expect(again.message).toMatch(/TOTP secret changes/);
    expect(sim.requestCount('totp')).toBe(1);
    expect(profileState(core, totpId).status).toBe('failed');
    await saveCredentials(core, totpId, { totpSecret: TOTP_SECRET });
    await refresh(core, totpId, 'manual');
    expect(sim.requestCount('totp')).toBe(2);
  });

  it('the answer for a refused set quotes the first sentence of the refusal and says what to do next', async () => {
    await refresh(core, id, 'manual');
    await refreshFailure(); // the spent request token, refused once by Torus
    const again = await refreshFailure();
    expect(again.message).toBe(
      `Torus refused these credentials for "${id}" earlier (Torus refused the request token (HTTP 401); it has probably expired or was already used). ` +
        `It is not sent again: sign in to Torus again (app: Sign in; CLI: "torus-token login-url", then "torus-token request-token --profile ${id}").`,
    );
    // A refused API secret is not cured by signing in: the answer says to change it.
    await saveCredentials(core, id, { apiSecret: `${creds.apiSecret}-typo` });
    await signInAgain();
    await refreshFailure();
    const keyAgain = await refreshFailure();
    expect(keyAgain.needsSignIn).toBe(false);
    expect(keyAgain.message).toMatch(/^Torus refused these credentials for ".*" earlier \(Torus refused the API key or secret \(HTTP 401\)\)\. /);
    expect(keyAgain.message).toMatch(/They are not sent again until you change them \(Settings in the app, or "torus-token login"\)\.$/);
  });

  it('a failed attempt records how long it took, not a time since 1970', async () => {
    sim.setFault('reject-401', { burst: 1 });
    await refreshFailure();
    const [attempt] = settings().history[id]!;
    expect(attempt!.latencyMs).toBeGreaterThan(0);
    expect(attempt!.latencyMs).toBeLessThan(60_000);
  });

  it('the refusal record holds no secret: only a keyed hash of the set', async () => {
    sim.setFault('reject-401', { burst: 1 });
    await refreshFailure();
    const text = readFileSync(core.settings.path, 'utf8');
    expect(text).toMatch(/"credentialSet": "[0-9a-f]{16}"/);
    expectNoSecretIn(text);
  });
});

describe('the last good token survives every failure', () => {
  type Case = { label: string; kind: TorusErrorKind; arrange: () => Promise<void> | void; timeoutMs?: number };
  const fault = (f: SimulatorFault, opts?: Parameters<TorusSimulator['setFault']>[1]) => () => sim.setFault(f, opts);
  const cases: Case[] = [
    { label: '401', kind: 'rejected', arrange: fault('reject-401') },
    { label: '403', kind: 'rejected', arrange: fault('reject-403') },
    { label: '503 burst exhausting the retries', kind: 'server-error', arrange: fault('server-error-burst', { burst: 3 }) },
    { label: '429', kind: 'rate-limited', arrange: fault('rate-limit', { burst: 3, retryAfterSeconds: 1 }) },
    { label: 'hang (timeout)', kind: 'timeout', arrange: fault('hang'), timeoutMs: 50 },
    { label: 'connection reset', kind: 'network', arrange: fault('reset') },
    { label: 'HTML page', kind: 'invalid-response', arrange: fault('html-error') },
    { label: 'empty token', kind: 'invalid-response', arrange: fault('empty-token') },
    { label: 'oversized body', kind: 'invalid-response', arrange: fault('oversized') },
    { label: 'spent request token', kind: 'rejected', arrange: () => undefined },
    { label: 'missing API secret', kind: 'not-configured', arrange: async () => void (await core.vault.delete(id, 'apiSecret')) },
    { label: 'missing request token', kind: 'not-configured', arrange: async () => void (await core.vault.delete(id, 'requestToken')) },
    { label: 'missing API key', kind: 'not-configured', arrange: async () => void (await core.vault.delete(id, 'apiKey')) },
  ];

  it.each(cases)('$label → $kind; keychain token and settings metadata unchanged', async ({ label, kind, arrange, timeoutMs }) => {
    const good = await refresh(core, id, 'manual');
    if (label !== 'spent request token') await signInAgain();
    const metaBefore = settings().tokens[id];
    await arrange();
    const error = await refreshFailure(id, timeoutMs === undefined ? {} : { timeoutMs });
    expect(error.kind).toBe(kind);
    expectNoSecretIn(`${error.message}\n${error.torusMessage ?? ''}`, good.token);
    expect((await core.vault.getToken(id))?.token).toBe(good.token);
    const after = settings();
    expect(after.tokens[id]).toEqual(metaBefore);
    expect(after.history[id]!.map((a) => a.outcome)).toEqual(['success', kind]);
    const state = profileState(core, id);
    expect(state.status).toBe('fresh');
    expect(state.lastError?.kind).toBe(kind);
    expectNoSecretIn(readFileSync(core.settings.path, 'utf8'), good.token);
  });

  it('a successful refresh has no warnings and no export errors', async () => {
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.warnings).toEqual([]);
    expect(outcome.exportErrors).toEqual([]);
  });

  it("a long Retry-After is recorded, and the next automatic attempt waits for it (Torus's '10 min', not a 1-minute loop)", async () => {
    sim.setFault('rate-limit', { retryAfterSeconds: 600, burst: 3 });
    const error = await refreshFailure();
    expect(error.message).toContain('Torus asks to wait 10 min');
    const last = settings().history[id]!.at(-1)!;
    expect(last.retryAt).toBe(error.retryAt);
    expect(profileState(core, id).nextRefreshAt).toBe(error.retryAt);
  });

  it('a 200 without a token but with a Torus error message shows that message', async () => {
    sim.setFault('empty-token');
    const error = await refreshFailure();
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/no access token/);
  });
});

describe('what a refresh without its credentials says', () => {
  it('names the missing credential, the profile and the way to fix it', async () => {
    const missing = async (name: 'apiKey' | 'apiSecret' | 'requestToken', profileId: string) => {
      await core.vault.delete(profileId, name);
      return refreshFailure(profileId);
    };
    const noKey = await missing('apiKey', await addProfile());
    expect(noKey.kind).toBe('not-configured');
    expect(noKey.message).toMatch(/API key/);
    const noSecret = await missing('apiSecret', await addProfile());
    expect(noSecret.message).toMatch(/API secret/);
    const noRequestToken = await missing('requestToken', id);
    expect(noRequestToken).toMatchObject({ kind: 'not-configured', needsSignIn: true });
    expect(noRequestToken.message).toBe(
      `No request token saved for profile "${id}". Sign in to Torus (app: Sign in; CLI: "torus-token request-token") to get one.`,
    );
    const totpId = await addProfile({ mode: 'totp' });
    await core.vault.delete(totpId, 'totpSecret');
    expect((await refreshFailure(totpId)).message).toMatch(/TOTP secret/);
    expect(sim.requestCount('generate') + sim.requestCount('totp')).toBe(0);
    expect((await refreshFailure('no-such-profile')).message).toBe('Profile "no-such-profile" does not exist.');
  });

  it('a token is good until, not at, its expiry instant', async () => {
    const { meta } = await refresh(core, id, 'manual');
    const at = (now: number) => createCore({ configDir: dir.path, now: () => now, policy: { trustLoopback: true } });
    expect((await lookupToken(await at(meta.expiresAt - 1), id)).kind).toBe('valid');
    expect((await lookupToken(await at(meta.expiresAt), id)).kind).toBe('expired');
  });
});

describe('token states', () => {
  it('none before any refresh, fresh after success', async () => {
    expect(profileState(core, id).status).toBe('none');
    await refresh(core, id, 'manual');
    expect(profileState(core, id)).toMatchObject({ status: 'fresh', lastError: null });
    expect(profileState(core, id).nextRefreshAt).toBeGreaterThan(clock);
  });

  it('expiring-soon within the margin, stale after expiry', async () => {
    const { meta } = await refresh(core, id, 'manual');
    clock = meta.expiresAt - 10 * 60_000;
    expect(profileState(core, id).status).toBe('expiring-soon');
    clock = meta.expiresAt + 1;
    expect(profileState(core, id).status).toBe('stale');
    expect((await lookupToken(core, id)).kind).toBe('expired');
  });

  it('needs-sign-in once the token expired and the request token is refused; no retry is planned', async () => {
    const good = await refresh(core, id, 'manual');
    clock = good.meta.expiresAt + HOUR;
    const error = await refreshFailure();
    expect(error.needsSignIn).toBe(true);
    const state = profileState(core, id);
    expect(state.status).toBe('needs-sign-in');
    expect(state.lastError).toMatchObject({ kind: 'rejected', needsSignIn: true });
    expect(state.nextRefreshAt).toBeNull();
    expect((await core.vault.getToken(id))?.token).toBe(good.token);
  });

  it('failed after a network error with no token; a retry is planned', async () => {
    const offline = await addProfile({ baseUrl: await closedLoopbackUrl() });
    const error = await refreshFailure(offline);
    expect(error.kind).toBe('network');
    expect(profileState(core, offline)).toMatchObject({ status: 'failed', token: null, lastError: { kind: 'network' } });
    expect(await core.vault.getToken(offline)).toBeNull();
    expect(profileState(core, offline).nextRefreshAt).toBeGreaterThan(clock);
  });
});

describe('token export for bots', () => {
  /** As the trader sets it (and approves it) in Settings. */
  const setExport = (patch: Partial<Profile['export']>) =>
    updateProfile(
      core,
      id,
      {
        ...(patch.filePath !== undefined ? { exportFilePath: patch.filePath } : {}),
        ...(patch.hookCommand !== undefined ? { exportHookCommand: patch.hookCommand } : {}),
      },
      approveAll,
      core.policy,
    );
  /** As malware (or a stray script) would: straight into the settings file. */
  const editExportBehindTheAppsBack = (patch: Partial<Profile['export']>) =>
    core.settings.update((d) => void Object.assign(d.profiles.find((p) => p.id === id)!.export, patch));

  it("a token file or hook edited into the settings file behind the app's back is not used, and not deleted or run at expiry", async () => {
    const target = join(dir.path, 'precious.txt');
    const ran = join(dir.path, 'hook-ran');
    writeFileSync(target, 'do not touch\n');
    await editExportBehindTheAppsBack({ filePath: target, hookCommand: `touch '${ran}'` });
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors.map((e) => e.message)).toEqual([
      expect.stringMatching(/token file .* was changed outside Torus Token and has not been approved/),
      expect.stringMatching(/hook command .* was changed outside Torus Token and has not been approved/),
    ]);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
    expect(existsSync(ran)).toBe(false);
    clock = outcome.meta.expiresAt + 1;
    await retractIfExpired(core, id);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
    expect(existsSync(ran)).toBe(false);
    // Set again through Torus Token (approved): now it is used.
    await setExport({ filePath: target });
    clock = T0 + 2 * HOUR;
    await signInAgain();
    const next = await refresh(core, id, 'manual');
    expect(readFileSync(target, 'utf8')).toBe(`${next.token}\n`);
  });

  it('a non-Torus base URL edited into the settings file is not sent anything; set through Torus Token it is', async () => {
    const untrusting = await createCore({ configDir: dir.path, now: () => (clock += 5), http: { sleep: sleep.sleep }, policy: { trustLoopback: false } });
    const error = (await rejectionOf(() => refresh(untrusting, id, 'manual'))) as TorusError;
    expect(error.kind).toBe('not-configured');
    expect(error.message).toMatch(/base URL .*was changed outside Torus Token and has not been approved, so it was not used/);
    expect(sim.requestCount('generate')).toBe(0);
    await updateProfile(untrusting, id, { baseUrl: sim.url }, approveAll, untrusting.policy);
    await refresh(untrusting, id, 'manual');
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('a non-Torus TOTP base URL edited into the settings file is not sent a code either', async () => {
    const totpId = await addProfile({ mode: 'totp' });
    const untrusting = await createCore({ configDir: dir.path, now: () => (clock += 5), http: { sleep: sleep.sleep }, policy: { trustLoopback: false } });
    const error = (await rejectionOf(() => refresh(untrusting, totpId, 'manual'))) as TorusError;
    expect(error.kind).toBe('not-configured');
    expect(error.message).toMatch(/TOTP base URL .*was changed outside Torus Token and has not been approved, so it was not used/);
    expect(sim.requestCount('totp')).toBe(0);
  });

  it('a Refresh click that waited for another process still gets a new token when the stored one is old', async () => {
    await refresh(core, id, 'manual');
    clock += 2 * HOUR;
    await signInAgain();
    // Another process holds the lock briefly and stores nothing (its refresh failed).
    const lock = lockPath(dir.path, `refresh-${id}`);
    const holder = spawn(
      process.execPath,
      ['-e', `setTimeout(() => require('node:fs').rmSync(${JSON.stringify(lock)}, { force: true }), 300); setTimeout(() => {}, 5000)`],
      {
        stdio: 'ignore',
      },
    );
    try {
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), at: Date.now(), boundMs: 60_000, token: 'other' }));
      const outcome = await refresh(core, id, 'manual');
      expect(outcome.shared).toBe(false);
      expect(outcome.attempts).toBe(1);
      expect(sim.requestCount('generate')).toBe(2);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('writes the token file with mode 0600 and content token + newline', async () => {
    const target = join(dir.path, 'access-token');
    writeFileSync(target, 'old-token\n');
    chmodSync(target, 0o644);
    await setExport({ filePath: target });
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe(`${outcome.token}\n`);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('runs the hook with the token on stdin, never in argv', async () => {
    const stdinFile = join(dir.path, 'hook-stdin');
    const argvFile = join(dir.path, 'hook-argv');
    const hook = join(dir.path, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\ncat > '${stdinFile}'\necho "$0 $@" > '${argvFile}'\n`, { mode: 0o755 });
    await setExport({ hookCommand: `'${hook}' --profile ${id}` });
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors).toEqual([]);
    expect(readFileSync(stdinFile, 'utf8')).toBe(`${outcome.token}\n`);
    const argv = readFileSync(argvFile, 'utf8');
    expect(argv).toContain(`hook.sh --profile ${id}`);
    expect(argv).not.toContain(outcome.token);
  });

  it("a failing hook is kept as the profile's export problem (redacted) until the next success; the token is still stored", async () => {
    await setExport({ hookCommand: `sh -c 'cat >&2; exit 3'` });
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors).toHaveLength(1);
    const [exportError] = outcome.exportErrors;
    expect(exportError!.kind).toBe('export-failed');
    expect(exportError!.message).toContain('status 3');
    expect(exportError!.message).not.toContain(outcome.token);
    expect((await core.vault.getToken(id))?.token).toBe(outcome.token);
    expect(settings().history[id]!.at(-1)!.message).toMatch(/export failed/);
    expect(profileState(core, id)).toMatchObject({ status: 'fresh', exportIssue: { message: expect.stringContaining('status 3') } });
    // Fixed: the next success clears the problem.
    await setExport({ hookCommand: 'cat > /dev/null' });
    await signInAgain();
    await refresh(core, id, 'manual');
    expect(profileState(core, id).exportIssue).toBeNull();
  });

  it('an unwritable token file is reported and the token is still stored', async () => {
    await setExport({ filePath: join(dir.path, 'no-such-dir', 'token') });
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors.map((e) => e.kind)).toEqual(['export-failed']);
    expect((await core.vault.getToken(id))?.token).toBe(outcome.token);
  });

  it('a bot that refreshes on demand hears about a failed export too (the token is handed out all the same)', async () => {
    await setExport({ filePath: join(dir.path, 'no-such-dir', 'token') });
    const usable = await usableToken(core, id);
    expect(usable.warnings).toEqual([expect.stringContaining('no-such-dir')]);
    expect((await core.vault.getToken(id))?.token).toBe(usable.token);
    // Asked again while the token is valid: no refresh, nothing to warn about.
    expect(await usableToken(core, id)).toEqual({ token: usable.token, warnings: [] });
  });

  it('when the token expires its file is deleted and the hook told (empty stdin), once', async () => {
    const target = join(dir.path, 'access-token');
    const hookLog = join(dir.path, 'hook-log');
    await setExport({ filePath: target, hookCommand: `sh -c 'printf "[%s]" "$(cat)" >> "${hookLog}"'` });
    const outcome = await refresh(core, id, 'manual');
    expect(readFileSync(target, 'utf8')).toBe(`${outcome.token}\n`);
    await retractIfExpired(core, id); // not expired yet: nothing happens
    expect(existsSync(target)).toBe(true);
    clock = outcome.meta.expiresAt + 1;
    await retractIfExpired(core, id);
    await retractIfExpired(core, id);
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(hookLog, 'utf8')).toBe(`[${outcome.token}][]`);
    expect(settings().tokens[id]!.exportRetracted).toBe(true);
    expect(settings().exportIssues[id]).toBeUndefined(); // it all worked: nothing to report
  });

  it('a retraction that fails is recorded as an export issue naming each failure, and the token still counts as retracted', async () => {
    const target = join(dir.path, 'access-token');
    await setExport({ filePath: target, hookCommand: `read t || { echo "bot already gone" >&2; exit 4; }` });
    const outcome = await refresh(core, id, 'manual');
    expect(settings().exportIssues[id]).toBeUndefined();
    // Something replaced the token file with a folder: it cannot be deleted.
    rmSync(target);
    mkdirSync(target);
    clock = outcome.meta.expiresAt + 1;
    await retractIfExpired(core, id);
    expect(settings().exportIssues[id]).toEqual({
      at: expect.any(Number) as unknown,
      message: `Could not delete the expired token file ${target} (EISDIR). Delete it by hand; it holds a token that no longer works. The token hook exited with status 4: bot already gone.`,
    });
    expect(settings().tokens[id]!.exportRetracted).toBe(true);
  });

  it('a bot asking for a usable token after expiry also takes the dead export back before refreshing', async () => {
    const target = join(dir.path, 'access-token');
    await setExport({ filePath: target });
    const outcome = await refresh(core, id, 'manual');
    clock = outcome.meta.expiresAt + 1;
    // The request token is spent: the refresh is refused, and no bot may read the dead token.
    await rejectionOf(() => usableToken(core, id));
    expect(existsSync(target)).toBe(false);
  });

  it('logout and removal delete the export file and tell the hook, and wait for a refresh in another process', async () => {
    const target = join(dir.path, 'access-token');
    const hookLog = join(dir.path, 'hook-log');
    await setExport({ filePath: target, hookCommand: `sh -c 'printf "[%s]" "$(cat)" >> "${hookLog}"'` });
    const other = await makeCore();
    const running = refresh(other, id, 'cli');
    await vi.waitFor(() => expect(existsSync(lockPath(dir.path, `refresh-${id}`))).toBe(true));
    await forgetProfile(core, id, { remove: false });
    const outcome: RefreshOutcome = await running; // it finished before the logout went ahead
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(hookLog, 'utf8')).toBe(`[${outcome.token}][]`);
    expect(await core.vault.getToken(id)).toBeNull();
    expect(await core.vault.get(id, 'apiKey')).toBeNull();
    expect(settings().tokens[id]).toBeUndefined();
    expect(settings().profiles.some((p) => p.id === id)).toBe(true);
  });
});

describe('regressions: failures around a refresh never lose or orphan a token', () => {
  it('a profile removed while Torus answers: the new token is discarded, not left in the keychain', async () => {
    const running = refresh(core, id, 'manual');
    await core.settings.update((d) => removeProfile(d, id));
    const error = (await rejectionOf(() => running)) as TorusError;
    expect(['cancelled', 'not-configured']).toContain(error.kind);
    expect(sim.requestCount('generate')).toBeLessThanOrEqual(1);
    expect(await core.vault.getToken(id)).toBeNull();
    expect(settings().tokens[id]).toBeUndefined();
    expect(settings().history[id]).toBeUndefined();
  });

  it('a settings folder that cannot be written after a success: the refresh still succeeds with a plain warning, and the token is usable', async () => {
    await refresh(core, id, 'manual');
    await signInAgain();
    const spy = vi
      .spyOn(core.settings, 'update')
      .mockRejectedValue(new TorusError('filesystem', `Could not write the settings folder ${dir.path}: the file system is read-only (EROFS).`));
    try {
      const outcome = await refresh(core, id, 'manual');
      expect(outcome.warnings).toHaveLength(1);
      expect(outcome.warnings[0]).toMatch(/stored in the keychain and works, but its details could not be saved: Could not write the settings folder .*EROFS/);
      expectNoSecretIn(outcome.warnings[0]!, outcome.token);
      // The settings still describe the old token; the keychain's own expiry makes the new one usable.
      expect(await lookupToken(core, id)).toMatchObject({ kind: 'valid', token: outcome.token });
      expect((await usableToken(core, id)).token).toBe(outcome.token);
    } finally {
      spy.mockRestore();
    }
  });

  it('a settings folder that cannot be written after a failure: the refresh reports its own error, and the token survives', async () => {
    const good = await refresh(core, id, 'manual');
    sim.setFault('reject-401');
    const spy = vi.spyOn(core.settings, 'update').mockRejectedValue(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    try {
      const error = await refreshFailure();
      expect(error.kind).toBe('rejected');
    } finally {
      spy.mockRestore();
    }
    expect((await core.vault.getToken(id))?.token).toBe(good.token);
  });

  it('a hook that times out is stopped with everything it started (its process group)', async () => {
    const pidFile = join(dir.path, 'grandchild.pid');
    await core.settings.update((d) => void (d.hookTimeoutSeconds = 1));
    await updateProfile(core, id, { exportHookCommand: `sleep 30 & echo $! > '${pidFile}'; wait` }, approveAll, core.policy);
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors.map((e) => e.message)).toEqual([expect.stringMatching(/did not finish within 1 s/)]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const alive = () => {
      const status = `/proc/${pid}/status`;
      return existsSync(status) && !/^State:\s+Z/m.test(readFileSync(status, 'utf8'));
    };
    await vi.waitFor(() => expect(alive()).toBe(false), { timeout: 2_000 });
    expect((await core.vault.getToken(id))?.token).toBe(outcome.token);
  });
});

describe('another process refreshed while this one waited on the lock', () => {
  /** A clock that moves only when the test moves it, so "15 s before" is exact. */
  let still: Core;
  beforeEach(async () => {
    still = await createCore({ configDir: dir.path, now: () => clock, http: { sleep: sleep.sleep, random: () => 0.5 }, policy: { trustLoopback: true } });
  });

  /** Another process holds the refresh lock for a moment and stores a token issued at `issuedAt`. */
  async function otherProcessRefreshes(issuedAt: number): Promise<{ release: () => void; token: string }> {
    const lock = lockPath(dir.path, `refresh-${id}`);
    const holder = spawn(
      process.execPath,
      ['-e', `setTimeout(() => require('node:fs').rmSync(${JSON.stringify(lock)}, { force: true }), 400); setTimeout(() => {}, 5000)`],
      {
        stdio: 'ignore',
      },
    );
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), at: Date.now(), boundMs: 60_000, token: 'other' }));
    const token = `token-from-the-other-process-${issuedAt}`;
    const meta = {
      issuedAt,
      expiresAt: issuedAt + 8 * HOUR,
      expirySource: 'jwt' as const,
      jwtExpiresAt: issuedAt + 8 * HOUR,
      source: 'request-token' as const,
      fingerprint: fingerprint(token),
      exportRetracted: false,
    };
    await still.vault.setToken(id, token, meta);
    await still.settings.update((d) => void (d.tokens[id] = meta));
    return { release: () => holder.kill('SIGKILL'), token };
  }

  it('a token it got up to 15 s before this refresh began is shared: no call, no warning, the wait as latency', async () => {
    const other = await otherProcessRefreshes(clock - 15_000);
    try {
      const running = refresh(still, id, 'manual');
      clock += 250; // the wait for the lock
      const outcome = await running;
      expect(outcome).toMatchObject({ token: other.token, shared: true, attempts: 0, latencyMs: 250, warnings: [], exportErrors: [] });
      expect(sim.requestCount('generate')).toBe(0);
    } finally {
      other.release();
    }
  });

  it('one a moment older than that is not: this refresh calls Torus itself', async () => {
    const other = await otherProcessRefreshes(clock - 15_001);
    try {
      const outcome = await refresh(still, id, 'manual');
      expect(outcome.shared).toBe(false);
      expect(outcome.token).not.toBe(other.token);
      expect(sim.requestCount('generate')).toBe(1);
    } finally {
      other.release();
    }
  });
});

describe('messages and records at their limits', () => {
  it("a refusal remembered from before is told in one line: Torus's first sentence, whitespace tidied", () => {
    const refusal = { credentialSet: '0123456789abcdef', at: 1, message: 'Invalid\n\n   API   key.  Contact support.', needsSignIn: false };
    expect(refusedEarlier(profile('main', { name: 'Main' }), refusal).message).toBe(
      'Torus refused these credentials for "Main" earlier (Invalid API key). They are not sent again until you change them (Settings in the app, or "torus-token login").',
    );
    // Only the full stop at the end goes: a dot inside the sentence (a version, a domain) stays.
    const dotted = { ...refusal, message: 'Key not valid for api.torus.example v2.1. Try again.' };
    expect(refusedEarlier(profile('main', { name: 'Main' }), dotted).message).toMatch(
      /^Torus refused these credentials for "Main" earlier \(Key not valid for api\.torus\.example v2\.1\)\. /,
    );
  });

  it('a profile removed while Torus answers: the refresh says the new token was discarded', async () => {
    const removing = await createCore({
      configDir: dir.path,
      now: () => (clock += 5),
      http: {
        sleep: sleep.sleep,
        // Real HTTP to the simulator; the profile goes just as the request leaves.
        fetchImpl: async (url, init) => {
          await core.settings.update((d) => removeProfile(d, id));
          return fetch(url, init);
        },
      },
      policy: { trustLoopback: true },
    });
    const error = (await rejectionOf(() => refresh(removing, id, 'manual'))) as TorusError;
    expect(error).toMatchObject({ kind: 'cancelled', message: `Profile "${id}" was removed during the refresh; the new token was discarded.` });
    expect(sim.requestCount('generate')).toBe(1);
    expect(await core.vault.getToken(id)).toBeNull();
    // Nothing about it is written back into the settings either: no history or token of a profile that is gone.
    expect(settings().profiles.map((p) => p.id)).not.toContain(id);
    expect([settings().history[id], settings().tokens[id]]).toEqual([undefined, undefined]);
  });

  it('an export failure with a very long message is still recorded (shortened), and the refresh has no warning', async () => {
    const deep = join(dir.path, 'missing', 'x'.repeat(700), 'token.txt');
    await updateProfile(core, id, { exportFilePath: deep }, approveAll, core.policy);
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors).toHaveLength(1);
    expect(outcome.exportErrors[0]!.message.length).toBeGreaterThan(600);
    expect(outcome.warnings).toEqual([]);
    const issue = settings().exportIssues[id]!;
    expect(issue.message).toBe(outcome.exportErrors[0]!.message.slice(0, 600));
    expect(settings().history[id]!.at(-1)!.message).toBe(`Refreshed, but the export failed: ${outcome.exportErrors[0]!.message}`.slice(0, 600));
  });
});

describe('refresh details a trader or a script reads afterwards', () => {
  it('a file and a hook that both fail are told in one message, each in its own sentence', async () => {
    await updateProfile(core, id, { exportFilePath: join(dir.path, 'missing', 'token.txt'), exportHookCommand: `sh -c 'exit 3'` }, approveAll, core.policy);
    const outcome = await refresh(core, id, 'manual');
    expect(outcome.exportErrors).toHaveLength(2);
    const [file, hook] = outcome.exportErrors.map((e) => e.message);
    expect(settings().exportIssues[id]!.message).toBe(`${file} ${hook}`.slice(0, 600));
  });

  it('the latency recorded is the time the refresh took, by the core clock', async () => {
    // Torus takes 1.234 s to answer; the clock moves only then.
    const slowTorus: typeof fetch = (input, init) => ((clock += 1234), fetch(input, init));
    const fixed = await createCore({
      configDir: dir.path,
      now: () => clock,
      http: { sleep: sleep.sleep, fetchImpl: slowTorus },
      policy: { trustLoopback: true },
    });
    const started = clock;
    const outcome = await refresh(fixed, id, 'manual');
    expect(outcome.latencyMs).toBe(1234);
    expect(clock - started).toBe(1234);
    expect(settings().history[id]!.at(-1)!.latencyMs).toBe(outcome.latencyMs);
  });

  it('a per-call base URL (CLI --base-url) is used without asking about the stored, unapproved one', async () => {
    const untrusting = await createCore({ configDir: dir.path, now: () => (clock += 5), http: { sleep: sleep.sleep }, policy: { trustLoopback: false } });
    // The stored loopback URL is not approved for this core; the caller's own override is its choice.
    await refresh(untrusting, id, 'manual', { baseUrl: sim.url });
    expect(sim.requestCount('generate')).toBe(1);
    const totpId = await addProfile({ mode: 'totp' });
    await refresh(untrusting, totpId, 'manual', { totpBaseUrl: sim.url });
    expect(sim.requestCount('totp')).toBe(1);
  });

  it('an unusable TOTP base URL is named as such', async () => {
    const totpId = await addProfile({ mode: 'totp' });
    const error = await refreshFailure(totpId, { totpBaseUrl: 'http://collector.example' });
    expect(error).toMatchObject({ kind: 'invalid-input', message: expect.stringContaining('TOTP base URL') });
    expect(sim.requestCount('totp')).toBe(0);
  });
});

describe('verify', () => {
  it('without a stored token there is nothing to ask Torus about', async () => {
    const error = (await rejectionOf(() => verifyToken(core, id))) as TorusError;
    expect(error).toMatchObject({ kind: 'not-configured', message: `No access token for "${id}" yet. Refresh to get one.` });
  });

  it("waits for Torus the profile's timeout, or the caller's", async () => {
    await refresh(core, id, 'manual');
    sim.setFault('hang', { routes: ['status'] });
    await core.settings.update((d) => void (d.refresh.timeoutSeconds = 1));
    const bySetting = await verifyToken(core, id);
    expect(bySetting).toEqual({ status: 'unknown', message: expect.stringMatching(/^Torus did not answer within 1 s\./) });
    const byCaller = await verifyToken(core, id, { timeoutMs: 2_000 });
    expect(byCaller).toEqual({ status: 'unknown', message: expect.stringMatching(/^Torus did not answer within 2 s\./) });
  });
});
