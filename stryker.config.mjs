// @ts-check
/**
 * Mutation testing of the core and the CLI: `npm run mutation` (README, "Mutation testing").
 * Too slow for `npm test` (hours on 2 cores); CI runs it only when asked
 * (the "Mutation testing" workflow).
 *
 * One part of it (`npm run mutation -- --part cli`, scripts/mutation.mjs) writes its report to
 * test-output/mutation/parts/<part>/ and uses its own sandbox folder, so parts can run side by
 * side (two on one machine, or one per CI job) and be merged into one score afterwards.
 */
const part = process.env.TORUS_MUTATION_PART;
const out = part ? `test-output/mutation/parts/${part}` : 'test-output/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
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
  ignorePatterns: ['dist/cli', 'dist/sea', 'dist/main', 'dist/scripts', 'release', 'test-output', '.stryker-tmp*', 'docs/screenshots'],
  concurrency: 2,
  // The CLI tests start real processes; a busy 2-core machine needs room before a slow run counts as a timeout.
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 20,
  thresholds: { high: 90, low: 85, break: null },
  reporters: ['progress', 'clear-text', 'html', 'json'],
  clearTextReporter: { reportMutants: false, reportTests: false, reportScoreTable: true },
  htmlReporter: { fileName: `${out}/index.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  // `npm run mutation -- --incremental` reuses the results of mutants whose code and tests did not change.
  incrementalFile: `${out}/incremental.json`,
  tempDirName: part ? `.stryker-tmp-${part}` : '.stryker-tmp',
  cleanTempDir: 'always',
};
