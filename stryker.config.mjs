// @ts-check
/**
 * Mutation testing of the core and the CLI: `npm run mutation` (README, "Mutation testing").
 * Too slow for `npm test` (hours on 2 cores); CI runs it only when asked
 * (the "Mutation testing" workflow).
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ['main/core/**/*.ts', 'main/cli/**/*.ts'],
  testRunner: 'vitest',
  // vitest.mutation.config.ts: forked workers (keytar), cheap tests first, the relevant files.
  // `related` is off: the CLI tests spawn the CLI rather than import it.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // The sandbox's CLI bundle, built once from the instrumented sources (every mutant is in it,
  // switched at run time): the spawned `torus-token` runs the mutant under test.
  buildCommand: 'npm run build:node',
  ignorePatterns: ['dist/cli', 'dist/sea', 'dist/main', 'dist/scripts', 'release', 'test-output', '.stryker-tmp', 'docs/screenshots'],
  concurrency: 2,
  // The CLI tests start real processes; a busy 2-core machine needs room before a slow run counts as a timeout.
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 20,
  thresholds: { high: 90, low: 85, break: null },
  reporters: ['progress', 'clear-text', 'html', 'json'],
  clearTextReporter: { reportMutants: false, reportTests: false, reportScoreTable: true },
  htmlReporter: { fileName: 'test-output/mutation/index.html' },
  jsonReporter: { fileName: 'test-output/mutation/mutation.json' },
  // `npm run mutation -- --incremental` reuses the results of mutants whose code and tests did not change.
  incrementalFile: 'test-output/mutation/incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
