import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { lintWorkflow, workflowFiles, WORKFLOWS_DIR } from '../scripts/lint-workflows.mjs';

/**
 * The release workflow cannot run here. It is checked with actionlint (the same check as
 * `npm run lint:workflows`), and for what a release needs: installers and the CLI built and
 * tested on each system, every signing secret documented.
 */
const file = join(WORKFLOWS_DIR, 'release.yml');
const text = readFileSync(file, 'utf8');

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  needs?: string[];
  steps: Step[];
  permissions?: Record<string, string>;
}
const workflow = parse(text) as { on: { push: { tags: string[] } }; jobs: Record<string, Job> };

describe('release workflow', () => {
  it('passes actionlint, as every workflow must', async () => {
    const files = workflowFiles();
    expect(files).toContain(file);
    for (const path of files) expect(await lintWorkflow(readFileSync(path, 'utf8'), path), path).toEqual([]);
  });

  it('the linter has teeth: a bad expression, an unknown runner, a missing job, a wrong action input are caught', async () => {
    const broken: Array<[string, string]> = [
      ['an unclosed expression', text.replace('${{ github.ref_name }}', '${{ github.ref_name }')],
      ['an unknown runner', text.replace('runs-on: windows-latest', 'runs-on: windows-lastest')],
      ['a missing job', text.replace('needs: [linux, macos, windows]', 'needs: [linux, macos, windwos]')],
      ['an unknown action input', text.replace('merge-multiple: true', 'merge-multiples: true')],
      ['an unknown context property', text.replace("startsWith(github.ref, 'refs/tags/v')", "startsWith(github.reff, 'refs/tags/v')")],
    ];
    for (const [what, variant] of broken) {
      expect(variant, what).not.toBe(text);
      expect((await lintWorkflow(variant, 'release.yml')).length, what).toBeGreaterThan(0);
    }
  });

  it('builds and tests on Linux, macOS and Windows: installers, and the CLI tested through the executable', () => {
    expect(workflow.on.push.tags).toEqual(['v*']);
    const runners = Object.fromEntries(Object.entries(workflow.jobs).map(([name, job]) => [name, job['runs-on']]));
    expect(runners).toMatchObject({ linux: 'ubuntu-latest', macos: 'macos-latest', windows: 'windows-latest' });
    for (const name of ['linux', 'macos', 'windows']) {
      const runs = workflow.jobs[name]!.steps.map((step) => step.run ?? '').join('\n');
      // Tests: the whole suite on Linux (as CI), the CLI suites against the executable elsewhere.
      expect(runs, name).toMatch(name === 'linux' ? /bash \.ci\/run/ : /vitest run .*test\/cli-executable\.test\.ts/);
      expect(runs, name).toMatch(/electron-builder --(linux|mac|win) --publish never/);
      expect(runs, name).toContain('scripts/package-cli.mjs --archive-only');
      const upload = workflow.jobs[name]!.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'));
      expect(String(upload?.with?.['path'])).toMatch(/release\/cli\/\*\.(tar\.gz|zip)/);
      expect(String(upload?.with?.['path'])).toContain('release/cli/*.sha256');
    }
    // .ci/run (the Linux job) builds the executable and runs the CLI suite against it in npm test.
    const pkg = JSON.parse(readFileSync(join(WORKFLOWS_DIR, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test']).toMatch(/npm run package:cli && .*vitest run/);
    expect(pkg.scripts['test']).toContain('npm run lint:workflows');
    const release = workflow.jobs['release']!;
    expect(release.needs).toEqual(['linux', 'macos', 'windows']);
    expect(release.permissions).toEqual({ contents: 'write' });
  });

  it('documents every secret it uses in its header', () => {
    const header = text.slice(0, text.indexOf('\nname:'));
    const used = new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(5);
    for (const secret of used) expect(header, secret).toMatch(new RegExp(`#\\s+${secret}\\s`));
  });
});
