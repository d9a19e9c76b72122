import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenService } from '../main/core/token-service.js';
import { SettingsStore } from '../main/core/settings-store.js';
import { Vault } from '../main/core/infra/keychain.js';
import { TorusError, type TorusErrorKind } from '../main/core/errors.js';
import { fingerprint } from '../main/core/domain/redact.js';
import { jwtExpiryMs } from '../main/core/domain/expiry.js';
import { HISTORY_LIMIT, type Attempt, type Profile } from '../main/core/domain/settings-schema.js';
import { removeProfile } from '../main/core/domain/profiles.js';
import type { TokenStatus } from '../main/core/token-state.js';
import { startSimulator, type SimulatorFault, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { closedLoopbackUrl, distinctiveCredentials, recordingSleep, rejectionOf, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

/**
 * The token service end to end: real keychain (throwaway Secret Service), settings in a temp
 * dir, real HTTP to the simulator. Only the clock and the retry sleep are injected.
 */

const T0 = Date.UTC(2025, 0, 15, 1, 0); // 06:30 IST: the next 06:00 cutoff is 23.5 h away
const HOUR = 3600_000;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

let clock: number;
let sim: TorusSimulator;
let dir: ReturnType<typeof tempDir>;
let store: SettingsStore;
let vault: Vault;
let service: TokenService;
let creds: { apiKey: string; apiSecret: string };
let requestToken: string;
let id: string;
let sleep: ReturnType<typeof recordingSleep>;
const profilesToClean: string[] = [];

function profile(profileId: string, overrides: Partial<Profile> = {}): Profile {
  return {
    id: profileId,
    name: profileId,
    mode: 'request-token',
    baseUrl: sim.url,
    totpBaseUrl: sim.url,
    export: { filePath: null, hookCommand: null },
    ...overrides,
  };
}

async function addProfile(overrides: Partial<Profile> = {}, secrets = true): Promise<string> {
  const profileId = uniqueProfileId('svc');
  profilesToClean.push(profileId);
  store.update((d) => {
    d.profiles.push(profile(profileId, overrides));
    d.activeProfileId ??= profileId;
  });
  if (secrets) {
    await vault.set(profileId, 'apiKey', creds.apiKey);
    await vault.set(profileId, 'apiSecret', creds.apiSecret);
    await vault.set(profileId, 'requestToken', requestToken);
    if (overrides.mode === 'totp') await vault.set(profileId, 'totpSecret', TOTP_SECRET);
  }
  return profileId;
}

beforeEach(async () => {
  clock = T0;
  creds = distinctiveCredentials();
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET, now: () => clock, requestTokenReuse: 'reusable' });
  requestToken = sim.issueRequestToken();
  dir = tempDir('torus-service');
  store = SettingsStore.open({ dir: dir.path });
  vault = new Vault();
  sleep = recordingSleep();
  // The service's clock ticks a little on every read, so latencies are measurable and deterministic.
  service = new TokenService({ settings: store, vault, now: () => (clock += 5), clientOptions: { sleep: sleep.sleep, random: () => 0.5 } });
  id = await addProfile();
});

afterEach(async () => {
  for (const profileId of profilesToClean.splice(0)) await vault.deleteProfile(profileId);
  await sim.close();
  dir.remove();
});

async function refreshFailure(profileId: string = id, overrides: Parameters<TokenService['refresh']>[2] = {}): Promise<TorusError> {
  const error = await rejectionOf(() => service.refresh(profileId, 'manual', overrides));
  expect(error).toBeInstanceOf(TorusError);
  return error as TorusError;
}

function expectNoSecretIn(text: string, accessToken?: string): void {
  for (const secret of [creds.apiKey, creds.apiSecret, requestToken, TOTP_SECRET, ...(accessToken ? [accessToken] : [])]) {
    expect(text).not.toContain(secret);
  }
}

