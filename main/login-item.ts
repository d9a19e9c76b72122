import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { App } from 'electron';
import type { LoginItemView } from '../preload/contract.js';

/**
 * Start at login, honestly reported (see ../shared/desktop-pitfalls.md, "Start at login").
 * - macOS and Windows: Electron's login item settings, launching with `--hidden`. macOS 13+
 *   can answer `requires-approval`: that is reported as off, with what to do.
 * - Linux: `setLoginItemSettings` does nothing there, so an XDG autostart entry is written
 *   (`$XDG_CONFIG_HOME/autostart/torus-token-app.desktop`, launching `$APPIMAGE` when set) and
 *   removed to turn it off. The app's Linux executable is `torus-token-app` (`torus-token` is the
 *   command-line tool); versions before that wrote `torus-token.desktop` launching
 *   `…/torus-token`: such an entry is moved to the new name on start, so an upgrade keeps
 *   start at login working instead of launching a file that is gone (or the CLI).
 * - A development build (not packaged) would register the bare Electron binary: unsupported.
 */
export const HIDDEN_ARG = '--hidden';
export const AUTOSTART_FILE_NAME = 'torus-token-app.desktop';
/** The entry and executable names of versions whose Linux executable was called `torus-token`. */
export const LEGACY_AUTOSTART_FILE_NAME = 'torus-token.desktop';
export const LEGACY_EXECUTABLE_NAME = 'torus-token';

export const LOGIN_ITEM_NOTES = {
  development: 'Start at login works in the installed app, not in development.',
  unsupportedPlatform: 'Start at login is not available on this system.',
  requiresApproval: 'Approve Torus Token in System Settings → General → Login Items.',
  disabledInTaskManager: 'Torus Token is turned off in Task Manager → Startup apps. Turn it on there.',
  disabledInDesktop: 'Torus Token is turned off in your desktop’s startup applications settings.',
  otherCopy: 'Start at login points to another copy of Torus Token. Turn it off and on again to use this one.',
} as const;

export type LoginItemApp = Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;

export interface LoginItemDeps {
  app: LoginItemApp;
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  execPath: string;
  isPackaged: boolean;
}

export interface LoginItem {
  get(): LoginItemView;
  set(enabled: boolean): LoginItemView;
}

const view = (supported: boolean, enabled: boolean, note: string | null = null): LoginItemView => ({ supported, enabled, note });

const problem = (action: string, error: unknown): string => {
  const code = error instanceof Error && 'code' in error ? ` (${String((error as { code: unknown }).code)})` : '';
  return `Could not ${action}${code}. Try again, or check the permissions of your startup settings.`;
};

export function createLoginItem(deps: LoginItemDeps): LoginItem {
  const { platform } = deps;
  if (platform !== 'darwin' && platform !== 'win32' && platform !== 'linux') {
    const unsupported = view(false, false, LOGIN_ITEM_NOTES.unsupportedPlatform);
    return { get: () => unsupported, set: () => unsupported };
  }
  if (!deps.isPackaged) {
    const development = view(false, false, LOGIN_ITEM_NOTES.development);
    return { get: () => development, set: () => development };
  }
  if (platform === 'linux') return linuxLoginItem(deps);
  return platform === 'darwin' ? macLoginItem(deps.app) : windowsLoginItem(deps.app, deps.execPath);
}

function macLoginItem(app: LoginItemApp): LoginItem {
  const get = (): LoginItemView => {
    const settings = app.getLoginItemSettings();
    // `status` exists on macOS 13+ (SMAppService); older systems only report openAtLogin.
    switch (settings.status) {
      case 'enabled':
        return view(true, true);
      case 'requires-approval':
        return view(true, false, LOGIN_ITEM_NOTES.requiresApproval);
      case 'not-registered':
      case 'not-found':
        return view(true, false);
      default:
        return view(true, settings.openAtLogin === true);
    }
  };
  return {
    get,
    set(enabled) {
      try {
        // `args` is ignored on macOS; a login launch is detected by wasOpenedAtLogin there.
        app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] });
      } catch (error) {
        return { ...get(), note: problem('change the login item', error) };
      }
      return get();
    },
  };
}

function windowsLoginItem(app: LoginItemApp, execPath: string): LoginItem {
  const get = (): LoginItemView => {
    const settings = app.getLoginItemSettings({ path: execPath, args: [HIDDEN_ARG] });
    if (!settings.openAtLogin) return view(true, false);
    // The Run entry exists, but the user switched it off in Task Manager.
    if (settings.executableWillLaunchAtLogin === false) return view(true, false, LOGIN_ITEM_NOTES.disabledInTaskManager);
    return view(true, true);
  };
  return {
    get,
    set(enabled) {
      try {
        app.setLoginItemSettings({ openAtLogin: enabled, path: execPath, args: [HIDDEN_ARG], enabled: true });
      } catch (error) {
        return { ...get(), note: problem('change the startup entry', error) };
      }
      return get();
    },
  };
}

/** `$XDG_CONFIG_HOME/autostart/torus-token-app.desktop` (XDG_CONFIG_HOME only when absolute). */
export function autostartFilePath(env: Readonly<Record<string, string | undefined>>, homeDir: string, name: string = AUTOSTART_FILE_NAME): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const configHome = xdg && isAbsolute(xdg) ? xdg : join(homeDir, '.config');
  return join(configHome, 'autostart', name);
}

