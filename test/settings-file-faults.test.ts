import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import * as realFs from 'node:fs';
import { join } from 'node:path';

/**
 * File-system faults injected at every step of a settings write (lock file, temp file, write,
 * fsync, rename, folder creation), for each code a trader's machine can produce. Whatever
 * fails: a `filesystem` error naming the folder and the cause in plain words, the old file
 * untouched, no temp file left behind, reads still working, and the next write clears the
 * problem. (test/fs-faults-tmpfs.test.ts does the same on a real full / read-only file system.)
 */
type Step = 'mkdirSync' | 'openSync' | 'writeSync' | 'fsyncSync' | 'renameSync';
const fault: { step: Step | null; code: string; match: (path: string) => boolean; times: number } = {
  step: null,
  code: 'ENOSPC',
  match: () => true,
  times: Number.POSITIVE_INFINITY,
};
const fds = new Map<number, string>();
/** Calls of each step on a matching path while a fault is set (failed or not). */
const calls = new Map<Step, number>();

function maybeFail(step: Step, path: string): void {
  if (fault.step !== step || !fault.match(path)) return;
  calls.set(step, (calls.get(step) ?? 0) + 1);
  if (fault.times <= 0) return;
  fault.times--;
  throw Object.assign(new Error(`${fault.code}: injected, ${step} '${path}'`), { code: fault.code, path });
}

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof realFs>();
  return {
    ...actual,
    mkdirSync: (path: string, ...rest: unknown[]) => {
      maybeFail('mkdirSync', String(path));
      return (actual.mkdirSync as (...a: unknown[]) => unknown)(path, ...rest);
    },
    openSync: (path: string, flags: string, mode?: number) => {
      if (flags === 'wx') maybeFail('openSync', String(path));
      const fd = actual.openSync(path, flags, mode);
      fds.set(fd, String(path));
      return fd;
    },
    writeSync: (fd: number, ...rest: unknown[]) => {
      maybeFail('writeSync', fds.get(fd) ?? '');
      return (actual.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
    fsyncSync: (fd: number) => {
      maybeFail('fsyncSync', fds.get(fd) ?? '');
      return actual.fsyncSync(fd);
    },
    renameSync: (from: string, to: string) => {
      maybeFail('renameSync', String(to));
      return actual.renameSync(from, to);
    },
  };
});

const { SettingsFile } = await import('../main/core/infra/settings-file.js');
const { TorusError } = await import('../main/core/errors.js');
const { tempDir, rejectionOf } = await import('./helpers/core-fixtures.js');

const CODES: Array<[string, RegExp]> = [
  ['ENOSPC', /no space left on the device \(ENOSPC\)/],
  ['EROFS', /the file system is read-only \(EROFS\)/],
  ['EACCES', /permission denied \(EACCES\)/],
  ['EPERM', /the operation is not permitted \(EPERM\)/],
  ['EIO', /an input\/output error .* \(EIO\)/],
];
const isSettingsWrite = (path: string) => path.includes('config.json') && !path.endsWith('.lock');
const STEPS: Array<[Step, (path: string) => boolean]> = [
  ['openSync', isSettingsWrite],
  ['writeSync', isSettingsWrite],
  ['fsyncSync', isSettingsWrite],
  ['renameSync', (p) => p.endsWith('config.json')],
  ['openSync', (p) => p.endsWith('.lock')], // the lock file itself cannot be created
];

let dir: ReturnType<typeof tempDir>;

beforeEach(() => {
  dir = tempDir('torus-faults');
  fault.step = null;
  fault.times = Number.POSITIVE_INFINITY;
  calls.clear();
});

afterEach(() => {
  fault.step = null;
  dir.remove();
});

describe.each(CODES)('%s while writing the settings', (code, plainWords) => {
  it.each(STEPS)(
    'at %s: a filesystem error naming the folder; the old file intact; no temp file; reads still work; the next write recovers',
    async (step, match) => {
      const store = await SettingsFile.open({ dir: dir.path });
      await store.update((d) => void (d.clipboard.autoClearSeconds = 11));
      const path = join(dir.path, 'config.json');
      const before = realFs.readFileSync(path);

      Object.assign(fault, { step, code, match });
      const error = await rejectionOf(() => store.update((d) => void (d.clipboard.autoClearSeconds = 22)));
      fault.step = null;

      expect(error).toBeInstanceOf(TorusError);
      const e = error as InstanceType<typeof TorusError>;
      expect(e.kind).toBe('filesystem');
      expect(e.message).toContain(`Could not write the settings folder ${dir.path}`);
      expect(e.message).toMatch(plainWords);
      expect(e.message).toMatch(/keychain are safe/);
      expect(realFs.readFileSync(path).equals(before)).toBe(true);
      expect(realFs.readdirSync(dir.path).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);
      expect(store.read().clipboard.autoClearSeconds).toBe(11);
      expect(store.writeProblem?.message).toBe(e.message);

      await store.update((d) => void (d.clipboard.autoClearSeconds = 33));
      expect(store.read().clipboard.autoClearSeconds).toBe(33);
      expect(store.writeProblem).toBeNull();
    },
  );
});