describe('TokenService.refresh stores the token, its metadata and the attempt', () => {
  it('stores the token in the vault, metadata and history (with latency) in settings', async () => {
    const outcome = await service.refresh(id, 'manual');
    expect(outcome.attempts).toBe(1);
    expect(outcome.exportErrors).toEqual([]);
    expect(await vault.get(id, 'accessToken')).toBe(outcome.token);
    expect(await service.storedToken(id)).toBe(outcome.token);

    const settings = store.get();
    const meta = settings.tokens[id]!;
    expect(meta).toEqual(outcome.meta);
    expect(meta.fingerprint).toBe(fingerprint(outcome.token));
    expect(meta.source).toBe('request-token');
    expect(meta.expirySource).toBe('jwt');
    expect(meta.expiresAt).toBe(jwtExpiryMs(outcome.token));
    expect(meta.expiresAt - meta.issuedAt).toBeGreaterThan(7.9 * HOUR);

    const history = settings.history[id]!;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ reason: 'manual', outcome: 'success', needsSignIn: false });
    expect(history[0]!.latencyMs).toBeGreaterThan(0);
    expect(history[0]!.latencyMs).toBe(outcome.latencyMs);
    expect(service.isStale(id)).toBe(false);
  });

  it('TOTP profiles refresh through the TOTP endpoint', async () => {
    const totpId = await addProfile({ mode: 'totp' });
    const outcome = await service.refresh(totpId, 'login');
    expect(sim.requestCount('totp')).toBe(1);
    expect(outcome.meta.source).toBe('totp');
    expect(await vault.get(totpId, 'accessToken')).toBe(outcome.token);
  });

  it(`caps the history at ${HISTORY_LIMIT} attempts, dropping the oldest`, async () => {
    const seeded: Attempt[] = Array.from({ length: HISTORY_LIMIT }, (_, i) => ({
      at: i + 1,
      reason: 'seed',
      outcome: 'network',
      message: `seed ${i}`,
      latencyMs: i,
      needsSignIn: false,
    }));
    store.update((d) => void (d.history[id] = seeded));
    await service.refresh(id, 'scheduled');
    const history = store.get().history[id]!;
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]!.message).toBe('seed 1');
    expect(history[HISTORY_LIMIT - 1]).toMatchObject({ outcome: 'success', reason: 'scheduled' });
  });

  it('50 concurrent refresh() calls share one HTTP request and one token', async () => {
    const calls = Array.from({ length: 50 }, () => service.refresh(id, 'manual'));
    expect(service.isRefreshing(id)).toBe(true);
    const outcomes = await Promise.all(calls);
    expect(sim.requestCount('generate')).toBe(1);
    expect(new Set(outcomes.map((o) => o.token)).size).toBe(1);
    expect(await vault.get(id, 'accessToken')).toBe(outcomes[0]!.token);
    expect(store.get().history[id]).toHaveLength(1);
    expect(service.isRefreshing(id)).toBe(false);
    // Once settled, a new call makes a new request.
    await service.refresh(id, 'manual');
    expect(sim.requestCount('generate')).toBe(2);
  });

  it('the app and the CLI (two services on one settings folder) refreshing at once make one request', async () => {
    // A single-use request token: a second call to Torus would be refused.
    sim.update({ requestTokenReuse: 'single' });
    await vault.set(id, 'requestToken', sim.issueRequestToken());
    const otherStore = SettingsStore.open({ dir: dir.path });
    const other = new TokenService({ settings: otherStore, vault, now: () => (clock += 5), clientOptions: { sleep: sleep.sleep, random: () => 0.5 } });
    const [a, b] = await Promise.all([service.refresh(id, 'manual'), other.refresh(id, 'cli')]);
    expect(sim.requestCount('generate')).toBe(1);
    expect(a.token).toBe(b.token);
    expect(store.get().history[id]!.filter((h) => h.outcome === 'success')).toHaveLength(1);
    expect(existsSync(join(dir.path, `.refresh-${id}.lock`))).toBe(false);
  });

  it('a lock left by a crashed process does not block refreshes', async () => {
    writeFileSync(join(dir.path, `.refresh-${id}.lock`), JSON.stringify({ pid: 2 ** 22 + 12345, token: 'crashed' }));
    await service.refresh(id, 'manual');
    expect(sim.requestCount('generate')).toBe(1);
    expect(existsSync(join(dir.path, `.refresh-${id}.lock`))).toBe(false);
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
    { label: 'refused request token', kind: 'rejected', arrange: () => sim.update({ requestTokenReuse: 'single' }) },
    { label: 'missing API secret', kind: 'not-configured', arrange: async () => void (await vault.delete(id, 'apiSecret')) },
    { label: 'missing request token', kind: 'not-configured', arrange: async () => void (await vault.delete(id, 'requestToken')) },
    { label: 'missing API key', kind: 'not-configured', arrange: async () => void (await vault.delete(id, 'apiKey')) },
  ];

  it.each(cases)('$label → $kind; vault token and settings metadata unchanged', async ({ kind, arrange, timeoutMs }) => {
    const good = await service.refresh(id, 'manual');
    const metaBefore = store.get().tokens[id];
    await arrange();
    const error = await refreshFailure(id, timeoutMs === undefined ? {} : { timeoutMs });
    expect(error.kind).toBe(kind);
    expectNoSecretIn(`${error.message}\n${error.torusMessage ?? ''}`, good.token);

    expect(await vault.get(id, 'accessToken')).toBe(good.token);
    const after = store.get();
    expect(after.tokens[id]).toEqual(metaBefore);
    expect(after.history[id]!.map((a) => a.outcome)).toEqual(['success', kind]);
    const state = service.state(id);
    expect(state.status).toBe('fresh');
    expect(state.lastError?.kind).toBe(kind);
    expectNoSecretIn(readFileSync(store.path, 'utf8'), good.token);
  });
});

