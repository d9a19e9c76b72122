#!/usr/bin/env node
/**
 * Security scan of the Electron code with @doyensec/electronegativity, fully offline.
 *
 *   node scripts/security-scan.mjs [--verbose] [--json]
 *
 * - Scans the TypeScript sources of main/ and preload/ (and renderer/ when it exists; .ts,
 *   .js and .html files) together, in one run, so the global checks (CSP, navigation limits,
 *   permission handler) see the whole app. Electronegativity parses TypeScript itself.
 * - Offline: electronegativity's only network uses (translations download, Electron release
 *   list) go through `got`, which is replaced by a stub that never touches the network; the
 *   check that needs the release list (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK) is skipped, as
 *   the Electron version is pinned in package.json and upgraded deliberately.
 * - Fails (exit 1) on any finding not in scripts/security-scan-allowlist.json (each entry
 *   needs a written justification), on any file the scanner could not parse (it would be
 *   silently unchecked), and on `eng-disable` annotations in the sources (exceptions belong in
 *   the allowlist, with a reason, not in comments).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const verbose = args.has('--verbose');
const asJson = args.has('--json');

export const SCAN_DIRS = ['main', 'preload', 'renderer'];
export const SKIPPED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
const SCANNED_EXTENSIONS = /\.(ts|tsx|js|mjs|cjs|html|htm)$/;
const ALLOWLIST_PATH = join(root, 'scripts', 'security-scan-allowlist.json');
const MIN_JUSTIFICATION = 30;

// ---------------------------------------------------------------------------------------------
// Offline: stub `got` before electronegativity loads it.

const blockedRequests = [];
function installOfflineGot() {
  const scannerMain = require.resolve('@doyensec/electronegativity');
  const gotPath = createRequire(scannerMain).resolve('got');
  const offline = (url) => {
    blockedRequests.push(String(url));
    // A 404 makes the translations loader keep its bundled English strings, quietly.
    return Promise.resolve({ statusCode: 404, body: '{}', headers: {} });
  };
  const refuse = (url) => {
    blockedRequests.push(String(url));
    return Promise.reject(new Error('security-scan: network access is disabled'));
  };
  const got = Object.assign(offline, { get: offline, head: refuse, post: refuse, stream: refuse, extend: () => got });
  const stub = new Module(gotPath);
  stub.filename = gotPath;
  stub.loaded = true;
  stub.exports = Object.assign(got, { default: got });
  require.cache[gotPath] = stub;
}

// ---------------------------------------------------------------------------------------------

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (SCANNED_EXTENSIONS.test(entry.name)) out.push(path);
  }
  return out;
}

/** Copies the scanned folders (and package.json) into a temporary tree. */
function stageSources() {
  const stage = mkdtempSync(join(tmpdir(), 'torus-security-scan-'));
  const dirs = SCAN_DIRS.filter((d) => existsSync(join(root, d)) && statSync(join(root, d)).isDirectory());
  const files = [];
  for (const dir of dirs) {
    for (const file of listFiles(join(root, dir))) {
      const rel = relative(root, file);
      cpSync(file, join(stage, rel));
      files.push(rel.split(sep).join('/'));
    }
  }
  writeFileSync(join(stage, 'package.json'), readFileSync(join(root, 'package.json')));
  return { stage, dirs, files };
}

function loadAllowlist() {
  const raw = JSON.parse(readFileSync(ALLOWLIST_PATH, 'utf8'));
  const entries = Array.isArray(raw.entries) ? raw.entries : [];
  const problems = [];
  entries.forEach((entry, i) => {
    if (typeof entry.id !== 'string' || entry.id === '') problems.push(`allowlist entry ${i}: "id" is missing`);
    if (typeof entry.justification !== 'string' || entry.justification.trim().length < MIN_JUSTIFICATION) {
      problems.push(`allowlist entry ${i} (${entry.id}): a written justification (at least ${MIN_JUSTIFICATION} characters) is required`);
    }
  });
  return { entries, problems };
}

/** An entry matches by check id, and by file and sample text when it names them. */
function allowedBy(entries, finding) {
  return entries.find(
    (e) =>
      e.id === finding.id &&
      (e.file === undefined || e.file === finding.file) &&
      (e.sampleContains === undefined || (finding.sample ?? '').includes(e.sampleContains)),
  );
}

