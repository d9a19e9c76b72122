/**
 * `npm run bench`: speed figures, each measured side by side with a baseline in the same run
 * (interleaved, medians), printed with their ratio. Benchmarks, not timed tests: nothing here
 * fails on a slow machine.
 *
 * 1. `torus-token get` wall time vs a floor script (Node loading keytar, reading one secret), for
 *    the npm CLI (`node bin/torus-token.cjs`) and for the single executable (`npm run package:cli`).
 * 2. One refresh through the TokenService vs a bare fetch POST to the simulator.
 * 3. The renderer: gzip size of JS/CSS, first render vs a blank page (scripts/bench-renderer).
 * 4. The idle day: timer fires per profile over a simulated 24 h (scripts/bench-idle-day), vs a
 *    60 s ticker.
 * 5. The 09:15 stampede: 20, 50 and 100 processes refreshing at once (scripts/bench-stress):
 *    Torus calls, failures, wall time vs the same processes reading a valid token.
 *    BENCH_STRESS="20 50" picks the sizes; BENCH_STRESS=0 leaves it out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayKeychain } from './throwaway-keychain.js';
import { startSimulator } from './simulator/torus-simulator.js';
import { createCore } from '../main/core/use-cases/core.js';
import { Vault } from '../main/core/infra/keychain.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { describeStress, stress, type StressResult } from './bench-stress.js';
import { benchIdleDay } from './bench-idle-day.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliBin = join(repoRoot, 'bin', 'torus-token.cjs');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeSpawn(args: string[], env: NodeJS.ProcessEnv, program = process.execPath): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(program, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return ms;
}

/** The single executable for this system, when `npm run package:cli` has built it. */
async function singleExecutable(): Promise<string | undefined> {
  const target = join(repoRoot, 'scripts', 'cli-target.mjs');
  const { cliExecutablePath } = (await import(target)) as { cliExecutablePath: () => string };
  const exe = cliExecutablePath();
  return existsSync(exe) ? exe : undefined;
}

/** Async, because the simulator answers from this very process. */
function runAsync(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
    child.stdin.end(input);
  });
}

async function benchCliGet(simUrl: string, issueRequestToken: () => string, runs: number): Promise<Figure[]> {
  const configDir = mkdtempSync(join(tmpdir(), 'torus-bench-cli-'));
  const env = { ...process.env, TORUS_TOKEN_CONFIG_DIR: configDir };
  try {
    const login = await runAsync(
      [cliBin, 'login', '--stdin', '--profile', 'bench', '--base-url', simUrl],
      env,
      `demo-api-key\ndemo-api-secret\n${issueRequestToken()}\n`,
    );
    if (login.status !== 0) throw new Error(`login failed: ${login.stderr}`);

    // The floor: what any keychain-backed CLI must pay (Node start, keytar load, one read).
    const floorScript = join(configDir, 'floor.cjs');
    writeFileSync(
      floorScript,
      `const keytar = require(${JSON.stringify(join(repoRoot, 'node_modules', 'keytar'))});
keytar.getPassword('Torus Token', 'bench/accessToken').then((v) => { if (!v) process.exit(1); process.stdout.write(v + '\\n'); });`,
    );
    const exe = await singleExecutable();
    if (!exe) console.log('(single executable not built; run `npm run package:cli` first)');
    const cli: number[] = [];
    const sea: number[] = [];
    const floor: number[] = [];
    const get = ['get', '--profile', 'bench'];
    timeSpawn([floorScript], env); // warm the page cache for all
    timeSpawn([cliBin, ...get], env);
    if (exe) timeSpawn(get, env, exe);
    for (let i = 0; i < runs; i++) {
      floor.push(timeSpawn([floorScript], env));
      cli.push(timeSpawn([cliBin, ...get], env));
      if (exe) sea.push(timeSpawn(get, env, exe));
    }
    const baseline = median(floor);
    const figure = (name: string, times: number[]): Figure => ({ name, value: median(times), unit: 'ms', baseline, ratio: median(times) / baseline });
    return [figure('torus-token get, npm CLI (wall time)', cli), ...(exe ? [figure('torus-token get, single executable (wall time)', sea)] : [])];
  } finally {
    await new Vault().deleteProfile('bench').catch(() => undefined);
    rmSync(configDir, { recursive: true, force: true });
  }
}