describe('token states', () => {
  it('none before any refresh, fresh after success', async () => {
    expect(service.state(id).status).toBe('none');
    await service.refresh(id, 'manual');
    expect(service.state(id)).toMatchObject({ status: 'fresh', lastError: null });
    expect(service.state(id).nextRefreshAt).toBeGreaterThan(clock);
  });

  it('expiring-soon within the margin, stale after expiry', async () => {
    const { meta } = await service.refresh(id, 'manual');
    clock = meta.expiresAt - 10 * 60_000;
    expect(service.state(id).status).toBe('expiring-soon');
    clock = meta.expiresAt + 1;
    expect(service.state(id).status).toBe('stale');
    expect(service.isStale(id)).toBe(true);
  });

  it('needs-sign-in once the token expired and the request token is refused', async () => {
    sim.update({ requestTokenReuse: 'single' });
    const good = await service.refresh(id, 'manual');
    clock = good.meta.expiresAt + HOUR; // the access token is past its expiry
    const error = await refreshFailure();
    expect(error.kind).toBe('rejected');
    expect(error.needsSignIn).toBe(true);
    const state = service.state(id);
    expect(state.status).toBe('needs-sign-in');
    expect(state.lastError).toMatchObject({ kind: 'rejected', needsSignIn: true });
    expect(await vault.get(id, 'accessToken')).toBe(good.token); // still kept
    // A refusal plans no retry: the next attempt is the daily time.
    expect(service.plan(id)?.reason).toBe('daily');
  });

  it('failed after a network error with no token', async () => {
    const offline = await addProfile({ baseUrl: await closedLoopbackUrl() });
    const error = await refreshFailure(offline);
    expect(error.kind).toBe('network');
    expect(service.state(offline)).toMatchObject({ status: 'failed', token: null, lastError: { kind: 'network' } });
    expect(await vault.get(offline, 'accessToken')).toBeNull();
    expect(service.plan(offline)?.reason).toBe('retry');
  });

  it('a state listener hears refreshing, then fresh', async () => {
    const heard: TokenStatus[] = [];
    const off = service.onState((s) => {
      if (s.profileId === id) heard.push(s.status);
    });
    await service.refresh(id, 'manual');
    off();
    await service.refresh(id, 'manual');
    expect(heard).toEqual(['refreshing', 'fresh']);
  });

  it('a listener hears refreshing, then failed, when the first refresh fails', async () => {
    sim.setFault('html-error');
    const heard: TokenStatus[] = [];
    service.onState((s) => heard.push(s.status));
    await refreshFailure();
    expect(heard).toEqual(['refreshing', 'failed']);
  });
});