it('a folder that cannot be created is a filesystem error too (first run on a read-only home)', async () => {
  const store = await SettingsFile.open({ dir: join(dir.path, 'new', 'Torus Token') });
  Object.assign(fault, { step: 'mkdirSync', code: 'EROFS', match: () => true });
  const error = await rejectionOf(() => store.update((d) => void (d.activeProfileId = null)));
  expect((error as InstanceType<typeof TorusError>).kind).toBe('filesystem');
  expect((error as Error).message).toMatch(/read-only \(EROFS\)/);
});

it('a damaged file that cannot be moved aside stays where it is, and the error says why', async () => {
  const path = join(dir.path, 'config.json');
  realFs.writeFileSync(path, '{ not json');
  Object.assign(fault, { step: 'renameSync', code: 'EACCES', match: () => true });
  const store = await SettingsFile.open({ dir: dir.path }); // the repair fails: opened in memory
  expect(store.read().profiles).toEqual([]);
  expect(realFs.readFileSync(path, 'utf8')).toBe('{ not json');
  const error = await rejectionOf(() => store.update((d) => void (d.activeProfileId = null)));
  expect((error as Error).message).toMatch(/permission denied \(EACCES\)/);
});

describe('a file another process holds open for a moment (Windows: EBUSY, EPERM while it is replaced)', () => {
  it.each(['EBUSY', 'EPERM', 'EAGAIN'])('%s twice, then free: the write lands on the third try', async (code) => {
    const store = await SettingsFile.open({ dir: dir.path });
    Object.assign(fault, { step: 'renameSync', code, match: (p: string) => p.endsWith('config.json'), times: 2 });
    await store.update((d) => void (d.hookTimeoutSeconds = 42));
    expect(calls.get('renameSync')).toBe(3);
    expect(store.read().hookTimeoutSeconds).toBe(42);
    expect(store.writeProblem).toBeNull();
  });

  it('still held after 5 tries: the write fails with that code, and the old file stays', async () => {
    const store = await SettingsFile.open({ dir: dir.path });
    await store.update((d) => void (d.hookTimeoutSeconds = 11));
    Object.assign(fault, { step: 'renameSync', code: 'EPERM', match: (p: string) => p.endsWith('config.json') });
    const error = await rejectionOf(() => store.update((d) => void (d.hookTimeoutSeconds = 42)));
    expect(calls.get('renameSync')).toBe(5);
    expect((error as Error).message).toMatch(/\(EPERM\)/);
    fault.step = null;
    expect(store.read().hookTimeoutSeconds).toBe(11);
  });

  it('a full disk is not retried: it will not free itself in milliseconds', async () => {
    const store = await SettingsFile.open({ dir: dir.path });
    Object.assign(fault, { step: 'renameSync', code: 'ENOSPC', match: (p: string) => p.endsWith('config.json') });
    await rejectionOf(() => store.update((d) => void (d.hookTimeoutSeconds = 42)));
    expect(calls.get('renameSync')).toBe(1);
  });
});

describe('temp files left by a write that crashed mid-way', () => {
  it('are removed by the next write once they are a minute old; a fresh one (a write in progress elsewhere) is left alone', async () => {
    const store = await SettingsFile.open({ dir: dir.path });
    const old = join(dir.path, '.config.json.4242.deadbeef.tmp');
    const fresh = join(dir.path, '.config.json.4343.cafebabe.tmp');
    const unrelated = join(dir.path, '.other.json.4242.deadbeef.tmp');
    for (const path of [old, fresh, unrelated]) realFs.writeFileSync(path, '{}');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    realFs.utimesSync(old, twoMinutesAgo, twoMinutesAgo);
    realFs.utimesSync(unrelated, twoMinutesAgo, twoMinutesAgo);
    await store.update((d) => void (d.hookTimeoutSeconds = 12));
    expect(realFs.existsSync(old)).toBe(false);
    expect(realFs.existsSync(fresh)).toBe(true);
    expect(realFs.existsSync(unrelated)).toBe(true);
  });
});
