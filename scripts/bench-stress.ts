/**
 * The 09:15 stampede, measured: N real `torus-token get --refresh-if-stale` processes started
 * together on a profile with no token yet, against the simulator's single-use request tokens.
 * Reports Torus calls, failed processes, distinct tokens printed, whether the settings file
 * kept the token's metadata and one success entry, and wall time — with, as the baseline, the
 * same N processes reading the then-valid token (process start, keychain, settings read).
 *
 * Run alone with `node dist/scripts/bench-stress.js 20 50 100` (after `npm run build`), or as
 * part of `npm run bench`. It expects a keychain it may write to (bench starts a throwaway one).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../main/core/use-cases/core.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { fingerprint } from '../main/core/domain/redact.js';
import { HISTORY_LIMIT } from '../main/core/domain/settings-schema.js';
import type { TorusSimulator } from './simulator/torus-simulator.js';

const cliBin = fileURLToPath(new URL('../../bin/torus-token.cjs', import.meta.url));

export interface StressResult {
  processes: number;
  torusCalls: number;
  failures: number;
  distinctTokens: number;
  /** The settings file afterwards holds the printed token's fingerprint and exactly one success entry. */
  settingsIntact: boolean;
  /** Milliseconds from starting the first process to the last one exiting. */
  wallMs: number;
  /** The same N processes reading the token once it is valid. */
  baselineWallMs: number;
  /** One line of stderr from a failed process, if any. */
  firstError?: string;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runGet(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // A process stuck past the refresh bound is a failure, not a hung benchmark.
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function together(n: number, args: string[], env: NodeJS.ProcessEnv): Promise<{ runs: Run[]; wallMs: number }> {
  const started = performance.now();
  const runs = await Promise.all(Array.from({ length: n }, () => runGet(args, env)));
  return { runs, wallMs: performance.now() - started };
}

export async function stress(sim: TorusSimulator, processes: number): Promise<StressResult> {
  const configDir = mkdtempSync(join(tmpdir(), 'torus-stress-'));
  const env = { ...process.env, TORUS_TOKEN_CONFIG_DIR: configDir, TORUS_BASE_URL: '', TORUS_TOTP_BASE_URL: '' };
  const core = await createCore({ configDir, policy: { trustLoopback: true } });
  const name = `stress-${processes}-${process.pid}`;
  let id = '';
  await core.settings.update((draft) => {
    id = addProfile(draft, { name, baseUrl: sim.url, totpBaseUrl: sim.url }).id;
  });
  try {
    await core.vault.set(id, 'apiKey', 'demo-api-key');
    await core.vault.set(id, 'apiSecret', 'demo-api-secret');
    await core.vault.set(id, 'requestToken', sim.issueRequestToken());
    sim.resetLog();

    const get = ['get', '--profile', id];
    const stampede = await together(processes, [...get, '--refresh-if-stale'], env);
    const torusCalls = sim.requestCount('generate');
    const failed = stampede.runs.filter((r) => r.code !== 0);
    const tokens = new Set(stampede.runs.filter((r) => r.code === 0).map((r) => r.stdout.trim()));

    const settings = core.settings.read();
    const history = settings.history[id] ?? [];
    const [token] = [...tokens];
    const settingsIntact =
      tokens.size === 1 &&
      settings.tokens[id]?.fingerprint === fingerprint(token!) &&
      history.filter((a) => a.outcome === 'success').length === 1 &&
      history.length <= HISTORY_LIMIT &&
      readdirSync(configDir).every((n) => !n.endsWith('.lock') && !n.endsWith('.tmp'));

    const baseline = await together(processes, get, env);
    if (baseline.runs.some((r) => r.code !== 0)) throw new Error(`reading a valid token failed: ${baseline.runs.find((r) => r.code !== 0)!.stderr}`);

    return {
      processes,
      torusCalls,
      failures: failed.length,
      distinctTokens: tokens.size,
      settingsIntact,
      wallMs: stampede.wallMs,
      baselineWallMs: baseline.wallMs,
      ...(failed[0] ? { firstError: failed[0].stderr.trim().split('\n')[0] } : {}),
    };
  } finally {
    await core.vault.deleteProfile(id).catch(() => undefined);
    rmSync(configDir, { recursive: true, force: true });
  }
}

export function describeStress(r: StressResult): string {
  return (
    `${String(r.processes).padStart(3)} processes: ${r.torusCalls} Torus call(s), ${r.failures} failed, ` +
    `${r.distinctTokens} distinct token(s) printed, settings ${r.settingsIntact ? 'intact' : 'NOT intact'}; ` +
    `${(r.wallMs / 1000).toFixed(2)} s wall vs ${(r.baselineWallMs / 1000).toFixed(2)} s reading a valid token ` +
    `(${(r.wallMs / r.baselineWallMs).toFixed(2)}x)` +
    (r.firstError ? `\n      first error: ${r.firstError}` : '')
  );
}

async function main(): Promise<void> {
  const { startThrowawayKeychain } = await import('./throwaway-keychain.js');
  const { startSimulator } = await import('./simulator/torus-simulator.js');
  const counts = process.argv.slice(2).map(Number);
  const keychain = startThrowawayKeychain('torus-token-stress-');
  const sim = await startSimulator({ requestTokenReuse: 'single' });
  let ok = true;
  try {
    for (const n of counts.length ? counts : [50]) {
      const result = await stress(sim, n);
      console.log(describeStress(result));
      ok &&= result.torusCalls === 1 && result.failures === 0 && result.settingsIntact;
    }
  } finally {
    await sim.close();
    keychain.stop();
  }
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
