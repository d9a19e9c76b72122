import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { HISTORY_LIMIT, type Attempt } from '../main/core/domain/settings-schema.js';
import { fingerprint } from '../main/core/domain/redact.js';
import { EXIT } from '../main/core/errors.js';
import { distinctiveCredentials, expireStoredToken, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';
import { ensureBuilt, runCli } from './helpers/cli-runner.js';

/**
 * Many real processes at once, as when every strategy starts at 09:15: N `torus-token get
 * --refresh-if-stale` against the simulator's single-use request tokens. Exactly one Torus
 * call, one token for all, and a settings file that afterwards holds that token's metadata
 * and one success entry — also while the app writes its own settings in the same moment.
 * Repeated, because a race shows only sometimes.
 */
const N = 24;
const ROUNDS = 3;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

let sim: TorusSimulator;
let config: ReturnType<typeof tempDir>;
let app: Core;
const creds = distinctiveCredentials();
const cleanup: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET });
  config = tempDir('torus-concurrency');
  app = await createCore({ configDir: config.path, policy: { trustLoopback: true } });
});

afterAll(async () => {
  for (const id of cleanup) await app.vault.deleteProfile(id);
  await sim.close();
  config.remove();
});

const env = () => ({ TORUS_TOKEN_CONFIG_DIR: config.path, TORUS_BASE_URL: '', TORUS_TOTP_BASE_URL: '' });

async function newProfile(mode: 'request-token' | 'totp'): Promise<string> {
  const name = uniqueProfileId(mode === 'totp' ? 'many-totp' : 'many-rt');
  let id = '';
  await app.settings.update((d) => {
    id = addProfile(d, { name, mode, baseUrl: sim.url, totpBaseUrl: sim.url }).id;
  });
  cleanup.push(id);
  await app.vault.set(id, 'apiKey', creds.apiKey);
  await app.vault.set(id, 'apiSecret', creds.apiSecret);
  if (mode === 'totp') await app.vault.set(id, 'totpSecret', TOTP_SECRET);
  else await app.vault.set(id, 'requestToken', sim.issueRequestToken());
  return id;
}

/** The app, in this process, changing its own settings while the bots run. */
async function appWritesMeanwhile(other: string, until: Promise<unknown>): Promise<number> {
  let writes = 0;
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    // Yield to the event loop each time (an uncontended write never does by itself).
    await new Promise((resolve) => setImmediate(resolve));
    const n = writes++;
    await app.settings.update((d) => {
      d.clipboard.autoClearSeconds = 10 + (n % 50);
      const entry: Attempt = {
        at: Date.now(),
        reason: 'manual',
        outcome: 'network',
        message: `app write ${n}`,
        latencyMs: 1,
        needsSignIn: false,
        retryAt: null,
      };
      d.history[other] = [...(d.history[other] ?? []), entry].slice(-HISTORY_LIMIT);
    });
  }
  return writes;
}

describe(`${N} processes at once on a stale profile, ${ROUNDS} rounds of each kind`, () => {
  it.each([
    ['request-token, no token yet', 'request-token' as const, false],
    ['TOTP, token expired overnight', 'totp' as const, true],
    ['request-token, token expired, a fresh request token saved', 'request-token' as const, true],
  ])(
    '%s: one Torus call, one token for all, its metadata and one success entry in the file — while the app writes too',
    async (_label, mode, stale) => {
      const other = await newProfile('totp');
      for (let round = 1; round <= ROUNDS; round++) {
        const id = await newProfile(mode);
        if (stale) {
          const first = await runCli(['get', '--profile', id, '--refresh-if-stale'], { env: env() });
          expect(first.code).toBe(EXIT.ok);
          await expireStoredToken(config.path, id);
          if (mode === 'request-token') await app.vault.set(id, 'requestToken', sim.issueRequestToken());
        }
        sim.resetLog();
        const bots = Promise.all(Array.from({ length: N }, () => runCli(['get', '--profile', id, '--refresh-if-stale'], { env: env(), timeoutMs: 60_000 })));
        const writes = await appWritesMeanwhile(other, bots);
        const runs = await bots;

        expect(
          runs.map((r) => r.code),
          runs.map((r) => r.stderr).join(''),
        ).toEqual(Array(N).fill(EXIT.ok));
        const tokens = new Set(runs.map((r) => r.stdout.trim()));
        expect(tokens.size).toBe(1);
        expect(sim.requestCount(mode === 'totp' ? 'totp' : 'generate')).toBe(1);

        const settings = app.settings.read();
        const [token] = [...tokens];
        expect(settings.tokens[id]?.fingerprint).toBe(fingerprint(token!));
        expect(settings.history[id]!.filter((a) => a.outcome === 'success')).toHaveLength(stale ? 2 : 1);
        expect(settings.history[id]!.filter((a) => a.outcome !== 'success')).toEqual([]);
        // The app's own writes all survived (none was undone by a process writing back an older copy).
        expect(settings.history[other]!.at(-1)!.message).toBe(`app write ${writes - 1}`);
        expect(settings.clipboard.autoClearSeconds).toBe(10 + ((writes - 1) % 50));
        expect(settings.history[other]!.length).toBeLessThanOrEqual(HISTORY_LIMIT);
      }
      // Nothing left behind: no lock, no temp file.
      expect(readdirSync(config.path).filter((n) => n.endsWith('.lock') || n.endsWith('.tmp'))).toEqual([]);
    },
    180_000,
  );
});
