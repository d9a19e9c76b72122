import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cliExecutablePath } from '../scripts/cli-target.mjs';
import { cliCommand, ensureBuilt } from './helpers/cli-runner.js';

/**
 * The CLI test suites again, against the single executable that `npm run package:cli` builds
 * (for traders without Node): the same spawned runs, keychain and simulator, through
 * TORUS_TOKEN_CLI (test/helpers/cli-runner.ts). `npm test` builds the executable first.
 */
const exe = (process.env.TORUS_TOKEN_CLI ??= cliExecutablePath());

await import('./cli.test.js');
await import('./cli-scripting.test.js');

describe('the single executable', () => {
  it('is what these runs start, and it needs no Node.js: it works with no node on PATH', () => {
    ensureBuilt();
    expect(cliCommand(['get'])).toEqual({ file: exe, args: ['get'] });
    const run = spawnSync(exe, ['profiles', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: '/nonexistent', TORUS_TOKEN_CONFIG_DIR: join(dirname(exe), '.no-such-config') },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('ships with keytar.node beside it and SHA-256 sums that match', () => {
    const addon = join(dirname(exe), 'keytar.node');
    expect(existsSync(addon)).toBe(true);
    const sums = readFileSync(exe.replace(/\.exe$/, '') + '.sha256', 'utf8')
      .trim()
      .split('\n');
    const listed = new Map(sums.map((line) => [line.slice(66), line.slice(0, 64)]));
    for (const file of [exe, addon]) {
      expect(listed.get(basename(file)), basename(file)).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    }
  });
});