/** The program the autostart entry launches: the AppImage file when running from one. */
export function autostartTarget(env: Readonly<Record<string, string | undefined>>, execPath: string): string {
  const appImage = env['APPIMAGE'];
  return appImage && appImage.trim() !== '' ? appImage : execPath;
}

const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument, per the Desktop Entry spec: arguments with reserved characters are
 * double-quoted with `"`, `` ` ``, `$` and `\` backslash-escaped; then the value's own string
 * escaping doubles every backslash, and `%` (field codes) is written `%%`.
 */
export function quoteExecArg(arg: string): string {
  if (/[\u0000-\u001f\u007f]/.test(arg)) throw new Error('A path with control characters cannot go into a desktop entry.');
  const quoted = arg === '' || RESERVED.test(arg) ? `"${arg.replace(/[`"$\\]/g, '\\$&')}"` : arg;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** Reverses quoteExecArg for the first argument of an Exec value as it appears in the file. */
export function firstExecArg(rawExec: string): string | undefined {
  // String-level unescaping first (\\ \s \n \t \r), then the Exec quoting rules; %% → %.
  const value = rawExec.replace(/\\([\\snrt])/g, (_m, c: string) => ({ '\\': '\\', s: ' ', n: '\n', r: '\r', t: '\t' })[c] ?? c);
  const text = value.trimStart();
  if (text.startsWith('"')) {
    let out = '';
    for (let i = 1; i < text.length; i += 1) {
      const ch = text[i];
      if (ch === '\\' && i + 1 < text.length) {
        out += text[i + 1];
        i += 1;
      } else if (ch === '"') {
        return out.replace(/%%/g, '%');
      } else {
        out += ch;
      }
    }
    return undefined;
  }
  const first = text.split(/\s+/)[0];
  return first ? first.replace(/%%/g, '%') : undefined;
}

export function desktopEntry(target: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Torus Token',
    "Comment=Refreshes today's Torus access token at login",
    `Exec=${quoteExecArg(target)} ${HIDDEN_ARG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The keys of the [Desktop Entry] group (raw values, as in the file). */
function desktopEntryKeys(content: string): Map<string, string> {
  const keys = new Map<string, string>();
  let inGroup = false;
  for (const line of content.split(/\r?\n/)) {
    if (line.startsWith('[')) {
      inGroup = line.trim() === '[Desktop Entry]';
      continue;
    }
    if (!inGroup || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) keys.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return keys;
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { mode: 0o644, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function isTurnedOff(keys: Map<string, string>): boolean {
  return keys.get('Hidden') === 'true' || keys.get('X-GNOME-Autostart-enabled') === 'false';
}

function readEntry(path: string): Map<string, string> | null {
  try {
    return existsSync(path) ? desktopEntryKeys(readFileSync(path, 'utf8')) : null;
  } catch {
    return null;
  }
}

/**
 * An autostart entry from a version whose executable was `torus-token`: when it launches this
 * copy (its old executable name beside this one, or the same AppImage) or something that is no
 * longer there, it becomes this version's entry (still on, or still off) and the old file goes.
 * An entry that launches another copy that still exists is left alone (get() reports it).
 */
function migrateLegacyEntry(file: string, legacy: string, target: string, execPath: string): void {
  const keys = readEntry(legacy);
  if (!keys) return;
  const exec = firstExecArg(keys.get('Exec') ?? '');
  const oldSelf = join(dirname(execPath), LEGACY_EXECUTABLE_NAME);
  const ours = exec === undefined || exec === target || exec === oldSelf || !isAbsolute(exec) || !existsSync(exec);
  if (!ours) return;
  try {
    if (!existsSync(file) && !isTurnedOff(keys)) writeAtomically(file, desktopEntry(target));
    rmSync(legacy, { force: true });
  } catch {
    // Best effort: get() still reports the old entry, and turning start at login on rewrites it.
  }
}

function linuxLoginItem(deps: LoginItemDeps): LoginItem {
  const file = autostartFilePath(deps.env, deps.homeDir);
  const legacy = autostartFilePath(deps.env, deps.homeDir, LEGACY_AUTOSTART_FILE_NAME);
  const target = autostartTarget(deps.env, deps.execPath);
  migrateLegacyEntry(file, legacy, target, deps.execPath);
  const get = (): LoginItemView => {
    const keys = readEntry(file) ?? readEntry(legacy);
    if (!keys) return view(true, false);
    if (isTurnedOff(keys)) return view(true, false, LOGIN_ITEM_NOTES.disabledInDesktop);
    const exec = keys.get('Exec');
    if (exec === undefined || firstExecArg(exec) !== target) return view(true, false, LOGIN_ITEM_NOTES.otherCopy);
    return view(true, true);
  };
  return {
    get,
    set(enabled) {
      try {
        if (enabled) writeAtomically(file, desktopEntry(target));
        else rmSync(file, { force: true });
        // One entry, under the current name: an old one would start a second copy (or none).
        rmSync(legacy, { force: true });
      } catch (error) {
        return { ...get(), note: problem(enabled ? 'write the autostart entry' : 'remove the autostart entry', error) };
      }
      return get();
    },
  };
}

/** Was this launch a start at login? `--hidden` everywhere; macOS also reports it itself. */
export function launchedAtLogin(argv: readonly string[], platform: NodeJS.Platform, app?: Pick<App, 'getLoginItemSettings'>): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  if (platform !== 'darwin' || !app) return false;
  try {
    return app.getLoginItemSettings().wasOpenedAtLogin === true;
  } catch {
    return false;
  }
}
