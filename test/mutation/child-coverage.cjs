'use strict';
/**
 * Mutation runs only (`npm run mutation`): preloaded with --require into every Node process a
 * test starts (test/mutation/per-test-coverage.ts puts it in NODE_OPTIONS), so the spawned
 * `torus-token` counts towards Stryker's per-test coverage like code run inside the test.
 *
 * The CLI bundle in Stryker's sandbox is built from the instrumented sources (all mutants in
 * one build, switched at run time), and the instrumented code itself activates the mutant named
 * in __STRYKER_ACTIVE_MUTANT__. What it cannot do alone is report back: this file tells it which
 * test is running, and on exit writes what it covered (and how often the active mutant was hit)
 * into the folder the test process reads after each test.
 */
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.TORUS_MUTATION_CHILD_DIR;
if (dir) {
  const ns = globalThis.__stryker__ || (globalThis.__stryker__ = {});
  const testId = process.env.TORUS_MUTATION_TEST_ID;
  if (testId) ns.currentTestId = testId;
  const hitLimit = Number(process.env.TORUS_MUTATION_HIT_LIMIT);
  if (Number.isFinite(hitLimit) && hitLimit > 0) {
    ns.hitLimit = hitLimit;
    ns.hitCount = 0;
  }
  process.on('exit', () => {
    if (!ns.mutantCoverage && !ns.hitCount) return;
    const report = { coverage: ns.mutantCoverage ?? null, hitCount: ns.hitCount ?? 0 };
    try {
      writeFileSync(join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(report));
    } catch {
      // The test process is gone (its folder with it): nothing to report to.
    }
  });
}
