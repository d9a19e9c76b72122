import { existsSync, readFileSync, renameSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Conf from 'conf';
import { settingsSchema, describeIssues, defaultSettings, SETTINGS_VERSION, type Settings } from './settings-schema.js';
import { SETTINGS_FILE_NAME } from './paths.js';

/**
 * Non-secret settings in one JSON file shared by the app (electron-store) and the CLI (conf):
 * electron-store is conf underneath, so both read and write the same file the same way
 * (atomic writes). We validate with our own schema on every read, migrate old versions, and
 * move a corrupt file aside instead of crashing or silently losing it.
 */
export interface ConfLike {
  store: Record<string, unknown>;
  readonly path: string;
  onDidAnyChange(callback: () => void): () => void;
}

export type ConfFactory = (options: { cwd: string; configName: string }) => ConfLike;

export const confFactory: ConfFactory = ({ cwd, configName }) =>
  new Conf<Record<string, unknown>>({ cwd, configName, projectName: 'torus-token', clearInvalidConfig: false }) as unknown as ConfLike;

export interface SettingsWarning {
  kind: 'corrupt-recovered';
  message: string;
  backupPath: string;
}

type Migration = (raw: Record<string, unknown>) => Record<string, unknown>;
/** migrations[n] upgrades a version-n file to n+1. Version 0 is a file without schemaVersion. */
const migrations: Record<number, Migration> = {
  0: (raw) => ({ ...raw, schemaVersion: 1 }),
};

export function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  let current = raw;
  let version = typeof current.schemaVersion === 'number' ? current.schemaVersion : 0;
  while (version < SETTINGS_VERSION) {
    const step = migrations[version];
    if (!step) throw new Error(`no migration from settings version ${version}`);
    current = step(current);
    version++;
  }
  return current;
}

function backupName(filePath: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  return filePath.replace(/\.json$/, '') + `.corrupt-${stamp}.json`;
}

const READ_ATTEMPTS = 3;

/**
 * Runs a read of the settings file, retrying a failure to *read* it a few times: another
 * process (the CLI or the app) may be replacing it that very moment (Windows reports
 * EPERM/EBUSY then). Only content that cannot be parsed is "corrupt"; a file that cannot be
 * read at all is an error, never a reason to move the user's settings aside.
 */
function readWithRetry<T>(read: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return read();
    } catch (error) {
      if (error instanceof SyntaxError || attempt >= READ_ATTEMPTS) throw error;
    }
  }
}

function unreadable(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return new Error(`The settings file could not be read (${typeof code === 'string' ? code : 'read error'}). Check its permissions, then try again.`, {
    cause: error,
  });
}

/** Reads and validates the file as it is on disk; describes the problem when it is bad. */
function inspect(filePath: string): { ok: true; settings: Settings | undefined } | { ok: false; problem: string } {
  if (!existsSync(filePath)) return { ok: true, settings: undefined };
  let text: string;
  try {
    text = readWithRetry(() => readFileSync(filePath, 'utf8'));
  } catch (error) {
    throw unreadable(error);
  }
  if (text.trim().length === 0) return { ok: true, settings: undefined };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'it is not valid JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, problem: 'it is not a JSON object' };
  if (typeof (raw as Record<string, unknown>).schemaVersion === 'number' && ((raw as Record<string, unknown>).schemaVersion as number) > SETTINGS_VERSION) {
    return { ok: false, problem: 'it was written by a newer version of Torus Token' };
  }
  let migrated: Record<string, unknown>;
  try {
    migrated = migrate(raw as Record<string, unknown>);
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : 'migration failed' };
  }
  const parsed = settingsSchema.safeParse(migrated);
  if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error) };
  return { ok: true, settings: parsed.data };
}

export class SettingsStore {
  private constructor(
    private readonly conf: ConfLike,
    readonly warnings: SettingsWarning[],
    private readonly now: () => number,
  ) {}

  static open(options: { dir: string; factory?: ConfFactory; now?: () => number }): SettingsStore {
    const now = options.now ?? Date.now;
    const filePath = join(options.dir, `${SETTINGS_FILE_NAME}.json`);
    const warnings: SettingsWarning[] = [];
    const checked = inspect(filePath);
    let initial: Settings;
    if (!checked.ok) {
      const backupPath = backupName(filePath, now());
      renameSync(filePath, backupPath);
      warnings.push({
        kind: 'corrupt-recovered',
        backupPath,
        message: `The settings file was damaged (${checked.problem}). It was moved to ${backupPath} and defaults were loaded; your keychain entries are untouched, so re-adding the profile restores access.`,
      });
      initial = defaultSettings();
    } else {
      initial = checked.settings ?? defaultSettings();
      // A blank file holds nothing, but conf cannot parse it: remove it so defaults are written.
      if (checked.settings === undefined && existsSync(filePath)) unlinkSync(filePath);
    }
    const conf = (options.factory ?? confFactory)({ cwd: options.dir, configName: SETTINGS_FILE_NAME });
    conf.store = initial as unknown as Record<string, unknown>;
    return new SettingsStore(conf, warnings, now);
  }

  get path(): string {
    return this.conf.path;
  }

  /** A validated snapshot. Another process (CLI/app) may have rewritten the file; a bad write from it is repaired here too. */
  get(): Settings {
    let raw: Record<string, unknown>;
    try {
      raw = migrateSafe(readWithRetry(() => this.conf.store));
    } catch (error) {
      // Not JSON any more: corrupt (handled below). Not readable at all: an error, and the
      // file stays where it is.
      if (!(error instanceof SyntaxError)) throw unreadable(error);
      raw = { schemaVersion: 'unreadable' };
    }
    const parsed = settingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const backupPath = backupName(this.conf.path, this.now());
    try {
      renameSync(this.conf.path, backupPath);
    } catch {
      // Nothing to move aside; defaults are written below.
    }
    this.warnings.push({
      kind: 'corrupt-recovered',
      backupPath,
      message: `The settings file became invalid (${describeIssues(parsed.error)}). It was moved to ${backupPath} and defaults were loaded.`,
    });
    const fresh = defaultSettings();
    this.conf.store = fresh as unknown as Record<string, unknown>;
    return fresh;
  }

  /** Applies a change to a copy, validates the result, and writes it atomically. */
  update(mutate: (draft: Settings) => void): Settings {
    const draft = structuredClone(this.get());
    mutate(draft);
    const next = settingsSchema.parse(draft);
    this.conf.store = next as unknown as Record<string, unknown>;
    return next;
  }

  /** Changes made through this store (in this process). */
  onChange(callback: () => void): () => void {
    return this.conf.onDidAnyChange(callback);
  }

  /**
   * Changes written by another process (the CLI while the app runs). Watches the folder, not
   * the file: writes are atomic renames, which a file watch loses track of. Event-driven
   * (inotify, FSEvents, ReadDirectoryChangesW): no polling while nothing happens.
   */
  onExternalChange(callback: () => void, debounceMs = 150): () => void {
    const name = basename(this.conf.path);
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher;
    try {
      watcher = watch(dirname(this.conf.path), { persistent: false }, (_event, filename) => {
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
}

function migrateSafe(raw: Record<string, unknown>): Record<string, unknown> {
  try {
    return migrate(raw);
  } catch {
    return raw;
  }
}
