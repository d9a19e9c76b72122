#!/usr/bin/env node
/**
 * `npm run mutation` ends here: reads Stryker's JSON report (test-output/mutation/mutation.json),
 * prints the mutation score per file and overall, and fails when the goals are missed: at least
 * 85 % for every file of main/core/ and 90 % overall (main/core/ and main/cli/ together).
 *
 * Score = detected / (detected + undetected), as Stryker counts it: killed and timed-out
 * mutants are detected, survivors and mutants no test reaches are not; mutants that do not
 * compile, and those marked equivalent in the source (`// Stryker disable … : reason`), are
 * left out.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPORT = join(root, 'test-output', 'mutation', 'mutation.json');
export const PARTS_DIR = join(root, 'test-output', 'mutation', 'parts');
export const GOALS = { coreFile: 85, overall: 90 };

/**
 * The whole run in parts that can run side by side (`npm run mutation -- --part NAME`): each
 * part mutates its own files and writes test-output/mutation/parts/NAME/mutation.json;
 * `npm run mutation -- --merge` scores them together. Together they are exactly the `mutate`
 * globs of stryker.config.mjs (test/mutation-setup.test.ts checks that).
 */
export const PARTS = {
  domain: ['main/core/domain/**/*.ts'],
  // The refresh path: the two files with the most mutants and the slowest tests to reach them.
  refresh: ['main/core/infra/session-client.ts', 'main/core/use-cases/tokens.ts'],
  'use-cases': ['main/core/use-cases/**/*.ts', '!main/core/use-cases/tokens.ts'],
  infra: ['main/core/infra/**/*.ts', '!main/core/infra/session-client.ts', 'main/core/*.ts'],
  cli: ['main/cli/**/*.ts'],
};

/** The parts' reports found on disk, oldest first: { part, path, report }. */
export function partReports(dir = PARTS_DIR) {
  if (!existsSync(dir)) return [];
  return Object.keys(PARTS)
    .map((part) => ({ part, path: join(dir, part, 'mutation.json') }))
    .filter(({ path }) => existsSync(path))
    .map(({ part, path }) => ({ part, path, mtimeMs: statSync(path).mtimeMs, report: JSON.parse(readFileSync(path, 'utf8')) }))
    .sort((a, b) => a.mtimeMs - b.mtimeMs)
    .map(({ part, path, report }) => ({ part, path, report }));
}

/** One report from several: every file's mutants from the last report (in the order given) that has the file. */
export function mergeReports(reports) {
  const files = {};
  for (const report of reports) Object.assign(files, report.files);
  return { files };
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Per-file counts and scores from a mutation-testing-report-schema report. */
export function scores(report) {
  const files = Object.entries(report.files).map(([path, file]) => {
    const count = (statuses) => file.mutants.filter((m) => statuses.has(m.status)).length;
    const detected = count(DETECTED);
    const undetected = count(UNDETECTED);
    const ignored = file.mutants.filter((m) => m.status === 'Ignored').length;
    return { path, detected, undetected, ignored, score: percent(detected, undetected) };
  });
  files.sort((a, b) => a.path.localeCompare(b.path));
  const detected = files.reduce((sum, f) => sum + f.detected, 0);
  const undetected = files.reduce((sum, f) => sum + f.undetected, 0);
  return { files, overall: { detected, undetected, score: percent(detected, undetected) } };
}

function percent(detected, undetected) {
  const valid = detected + undetected;
  return valid === 0 ? null : (100 * detected) / valid;
}

/** Goals missed: every main/core/ file at GOALS.coreFile, the whole at GOALS.overall (for a full run). */
export function shortfalls({ files, overall }, goals = GOALS) {
  const missed = files.filter((f) => f.path.startsWith('main/core/') && f.score !== null && f.score < goals.coreFile);
  const lines = missed.map((f) => `${f.path}: ${f.score.toFixed(1)} % (goal ${goals.coreFile} % for every core file)`);
  if (overall.score !== null && overall.score < goals.overall) lines.push(`overall: ${overall.score.toFixed(1)} % (goal ${goals.overall} %)`);
  return lines;
}

function format(score) {
  return score === null ? '    n/a' : `${score.toFixed(1).padStart(6)} %`;
}

/** The table: every file's score and counts, then the overall score. */
export function printScores(result, label = relative(root, REPORT)) {
  const width = Math.max(...result.files.map((f) => f.path.length), 7);
  console.log(`Mutation score (${label})`);
  console.log(`${'file'.padEnd(width)}   score   detected  undetected  equivalent`);
  for (const f of result.files) {
    console.log(
      `${f.path.padEnd(width)} ${format(f.score)} ${String(f.detected).padStart(9)} ${String(f.undetected).padStart(11)} ${String(f.ignored).padStart(11)}`,
    );
  }
  const { overall } = result;
  console.log(`${'overall'.padEnd(width)} ${format(overall.score)} ${String(overall.detected).padStart(9)} ${String(overall.undetected).padStart(11)}`);
}

/** Prints the missed goals; true when there were any. */
export function reportShortfalls(missed) {
  if (missed.length === 0) return false;
  console.error(`\nMutation goals missed:\n  ${missed.join('\n  ')}`);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = process.argv[2] ?? REPORT;
  const result = scores(JSON.parse(readFileSync(path, 'utf8')));
  printScores(result, relative(root, path));
  if (reportShortfalls(shortfalls(result))) process.exitCode = 1;
}