function findEngDisable(stage, files) {
  const found = [];
  for (const file of files) {
    const lines = readFileSync(join(stage, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/eng-disable/i.test(line))
        found.push({
          id: 'ENG_DISABLE_ANNOTATION',
          file,
          location: { line: i + 1, column: 0 },
          sample: line.trim(),
          description: 'An inline eng-disable annotation hides findings; use the allowlist with a justification instead.',
          severity: { name: 'HIGH' },
          confidence: { name: 'CERTAIN' },
        });
    });
  }
  return found;
}

function shortFinding(f) {
  return {
    id: f.id,
    file: f.file,
    line: f.location ? `${f.location.line}:${f.location.column}` : '',
    severity: f.severity?.name ?? '',
    confidence: f.confidence?.name ?? '',
    description: f.description ?? '',
    sample: (f.sample ?? '').slice(0, 160),
  };
}

export async function runScan() {
  installOfflineGot();
  // Deterministic English messages whatever the machine's locale.
  process.env.LANG = 'en-US';
  const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const run = require('@doyensec/electronegativity');
  const { stage, dirs, files } = stageSources();
  try {
    const result = await run({
      input: stage,
      isRelative: true,
      electronVersion,
      excludeFromScan: SKIPPED_CHECKS,
      severitySet: 'informational',
      confidenceSet: 'tentative',
    });
    const findings = [...result.issues.map((issue) => ({ ...issue, file: String(issue.file).split(sep).join('/') })), ...findEngDisable(stage, files)];
    const parseErrors = result.errors.filter((e) => !e.tolerable).map((e) => ({ file: relative(stage, e.file).split(sep).join('/'), message: e.message }));
    return { electronVersion, dirs, files, checks: { global: result.globalChecks, atomic: result.atomicChecks }, findings, parseErrors };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function main() {
  const { entries, problems } = loadAllowlist();
  const scan = await runScan();
  const allowed = [];
  const unexplained = [];
  const used = new Set();
  for (const finding of scan.findings) {
    const entry = allowedBy(entries, finding);
    if (entry) {
      used.add(entry);
      allowed.push({ ...shortFinding(finding), justification: entry.justification });
    } else unexplained.push(shortFinding(finding));
  }
  const unused = entries.filter((e) => !used.has(e));
  const failed = unexplained.length > 0 || scan.parseErrors.length > 0 || problems.length > 0;

  if (asJson) {
    console.log(
      JSON.stringify(
        { ...scan, findings: undefined, allowed, unexplained, unusedAllowlistEntries: unused, allowlistProblems: problems, blockedRequests, ok: !failed },
        null,
        2,
      ),
    );
  } else {
    console.log(
      `security: electronegativity over ${scan.dirs.join(', ')} (${scan.files.length} files, Electron ${scan.electronVersion}, ${scan.checks.atomic} atomic + ${scan.checks.global} global checks; skipped: ${SKIPPED_CHECKS.join(', ')}; offline)`,
    );
    if (verbose) for (const f of scan.files) console.log(`  scanned ${f}`);
    for (const a of allowed) console.log(`  allowed  ${a.id} ${a.file}:${a.line} — ${a.justification}`);
    for (const e of unused) console.warn(`  warning: allowlist entry ${e.id}${e.file ? ` (${e.file})` : ''} matched nothing; remove it`);
    for (const p of problems) console.error(`  ${p}`);
    for (const p of scan.parseErrors) console.error(`  could not parse ${p.file} (so it was not checked): ${p.message}`);
    for (const u of unexplained) {
      console.error(
        `  FINDING  ${u.id} [${u.severity}/${u.confidence}] ${u.file}:${u.line}\n           ${u.description}${u.sample ? `\n           ${u.sample}` : ''}`,
      );
    }
    if (verbose && blockedRequests.length > 0) console.log(`  (kept offline: ${blockedRequests.length} network request(s) answered locally)`);
    if (failed) console.error(`security: FAILED — ${unexplained.length} unexplained finding(s), ${scan.parseErrors.length} unparsed file(s)`);
    else console.log(`security: OK — ${allowed.length} allowlisted finding(s), none unexplained`);
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(`security: the scan itself failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  });
}