async function benchRefresh(simUrl: string, issueRequestToken: () => string, runs: number): Promise<Figure> {
  const configDir = mkdtempSync(join(tmpdir(), 'torus-bench-refresh-'));
  // The simulator is on loopback, which this process (like the CLI) trusts.
  const core = await createCore({ configDir, policy: { trustLoopback: true } });
  const vault = core.vault;
  await core.settings.update((draft) => {
    const p = addProfile(draft, { name: 'bench-refresh', baseUrl: simUrl });
    draft.activeProfileId = p.id;
  });
  await vault.set('bench-refresh', 'apiKey', 'demo-api-key');
  await vault.set('bench-refresh', 'apiSecret', 'demo-api-secret');
  const body = JSON.stringify({ API_KEY: 'demo-api-key', API_SECRET: 'demo-api-secret' });
  const bare = async () => {
    const response = await fetch(`${simUrl}/api/v1/session/generate`, {
      method: 'POST',
      headers: { Token: issueRequestToken(), 'Content-Type': 'application/json' },
      body,
    });
    await response.text();
  };
  const viaService = async () => {
    await vault.set('bench-refresh', 'requestToken', issueRequestToken());
    await refresh(core, 'bench-refresh', 'manual');
  };
  try {
    await bare();
    await viaService();
    const serviceTimes: number[] = [];
    const bareTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await bare();
      bareTimes.push(performance.now() - t);
      t = performance.now();
      await viaService();
      serviceTimes.push(performance.now() - t);
    }
    const value = median(serviceTimes);
    const baseline = median(bareTimes);
    return { name: 'refresh use case (incl. lock, keychain write, settings write)', value, unit: 'ms', baseline, ratio: value / baseline };
  } finally {
    await vault.deleteProfile('bench-refresh').catch(() => undefined);
    rmSync(configDir, { recursive: true, force: true });
  }
}

function print(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.name,
    `${f.value.toFixed(f.unit === 'ms' ? 1 : 0)} ${f.unit}`,
    f.baseline === undefined ? '' : `${f.baseline.toFixed(f.unit === 'ms' ? 1 : 0)} ${f.unit}`,
    f.ratio === undefined ? '' : `${f.ratio < 0.1 ? f.ratio.toPrecision(2) : f.ratio.toFixed(2)}x`,
  ]);
  const header = ['benchmark', 'value', 'baseline', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 15);
  const keychain = startThrowawayKeychain('torus-token-bench-');
  const sim = await startSimulator({ requestTokenReuse: 'single' });
  const figures: Figure[] = [];
  const stampedes: string[] = [];
  try {
    console.log(`Torus Token benchmarks (${runs} interleaved runs each, medians; Node ${process.version}, ${process.platform})\n`);
    figures.push(...(await benchCliGet(sim.url, () => sim.issueRequestToken(), runs)));
    figures.push(await benchRefresh(sim.url, () => sim.issueRequestToken(), runs * 2));
    const rendererBench = join(repoRoot, 'dist', 'scripts', 'bench-renderer.js');
    if (existsSync(rendererBench)) {
      const { benchRenderer } = (await import(rendererBench)) as { benchRenderer: () => Promise<Figure[]> };
      figures.push(...(await benchRenderer()));
    } else {
      console.log('(renderer benchmark not built; run `npm run build` first)');
    }
    figures.push(...(await benchIdleDay()));
    const sizes = (process.env.BENCH_STRESS ?? '20 50 100')
      .split(/\s+/)
      .map(Number)
      .filter((n) => n > 0);
    for (const n of sizes) {
      const result: StressResult = await stress(sim, n);
      stampedes.push(describeStress(result));
      figures.push({
        name: `${n} processes refreshing at once (wall time)`,
        value: result.wallMs,
        unit: 'ms',
        baseline: result.baselineWallMs,
        ratio: result.wallMs / result.baselineWallMs,
      });
    }
  } finally {
    await sim.close();
    keychain.stop();
  }
  print(figures);
  if (stampedes.length)
    console.log(`\nThe stampede (get --refresh-if-stale, no token yet, single-use request tokens):\n${stampedes.map((s) => `  ${s}`).join('\n')}`);
}

await main();
