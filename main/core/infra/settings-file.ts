import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  watch,
  writeSync,
  type FSWatcher,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TorusError, fileSystemError, fsErrorCode } from '../errors.js';
import { SETTINGS_VERSION, defaultSettings, describeIssues, migrate, settingsSchema, type Settings } from '../domain/settings-schema.js';
import { acquireLock, lockPath } from './file-lock.js';

/**
 * The one settings file (`config.json`) shared by the app, the CLI and every bot. It holds no
 * secret. Rules, each learnt the hard way:
 * - Reading never writes. Opening writes only when the file must change (a migration, or a
 *   damaged file moved aside), and then through the same coordinated write as everything else.
 * - Every write is a read-modify-write of the newest file content under a cross-process lock,
 *   so no process can put back an older copy over another's change (50 bots at once).
 * - Writes are atomic (temp file, fsync, rename): the file is never truncated or half-written,
 *   and a temp file left by a failed write is removed.
 * - A damaged file is moved aside with a backup and defaults are used: never a crash.
 * - File-system failures (disk full, read-only, permissions) are `filesystem` errors naming
 *   the folder.
 * The file is 0600 in a 0700 folder: it reveals which accounts and hooks a trader uses.
 */
export const SETTINGS_FILE = 'config.json';
/** The longest a settings write holds the lock (a few ms normally; a slow disk gets this long). */
const WRITE_LOCK_BOUND_MS = 10_000;
const STALE_TEMP_MS = 60_000;

export interface SettingsWarning {
  kind: 'corrupt-recovered' | 'newer-version';
  message: string;
  backupPath?: string;
}

type Inspection = { kind: 'missing' } | { kind: 'ok'; settings: Settings; migrated: boolean } | { kind: 'corrupt'; problem: string };

/**
 * Writes the whole settings text to `path` atomically (temp file, fsync, rename, the temp file
 * removed on failure), 0600. Called only under the settings lock with validated content. The
 * CLI uses `writeFileAtomic`; the app uses electron-store's writer (main/settings-writer.ts).
 */
export type SettingsWriter = (path: string, text: string) => void;

export interface SettingsFileOptions {
  dir: string;
  writer?: SettingsWriter;
  now?: () => number;
  log?: (line: string) => void;
  /** Poll interval while another process writes (tests with many processes keep the default). */
  lockPollMs?: number;
  /**
   * A settings file that cannot be read (permissions, a file where the folder should be, EIO):
   * 'throw' (the CLI: the command fails with exit 8) or 'use-defaults' (the app: it keeps
   * running on defaults and shows `readProblem`; writes still fail rather than overwrite it).
   */
  unreadable?: 'throw' | 'use-defaults';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

function inspect(text: string): Inspection {
  if (text.trim().length === 0) return { kind: 'missing' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'corrupt', problem: 'it is not valid JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'corrupt', problem: 'it is not a JSON object' };
  const record = raw as Record<string, unknown>;
  const version = typeof record.schemaVersion === 'number' ? record.schemaVersion : 0;
  if (version > SETTINGS_VERSION) return { kind: 'corrupt', problem: 'it was written by a newer version of Torus Token' };
  let migrated: Record<string, unknown>;
  try {
    migrated = migrate(record);
  } catch (error) {
    return { kind: 'corrupt', problem: error instanceof Error ? error.message : 'migration failed' };
  }
  const parsed = settingsSchema.safeParse(migrated);
  if (!parsed.success) return { kind: 'corrupt', problem: describeIssues(parsed.error) };
  return { kind: 'ok', settings: parsed.data, migrated: version !== SETTINGS_VERSION };
}

/** Windows reports EPERM/EBUSY while another process replaces the file: retry briefly. */
function withRetry<T>(run: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return run();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EAGAIN')) throw error;
      const until = Date.now() + attempt * 5;
      while (Date.now() < until) {
        // a few ms, synchronously: reads are synchronous
      }
    }
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Writes `text` to `path` atomically, 0600; on any failure the temp file is removed and the old file stays. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeAll(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    withRetry(() => renameSync(temp, path));
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    rmSync(temp, { force: true });
    throw error;
  }
  // The rename itself is durable only once the folder is synced (not possible on Windows).
  try {
    const dirFd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // best effort
  }
}

export class SettingsFile {
  readonly path: string;
  readonly dir: string;
  readonly warnings: SettingsWarning[] = [];
  /** The last write that failed (disk full, read-only…), until a write succeeds again. */
  writeProblem: TorusError | null = null;
  /** Why the file could not be read last time (only with `unreadable: 'use-defaults'`). */
  readProblem: TorusError | null = null;
  private readonly unreadable: 'throw' | 'use-defaults';
  private cache: { key: string; settings: Settings; migrated: boolean } | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly lockPollMs: number;
  private readonly writer: SettingsWriter;

