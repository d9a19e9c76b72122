import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Mutation runs only (vitest.mutation.config.ts, after Stryker's own setup file). Stryker runs
 * for each mutant only the tests that reached it; this file makes that per-test record right in
 * two places Stryker cannot see by itself.
 *
 * 1. Processes a test spawns, the `torus-token` CLI above all. Every Node child gets, through
 *    its environment, __STRYKER_ACTIVE_MUTANT__ (which the instrumented code reads on its own:
 *    the sandbox's CLI bundle is built from the instrumented sources, so the child runs the
 *    mutant under test) and test/mutation/child-coverage.cjs preloaded, which writes back what
 *    the child covered and how often it hit the active mutant. Merged here after each test.
 * 2. Code run by a file's beforeAll/afterAll hooks, or by a test's leftovers after it ended:
 *    Stryker files it as "static", like code run while modules load, and then runs the whole
 *    suite for each such mutant. Any test of the file reruns those hooks, so it is filed
 *    under every test of the file instead. Coverage while modules load stays static (a mutant
 *    there needs a fresh module load, which only Stryker's static mode gives).
 */
interface Coverage {
  static: Record<string, number>;
  perTest: Record<string, Record<string, number>>;
}
interface StrykerNamespace {
  activeMutant?: string;
  currentTestId?: string;
  mutantCoverage?: Coverage;
  hitCount?: number;
  hitLimit?: number;
}
interface TaskLike {
  type: string;
  name: string;
  suite?: TaskLike;
  tasks?: TaskLike[];
  file?: { filepath: string };
}

const ns = ((globalThis as { __stryker__?: StrykerNamespace }).__stryker__ ??= {});
const preload = fileURLToPath(new URL('./child-coverage.cjs', import.meta.url));
const reports = mkdtempSync(join(tmpdir(), 'torus-mutation-children-'));

const nodeOptions = (process.env.NODE_OPTIONS ?? '').replace(/--require "[^"]*child-coverage\.cjs"/g, '').trim();
process.env.NODE_OPTIONS = `${nodeOptions} --require "${preload}"`.trim();
process.env.TORUS_MUTATION_CHILD_DIR = reports;

function shareMutant(): void {
  if (ns.activeMutant === undefined) delete process.env.__STRYKER_ACTIVE_MUTANT__;
  else process.env.__STRYKER_ACTIVE_MUTANT__ = String(ns.activeMutant);
  if (ns.hitLimit === undefined) delete process.env.TORUS_MUTATION_HIT_LIMIT;
  else process.env.TORUS_MUTATION_HIT_LIMIT = String(ns.hitLimit);
}

function add(to: Record<string, number>, from: Record<string, number>): void {
  for (const [id, hits] of Object.entries(from)) to[id] = (to[id] ?? 0) + hits;
}

function collectChildren(): void {
  for (const name of readdirSync(reports)) {
    const path = join(reports, name);
    let report: { coverage: Coverage | null; hitCount: number };
    try {
      report = JSON.parse(readFileSync(path, 'utf8')) as typeof report;
    } catch {
      continue; // still being written: the next collect takes it
    }
    rmSync(path, { force: true });
    if (report.coverage) {
      const coverage = (ns.mutantCoverage ??= { static: {}, perTest: {} });
      add(coverage.static, report.coverage.static);
      for (const [testId, hits] of Object.entries(report.coverage.perTest)) add((coverage.perTest[testId] ??= {}), hits);
    }
    if (ns.hitCount !== undefined) ns.hitCount += report.hitCount;
  }
}

/** Stryker's test id (its stryker-setup.js): the file path, '#', the names from the outermost suite in. */
function testIds(task: TaskLike): string[] {
  if (task.type === 'test') {
    const names = [task.name];
    for (let suite = task.suite; suite; suite = suite.suite) names.unshift(suite.name);
    return [`${task.file?.filepath ?? 'unknown.js'}#${names.join(' ').trim()}`];
  }
  return (task.tasks ?? []).flatMap(testIds);
}

let loadTime: Record<string, number> = {};

beforeAll(() => {
  loadTime = { ...ns.mutantCoverage?.static };
  shareMutant();
  delete process.env.TORUS_MUTATION_TEST_ID;
});
beforeEach(() => {
  shareMutant();
  if (ns.currentTestId === undefined) delete process.env.TORUS_MUTATION_TEST_ID;
  else process.env.TORUS_MUTATION_TEST_ID = ns.currentTestId;
});
afterEach(() => {
  collectChildren();
  delete process.env.TORUS_MUTATION_TEST_ID;
});
// Vitest wants an object pattern first (its fixtures), even an empty one, to pass the suite second.
afterAll(({}, suite) => {
  collectChildren();
  rmSync(reports, { recursive: true, force: true });
  const coverage = ns.mutantCoverage;
  if (!coverage) return;
  const ids = testIds(suite as unknown as TaskLike);
  for (const [mutant, hits] of Object.entries(coverage.static)) {
    const atLoad = loadTime[mutant] ?? 0;
    if (hits <= atLoad || ids.length === 0) continue;
    for (const id of ids) add((coverage.perTest[id] ??= {}), { [mutant]: hits - atLoad });
    if (atLoad > 0) coverage.static[mutant] = atLoad;
    else delete coverage.static[mutant];
  }
});
