#!/usr/bin/env node
/**
 * `npm run mutation [-- stryker options]`: mutation testing of main/core/ and main/cli/ with
 * StrykerJS (configuration and reasons in stryker.config.mjs), then the score per file and
 * overall (scripts/mutation-score.mjs), which fails the run when a goal is missed.
 *
 *   npm run mutation                                        # everything (hours on 2 cores)
 *   npm run mutation -- --mutate main/core/domain/redact.ts # one file while working on it
 *   npm run mutation -- --incremental                       # only what changed since the last run
 *   npm run mutation -- --part domain                       # one part (PARTS in mutation-score.mjs)
 *   npm run mutation -- --merge                             # the parts' reports, scored as one run
 *
 * Parts run side by side (two terminals, or one CI job each) and are merged into the whole.
 * With --mutate or --part only the per-file goal applies (a part says nothing about the whole);
 * --merge applies both goals once every part has a report.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARTS, PARTS_DIR, REPORT, mergeReports, partReports, printScores, reportShortfalls, scores, shortfalls } from './mutation-score.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

if (args.includes('--merge')) {
  const found = partReports();
  if (found.length === 0) {
    console.error(`No part reports in ${relative(root, PARTS_DIR)}: run "npm run mutation -- --part NAME" first (${Object.keys(PARTS).join(', ')}).`);
    process.exit(2);
  }
  const missing = Object.keys(PARTS).filter((part) => !found.some((f) => f.part === part));
  const result = scores(mergeReports(found.map((f) => f.report)));
  printScores(result, `${found.map((f) => f.part).join(' + ')}, merged`);
  if (missing.length > 0) console.log(`Parts without a report yet: ${missing.join(', ')} (the overall goal applies once every part has one).`);
  process.exit(reportShortfalls(shortfalls(missing.length > 0 ? withoutOverall(result) : result)) ? 1 : 0);
}

const partIndex = args.indexOf('--part');
const part = partIndex === -1 ? undefined : args[partIndex + 1];
if (partIndex !== -1 && (part === undefined || !(part in PARTS))) {
  console.error(`--part takes one of: ${Object.keys(PARTS).join(', ')}.`);
  process.exit(2);
}
const strykerArgs = part === undefined ? args : [...args.filter((_, i) => i !== partIndex && i !== partIndex + 1), '--mutate', PARTS[part].join(',')];
const stryker = spawnSync(process.execPath, [join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', ...strykerArgs], {
  cwd: root,
  stdio: 'inherit',
  env: part === undefined ? process.env : { ...process.env, TORUS_MUTATION_PART: part },
});
if (stryker.status !== 0) process.exit(stryker.status ?? 1);

const report = part === undefined ? REPORT : join(PARTS_DIR, part, 'mutation.json');
const result = scores(JSON.parse(readFileSync(report, 'utf8')));
printScores(result, relative(root, report));
const partial = part !== undefined || args.some((arg) => arg === '--mutate' || arg === '-m' || arg.startsWith('--mutate='));
process.exit(reportShortfalls(shortfalls(partial ? withoutOverall(result) : result)) ? 1 : 0);

function withoutOverall(result) {
  return { ...result, overall: { ...result.overall, score: null } };
}