describe('token export for bots', () => {
  it('writes the token file with mode 0600 and content token + newline', async () => {
    const target = join(dir.path, 'access-token');
    writeFileSync(target, 'old-token\n');
    chmodSync(target, 0o644);
    store.update((d) => void (d.profiles.find((p) => p.id === id)!.export.filePath = target));
    const outcome = await service.refresh(id, 'manual');
    expect(outcome.exportErrors).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe(`${outcome.token}\n`);
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('runs the hook with the token on stdin, never in argv', async () => {
    const stdinFile = join(dir.path, 'hook-stdin');
    const argvFile = join(dir.path, 'hook-argv');
    const hook = join(dir.path, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\ncat > '${stdinFile}'\necho "$0 $@" > '${argvFile}'\n`, { mode: 0o755 });
    store.update((d) => void (d.profiles.find((p) => p.id === id)!.export.hookCommand = `'${hook}' --profile ${id}`));
    const outcome = await service.refresh(id, 'manual');
    expect(outcome.exportErrors).toEqual([]);
    expect(readFileSync(stdinFile, 'utf8')).toBe(`${outcome.token}\n`);
    const argv = readFileSync(argvFile, 'utf8');
    expect(argv).toContain(`hook.sh --profile ${id}`);
    expect(argv).not.toContain(outcome.token);
  });

  it('a failing hook is reported in exportErrors (redacted) and the token is still stored', async () => {
    // The hook echoes what it got to stderr and fails: the report must not repeat the token.
    store.update((d) => void (d.profiles.find((p) => p.id === id)!.export.hookCommand = `sh -c 'cat >&2; exit 3'`));
    const outcome = await service.refresh(id, 'manual');
    expect(outcome.exportErrors).toHaveLength(1);
    const [exportError] = outcome.exportErrors;
    expect(exportError!.kind).toBe('export-failed');
    expect(exportError!.message).toContain('status 3');
    expect(exportError!.message).not.toContain(outcome.token);
    expect(await vault.get(id, 'accessToken')).toBe(outcome.token);
    const settings = store.get();
    expect(settings.tokens[id]!.fingerprint).toBe(fingerprint(outcome.token));
    expect(settings.history[id]!.at(-1)).toMatchObject({ outcome: 'success' });
    expect(settings.history[id]!.at(-1)!.message).toMatch(/export failed/);
    expect(service.state(id).status).toBe('fresh');
  });

  it('an unwritable token file is reported and the token is still stored', async () => {
    store.update((d) => void (d.profiles.find((p) => p.id === id)!.export.filePath = join(dir.path, 'no-such-dir', 'token')));
    const outcome = await service.refresh(id, 'manual');
    expect(outcome.exportErrors.map((e) => e.kind)).toEqual(['export-failed']);
    expect(await vault.get(id, 'accessToken')).toBe(outcome.token);
  });
});

describe('regressions: failures around a refresh never lose or orphan a token', () => {
  it('a profile removed while Torus answers: the new token is discarded, not left in the keychain', async () => {
    const running = service.refresh(id, 'manual');
    // Removed (settings first, as the CLI's logout --remove-profile and the app do) mid-flight.
    store.update((d) => removeProfile(d, id));
    const error = (await rejectionOf(() => running)) as TorusError;
    // Depending on timing the refresh sees the removal before calling Torus (not-configured)
    // or after Torus answered (cancelled; test/app-controller.test.ts holds the request to
    // force that case). Either way no token is left behind.
    expect(['cancelled', 'not-configured']).toContain(error.kind);
    expect(sim.requestCount('generate')).toBeLessThanOrEqual(1);
    expect(await vault.get(id, 'accessToken')).toBeNull();
    expect(store.get().tokens[id]).toBeUndefined();
    expect(store.get().history[id]).toBeUndefined();
  });

  it('a settings file that cannot be written after a success: the refresh still succeeds, with a warning', async () => {
    const good = await service.refresh(id, 'manual');
    const spy = vi.spyOn(store, 'update').mockImplementation(() => {
      throw Object.assign(new Error(`EROFS: read-only file system, open '${store.path}'`), { code: 'EROFS' });
    });
    try {
      const outcome = await service.refresh(id, 'manual');
      expect(outcome.token).not.toBe(good.token);
      expect(await vault.get(id, 'accessToken')).toBe(outcome.token);
      expect(outcome.warnings).toHaveLength(1);
      expect(outcome.warnings[0]).toMatch(/settings file could not be updated \(EROFS\)/);
      expectNoSecretIn(outcome.warnings[0]!, outcome.token);
    } finally {
      spy.mockRestore();
    }
  });

  it('a settings file that cannot be written after a failure: the refresh reports its own error, and the token survives', async () => {
    const good = await service.refresh(id, 'manual');
    sim.setFault('reject-401');
    const spy = vi.spyOn(store, 'update').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    try {
      const error = await refreshFailure();
      expect(error.kind).toBe('rejected');
    } finally {
      spy.mockRestore();
    }
    expect(await vault.get(id, 'accessToken')).toBe(good.token);
  });

  it('a hook that times out is stopped with everything it started (its process group)', async () => {
    const pidFile = join(dir.path, 'grandchild.pid');
    store.update((d) => {
      d.hookTimeoutSeconds = 1;
      d.profiles.find((p) => p.id === id)!.export.hookCommand = `sleep 30 & echo $! > '${pidFile}'; wait`;
    });
    const outcome = await service.refresh(id, 'manual');
    expect(outcome.exportErrors.map((e) => e.message)).toEqual([expect.stringMatching(/did not finish within 1 s/)]);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const alive = () => {
      const status = `/proc/${pid}/status`;
      return existsSync(status) && !/^State:\s+Z/m.test(readFileSync(status, 'utf8'));
    };
    await vi.waitFor(() => expect(alive()).toBe(false), { timeout: 2_000 });
    expect(await vault.get(id, 'accessToken')).toBe(outcome.token);
  });
});