  private constructor(options: SettingsFileOptions) {
    this.writer = options.writer ?? writeFileAtomic;
    this.dir = options.dir;
    this.path = join(options.dir, SETTINGS_FILE);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.lockPollMs = options.lockPollMs ?? 10;
    this.unreadable = options.unreadable ?? 'throw';
  }

  /**
   * Opens the settings without writing anything, unless the file needs a migration or must be
   * moved aside; that repair is a coordinated write, and when it cannot be written (full disk,
   * read-only folder) the settings are still usable in memory.
   */
  static async open(options: SettingsFileOptions): Promise<SettingsFile> {
    const file = new SettingsFile(options);
    let first: Inspection;
    try {
      first = file.inspectDisk();
    } catch (error) {
      if (file.unreadable === 'throw') throw error;
      file.readProblem = error as TorusError;
      return file;
    }
    if (first.kind === 'corrupt' || (first.kind === 'ok' && first.migrated)) {
      try {
        await file.update(() => undefined);
      } catch (error) {
        // The write's failure comes wrapped in a TorusError; the log wants the file system's code.
        const code = fsErrorCode(error instanceof TorusError ? error.cause : error) ?? 'error';
        file.log(`settings: could not repair or migrate the file (${code}); using it in memory`);
      }
    }
    return file;
  }

