#!/usr/bin/env node
/**
 * `npm run mutation [-- stryker options]`: mutation testing of main/core/ and main/cli/ with
 * StrykerJS (configuration and reasons in stryker.config.mjs), then the score per file and
 * overall (scripts/mutation-score.mjs), which fails the run when a goal is missed.
 *
 *   npm run mutation                                        # everything (hours on 2 cores)
 *   npm run mutation -- --mutate main/core/domain/redact.ts # one file while working on it
 *   npm run mutation -- --incremental                       # only what changed since the last run
 *
 * With --mutate only the per-file goal applies (a part says nothing about the whole).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT, printScores, reportShortfalls, scores, shortfalls } from './mutation-score.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const stryker = spawnSync(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', ...args], {
  cwd: root,
  stdio: 'inherit',
});
if (stryker.status !== 0) process.exit(stryker.status ?? 1);

const result = scores(JSON.parse(readFileSync(REPORT, 'utf8')));
printScores(result);
const partial = args.some((arg) => arg === '--mutate' || arg === '-m' || arg.startsWith('--mutate='));
const missed = shortfalls(partial ? { ...result, overall: { ...result.overall, score: null } } : result);
process.exit(reportShortfalls(missed) ? 1 : 0);
