import { relative } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

/**
 * The Vitest configuration Stryker runs (`npm run mutation`, stryker.config.mjs): the normal one,
 * with three changes.
 */

/**
 * 1. Forked processes, as in `npm test`. Stryker's Vitest runner asks for `pool: 'threads'`, and
 *    that option overrides every project's own; but a second worker thread that loads keytar
 *    fails ("cannot register existing type 'SecretService'": libsecret registers its GObject
 *    types once per process). Vitest's `configureVitest` plugin hook runs after the options are
 *    resolved and may change them, so the pool is put back here, for every test file.
 */
const forkedWorkers = {
  name: 'torus-token:forked-workers',
  configureVitest({ project }: { project: { config: { pool: string } } }) {
    project.config.pool = 'forks';
  },
};

/**
 * 2. Cheap files first. Stryker stops a mutant's run at the first failing test, so the unit
 *    tests (milliseconds) get the first chance to kill it, the tests that spawn real CLI
 *    processes (seconds) the last.
 */
const SPAWNING_LAST = ['test/cli-fast-path.test.ts', 'test/cli-scripting.test.ts', 'test/cli.test.ts'];
class CheapFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => SPAWNING_LAST.indexOf(relative(spec.project.config.root, spec.moduleId).split('\\').join('/'));
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

/**
 * 3. Only the tests that exercise main/core and main/cli. Left out: the browser tests (Chromium
 *    and the built popover), packaging, the single executable (the same CLI tests, run against a
 *    binary built outside the sandbox), icons, the release workflow, and the 24-process load
 *    test (test/concurrency.test.ts, ~75 s: its single-flight and lock rules are pinned by
 *    test/tokens.test.ts and test/file-lock.test.ts at a fraction of the cost).
 */
const NOT_IN_MUTATION_RUN = [
  '**/node_modules/**',
  'test/renderer-*.test.ts',
  'test/packaging.test.ts',
  'test/electron-smoke.test.ts',
  'test/cli-executable.test.ts',
  'test/icons.test.ts',
  'test/release-workflow.test.ts',
  'test/dev-csp.test.ts',
  'test/concurrency.test.ts',
  'test/mutation-setup.test.ts',
  // The Electron glue under the fake electron (~40 s): it calls the core, whose behaviour its own tests state.
  'test/app-main.test.ts',
];

export default mergeConfig(
  base,
  defineConfig({
    plugins: [forkedWorkers],
    test: {
      exclude: NOT_IN_MUTATION_RUN,
      setupFiles: ['test/mutation/per-test-coverage.ts'],
      sequence: { sequencer: CheapFirst },
    },
  }),
);