  private fileText(): { key: string; text: string } | null {
    let key: string;
    try {
      const stat = statSync(this.path);
      key = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fileSystemError(error, 'read the settings file', this.path);
    }
    // Stryker disable next-line ConditionalExpression,StringLiteral: a cache hit only skips the read; inspectDisk takes the cached settings for this key and never looks at the text
    if (this.cache?.key === key) return { key, text: '' };
    try {
      return { key, text: withRetry(() => readFileSync(this.path, 'utf8')) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fileSystemError(error, 'read the settings file', this.path, 'Check its permissions, then try again.');
    }
  }

  private inspectDisk(): Inspection & { key?: string } {
    const file = this.fileText();
    if (!file) return { kind: 'missing' };
    if (this.cache?.key === file.key) return { kind: 'ok', settings: this.cache.settings, migrated: this.cache.migrated, key: file.key };
    return { ...inspect(file.text), key: file.key };
  }

  /** The settings as they are on disk now (another process may have changed them). Never writes. */
  read(): Settings {
    let found: ReturnType<SettingsFile['inspectDisk']>;
    try {
      found = this.inspectDisk();
    } catch (error) {
      if (this.unreadable === 'throw') throw error;
      this.readProblem = error as TorusError;
      return deepFreeze(defaultSettings());
    }
    this.readProblem = null;
    if (found.kind === 'missing') return deepFreeze(defaultSettings());
    if (found.kind === 'corrupt') {
      // Repaired by the next write (or the next start); until then defaults keep things working.
      this.warnOnce({ kind: 'corrupt-recovered', message: `The settings file is damaged (${found.problem}). Defaults are in use until it is repaired.` });
      return deepFreeze(defaultSettings());
    }
    const settings = deepFreeze(found.settings);
    if (found.key !== undefined) this.cache = { key: found.key, settings, migrated: found.migrated };
    return settings;
  }

  /**
   * Applies `mutate` to the newest settings under the cross-process lock, validates the result
   * and writes it atomically; nothing is written when nothing changed. `mutate` may throw to
   * abort (nothing is written then).
   */
  async update(mutate: (draft: Settings) => void): Promise<Settings> {
    this.ensureFolder();
    let lock;
    try {
      lock = await acquireLock(lockPath(this.dir, SETTINGS_FILE), { boundMs: WRITE_LOCK_BOUND_MS, pollMs: this.lockPollMs });
    } catch (error) {
      throw this.writeFailed(error);
    }
    try {
      const found = this.inspectDisk();
      let current: Settings;
      let mustWrite = false;
      if (found.kind === 'corrupt') {
        this.moveAside(found.problem);
        current = defaultSettings();
        mustWrite = true;
      } else if (found.kind === 'missing') {
        current = defaultSettings();
      } else {
        current = found.settings;
        mustWrite = found.migrated;
      }
      const draft = structuredClone(current) as Settings;
      mutate(draft);
      const parsed = settingsSchema.safeParse(draft);
      if (!parsed.success) throw new TorusError('invalid-input', `That setting is not valid: ${describeIssues(parsed.error)}.`);
      const next = parsed.data;
      if (!mustWrite && JSON.stringify(next) === JSON.stringify(current)) return current;
      try {
        this.writer(this.path, `${JSON.stringify(next, null, 2)}\n`);
      } catch (error) {
        throw this.writeFailed(error);
      }
      this.writeProblem = null;
      this.cache = null;
      this.removeStaleTemps();
      for (const listener of this.listeners) listener();
      return deepFreeze(next);
    } finally {
      lock.release();
    }
  }

  /** Changes written through this object (this process). */
  onChange(callback: () => void): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /**
   * Changes written by another process (the CLI while the app runs). Watches the folder, not
   * the file: writes are atomic renames, which a file watch loses track of. Event-driven
   * (inotify, FSEvents, ReadDirectoryChangesW): no polling while nothing happens.
   */
  onExternalChange(callback: () => void, debounceMs = 150): () => void {
    const name = basename(this.path);
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher;
    try {
      watcher = watch(this.dir, { persistent: false }, (_event, filename) => {
        if (filename !== null && filename !== name) return;
        clearTimeout(timer);
        timer = setTimeout(callback, debounceMs);
      });
    } catch {
      return () => undefined; // no watcher available: the app still re-reads on every use
    }
    watcher.on('error', () => watcher.close());
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }

  private ensureFolder(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // An existing folder made by an older version (or by hand) may be readable by others.
      if ((statSync(this.dir).mode & 0o077) !== 0 && process.platform !== 'win32') chmodSync(this.dir, 0o700);
    } catch (error) {
      throw this.writeFailed(error);
    }
  }

  private writeFailed(error: unknown): TorusError {
    if (error instanceof TorusError) return error;
    if (fsErrorCode(error) === undefined) throw error;
    const problem = fileSystemError(
      error,
      'write the settings folder',
      this.dir,
      'Free some space or fix its permissions; your token and credentials in the keychain are safe.',
    );
    this.writeProblem = problem;
    return problem;
  }

  private moveAside(problem: string): void {
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    const backupPath = join(this.dir, `config.corrupt-${stamp}.json`);
    try {
      renameSync(this.path, backupPath);
    } catch (error) {
      throw this.writeFailed(error);
    }
    this.warnings.push({
      kind: 'corrupt-recovered',
      backupPath,
      message: `The settings file was damaged (${problem}). It was moved to ${backupPath} and defaults were loaded; your keychain entries are untouched, so re-adding the profile restores access.`,
    });
  }

  private warnOnce(warning: SettingsWarning): void {
    if (!this.warnings.some((w) => w.message === warning.message)) this.warnings.push(warning);
  }

  /** Temp files of writes that crashed mid-way (a failing write removes its own at once). */
  private removeStaleTemps(): void {
    try {
      const prefix = `.${SETTINGS_FILE}.`;
      for (const name of readdirSync(this.dir)) {
        if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
        const path = join(this.dir, name);
        // Real time: compared with the file's mtime, not with the (possibly simulated) clock.
        if (Date.now() - statSync(path).mtimeMs > STALE_TEMP_MS) rmSync(path, { force: true });
      }
    } catch {
      // best effort
    }
  }
}
