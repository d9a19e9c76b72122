import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { posix } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createVitest } from 'vitest/node';
import strykerConfig from '../stryker.config.mjs';
import { PARTS, mergeReports, scores, shortfalls } from '../scripts/mutation-score.mjs';
import { repoRoot } from './helpers/cli-runner.js';

/**
 * Mutation testing (`npm run mutation`, StrykerJS) is too slow for `npm test`; this checks that
 * it is set up to mean something: what it mutates, that the keychain and CLI tests really run
 * under it, how its score is computed, and that CI runs it only when asked.
 */
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

describe('mutation testing setup', () => {
  it('mutates every file of main/core and main/cli, with the Vitest runner, per-test coverage and the TypeScript checker', () => {
    expect(strykerConfig.mutate).toEqual(['main/core/**/*.ts', 'main/cli/**/*.ts']);
    expect(strykerConfig.testRunner).toBe('vitest');
    expect(strykerConfig.coverageAnalysis).toBe('perTest');
    expect(strykerConfig.checkers).toEqual(['typescript']);
    expect(strykerConfig.concurrency).toBeLessThanOrEqual(2);
    // The CLI tests spawn the CLI: it is rebuilt in the sandbox from the mutated sources.
    expect(strykerConfig.buildCommand).toMatch(/build:node|build-cli/);
    expect(strykerConfig.jsonReporter?.fileName).toBe('test-output/mutation/mutation.json');
    expect(strykerConfig.htmlReporter?.fileName).toMatch(/^test-output\/mutation\//);
  });

  it("keychain tests run in forked workers even though Stryker's runner asks for threads", async () => {
    // What the runner passes (vitest-test-runner.js): pool 'threads', one worker. With the
    // normal configuration that wins over its own `pool: 'forks'`.
    const runnerOptions = { pool: 'threads', maxWorkers: 1, watch: false } as const;
    const plain = await createVitest('test', { config: 'vitest.config.ts', ...runnerOptions }, {}, {});
    expect(plain.projects.map((project) => project.config.pool)).toEqual(['threads']);
    await plain.close();
    const vitest = await createVitest('test', { config: 'vitest.mutation.config.ts', ...runnerOptions }, {}, {});
    try {
      expect(vitest.projects.map((project) => project.config.pool)).toEqual(['forks']);
      const files = (await vitest.globTestSpecifications()).map((spec) => spec.moduleId.slice(repoRoot.length));
      // The CLI and keychain tests are in; browser tests and the SEA build are out.
      expect(files).toEqual(expect.arrayContaining(['test/cli.test.ts', 'test/cli-fast-path.test.ts', 'test/vault-keychain.test.ts', 'test/tokens.test.ts']));
      expect(files.filter((f) => /renderer-|cli-executable|packaging/.test(f))).toEqual([]);
    } finally {
      await vitest.close();
    }
  });

  it('a spawned Node process reports what it covered and runs the active mutant', () => {
    const reports = mkdtempSync(join(tmpdir(), 'torus-mutation-report-'));
    try {
      // Stands in for instrumented code: records coverage the way Stryker's helpers do.
      const script = `const ns = globalThis.__stryker__ ??= {}; ns.activeMutant ??= process.env.__STRYKER_ACTIVE_MUTANT__;
        const cov = ns.mutantCoverage ??= { static: {}, perTest: {} }; (cov.perTest[ns.currentTestId] ??= {})['7'] = 1;
        process.stdout.write(String(ns.activeMutant));`;
      const child = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        env: {
          ...process.env,
          NODE_OPTIONS: `--require "${join(repoRoot, 'test', 'mutation', 'child-coverage.cjs')}"`,
          TORUS_MUTATION_CHILD_DIR: reports,
          TORUS_MUTATION_TEST_ID: 'test/x.test.ts#a test',
          __STRYKER_ACTIVE_MUTANT__: '42',
        },
      });
      expect(child.status, child.stderr).toBe(0);
      expect(child.stdout).toBe('42');
      const [report] = readdirSync(reports).map((name) => JSON.parse(readFileSync(join(reports, name), 'utf8')) as unknown);
      expect(report).toEqual({ coverage: { static: {}, perTest: { 'test/x.test.ts#a test': { '7': 1 } } }, hitCount: 0 });
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });

  it('the score is detected / (detected + undetected) per file; equivalent and non-compiling mutants do not count', () => {
    const mutants = (statuses: string[]) => statuses.map((status) => ({ status }));
    const result = scores({
      files: {
        'main/core/a.ts': { mutants: mutants(['Killed', 'Killed', 'Timeout', 'Survived', 'CompileError', 'Ignored']) },
        'main/cli/b.ts': { mutants: mutants(['Killed', 'NoCoverage']) },
        'main/core/c.ts': { mutants: mutants(['CompileError']) },
      },
    });
    expect(result.files.map((f) => [f.path, f.score])).toEqual([
      ['main/cli/b.ts', 50],
      ['main/core/a.ts', 75],
      ['main/core/c.ts', null],
    ]);
    expect(result.overall).toEqual({ detected: 4, undetected: 2, score: (100 * 4) / 6 });
    // Goals: 85 % for every core file, 90 % overall; a CLI file counts only towards the whole.
    expect(shortfalls(result)).toEqual(['main/core/a.ts: 75.0 % (goal 85 % for every core file)', 'overall: 66.7 % (goal 90 %)']);
  });

  it('the parts that run side by side are, together, exactly what a full run mutates, each file once', () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.ts'))
        .map((name) => posix.join(dir, name.split('\\').join('/')));
    const all = [...sources('main/core'), ...sources('main/cli')].sort();
    // The glob forms the configuration uses: dir/**/*.ts, dir/*.ts, a file, and !exclusions.
    const matches = (glob: string, file: string) =>
      glob.endsWith('/**/*.ts')
        ? file.startsWith(glob.slice(0, -'**/*.ts'.length))
        : glob.endsWith('/*.ts')
          ? posix.dirname(file) === glob.slice(0, -'/*.ts'.length)
          : file === glob;
    const select = (globs: string[]) =>
      all.filter((file) => globs.some((g) => !g.startsWith('!') && matches(g, file)) && !globs.some((g) => g.startsWith('!') && matches(g.slice(1), file)));
    expect(select(strykerConfig.mutate as string[])).toEqual(all);
    const byPart = Object.values(PARTS).map(select);
    expect(byPart.flat().sort()).toEqual(all);
    expect(byPart.every((files) => files.length > 0)).toBe(true);
    const workflow = parse(read('.github/workflows/mutation.yml')) as { jobs: { part: { strategy: { matrix: { part: string[] } } } } };
    expect(workflow.jobs.part.strategy.matrix.part).toEqual(Object.keys(PARTS));
  });

  it("merging the parts' reports keeps each file's newest result", () => {
    const report = (status: string, ...files: string[]) => ({ files: Object.fromEntries(files.map((f) => [f, { mutants: [{ status }] }])) });
    const merged = mergeReports([report('Survived', 'main/core/a.ts', 'main/cli/b.ts'), report('Killed', 'main/core/a.ts')]);
    expect(scores(merged).files.map((f) => [f.path, f.score])).toEqual([
      ['main/cli/b.ts', 0],
      ['main/core/a.ts', 100],
    ]);
  });

  it('runs only when asked: a manual workflow, never in npm test or .ci/run', () => {
    const workflow = parse(read('.github/workflows/mutation.yml')) as {
      on: Record<string, unknown>;
      jobs: Record<string, { steps: Array<{ run?: string; uses?: string; with?: Record<string, unknown> }> }>;
    };
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    expect(steps.map((step) => step.run ?? '').join('\n')).toContain('npm run mutation');
    expect(String(steps.find((step) => step.uses?.startsWith('actions/upload-artifact'))?.with?.['path'])).toContain('test-output/mutation/');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['mutation']).toBeDefined();
    expect(pkg.scripts['test']).not.toMatch(/mutation|stryker/);
    expect(read('.ci/run')).not.toMatch(/mutation|stryker/);
    for (const workflowFile of ['release.yml']) expect(read(`.github/workflows/${workflowFile}`)).not.toMatch(/npm run mutation|stryker/);
  });
});
