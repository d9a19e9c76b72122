import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeElectron } from './helpers/fake-electron.js';
import {
  AUTOSTART_FILE_NAME,
  LEGACY_AUTOSTART_FILE_NAME,
  LOGIN_ITEM_NOTES,
  autostartFilePath,
  createLoginItem,
  desktopEntry,
  firstExecArg,
  launchedAtLogin,
  quoteExecArg,
  type LoginItemApp,
  type LoginItemDeps,
} from '../main/login-item.js';

const fake = createFakeElectron();
const app = fake.app as unknown as LoginItemApp;
let home: string;

beforeEach(() => {
  fake.__test.reset();
  home = mkdtempSync(join(tmpdir(), 'torus-login-item-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const deps = (overrides: Partial<LoginItemDeps> = {}): LoginItemDeps => ({
  app,
  platform: 'linux',
  env: {},
  homeDir: home,
  execPath: '/opt/Torus Token/torus-token-app',
  isPackaged: true,
  ...overrides,
});

describe('login item: Linux XDG autostart', () => {
  it('writes ~/.config/autostart/torus-token-app.desktop with --hidden, and removes it again', () => {
    expect(AUTOSTART_FILE_NAME).toBe('torus-token-app.desktop');
    const item = createLoginItem(deps());
    const file = join(home, '.config', 'autostart', AUTOSTART_FILE_NAME);
    expect(item.get()).toEqual({ supported: true, enabled: false, note: null });

    expect(item.set(true)).toEqual({ supported: true, enabled: true, note: null });
    const content = readFileSync(file, 'utf8');
    expect(content.split('\n')[0]).toBe('[Desktop Entry]');
    expect(content).toContain('\nType=Application\n');
    expect(content).toContain('\nName=Torus Token\n');
    expect(content).toContain('\nX-GNOME-Autostart-enabled=true\n');
    expect(content).toContain('\nTerminal=false\n');
    // A path with a space is quoted, per the Desktop Entry spec.
    expect(content).toContain('\nExec="/opt/Torus Token/torus-token-app" --hidden\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    // No temporary files left behind by the atomic write.
    expect(readdir(join(home, '.config', 'autostart'))).toEqual([AUTOSTART_FILE_NAME]);
    expect(item.get().enabled).toBe(true);

    expect(item.set(false)).toEqual({ supported: true, enabled: false, note: null });
    expect(existsSync(file)).toBe(false);
    // Turning it off twice is fine.
    expect(item.set(false).enabled).toBe(false);
  });

  it('respects XDG_CONFIG_HOME (absolute only)', () => {
    const xdg = join(home, 'xdg-config');
    const item = createLoginItem(deps({ env: { XDG_CONFIG_HOME: xdg } }));
    item.set(true);
    expect(existsSync(join(xdg, 'autostart', AUTOSTART_FILE_NAME))).toBe(true);
    expect(existsSync(join(home, '.config'))).toBe(false);
    expect(autostartFilePath({ XDG_CONFIG_HOME: 'relative/dir' }, home)).toBe(join(home, '.config', 'autostart', AUTOSTART_FILE_NAME));
  });

  it('launches $APPIMAGE when set (the execPath is a temporary mount)', () => {
    const appImage = '/home/trader/Apps/Torus-Token-0.1.0.AppImage';
    const item = createLoginItem(deps({ env: { APPIMAGE: appImage }, execPath: '/tmp/.mount_TorusXyz/torus-token-app' }));
    item.set(true);
    const content = readFileSync(autostartFilePath({}, home), 'utf8');
    expect(content).toContain(`\nExec=${appImage} --hidden\n`);
    expect(content).not.toContain('.mount_');
    expect(item.get().enabled).toBe(true);
  });

  it('reports an entry that launches another copy, or that the desktop turned off, as off', () => {
    const file = autostartFilePath({}, home);
    mkdirSync(join(home, '.config', 'autostart'), { recursive: true });
    writeFileSync(file, desktopEntry('/old/place/torus-token'));
    expect(createLoginItem(deps()).get()).toEqual({ supported: true, enabled: false, note: LOGIN_ITEM_NOTES.otherCopy });

    writeFileSync(file, desktopEntry('/opt/Torus Token/torus-token-app').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(createLoginItem(deps()).get()).toEqual({ supported: true, enabled: false, note: LOGIN_ITEM_NOTES.disabledInDesktop });

    // Turning it on again rewrites the entry for this copy.
    expect(createLoginItem(deps()).set(true)).toEqual({ supported: true, enabled: true, note: null });
  });

  describe('upgrading from a version whose executable was torus-token (now the command-line tool)', () => {
    const legacyFile = () => autostartFilePath({}, home, LEGACY_AUTOSTART_FILE_NAME);
    const writeLegacy = (content: string) => {
      mkdirSync(join(home, '.config', 'autostart'), { recursive: true });
      writeFileSync(legacyFile(), content);
    };

    it('moves the old entry to torus-token-app.desktop launching this copy: start at login stays on', () => {
      // The deb used to install /opt/Torus Token/torus-token; after the upgrade that file is gone.
      writeLegacy(desktopEntry('/opt/Torus Token/torus-token'));
      const item = createLoginItem(deps());
      expect(existsSync(legacyFile())).toBe(false);
      expect(readFileSync(autostartFilePath({}, home), 'utf8')).toContain('\nExec="/opt/Torus Token/torus-token-app" --hidden\n');
      expect(item.get()).toEqual({ supported: true, enabled: true, note: null });
      expect(readdir(join(home, '.config', 'autostart'))).toEqual([AUTOSTART_FILE_NAME]);
    });

    it('an AppImage entry whose file is gone (a newer AppImage replaced it) launches this one', () => {
      writeLegacy(desktopEntry('/home/trader/Apps/Torus-Token-0.1.0.AppImage'));
      const appImage = '/home/trader/Apps/Torus-Token-0.2.0.AppImage';
      const item = createLoginItem(deps({ env: { APPIMAGE: appImage }, execPath: '/tmp/.mount_TorusAbc/torus-token-app' }));
      expect(item.get().enabled).toBe(true);
      expect(readFileSync(autostartFilePath({}, home), 'utf8')).toContain(`\nExec=${appImage} --hidden\n`);
      expect(existsSync(legacyFile())).toBe(false);
    });

    it('an old entry the desktop had turned off stays off, and is removed', () => {
      writeLegacy(desktopEntry('/opt/Torus Token/torus-token').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
      const item = createLoginItem(deps());
      expect(item.get()).toEqual({ supported: true, enabled: false, note: null });
      expect(existsSync(legacyFile())).toBe(false);
      expect(existsSync(autostartFilePath({}, home))).toBe(false);
    });

    it('an old entry for another copy that still exists is left alone and reported; turning it on here replaces it', () => {
      const other = join(home, 'other-copy', 'torus-token');
      mkdirSync(join(home, 'other-copy'));
      writeFileSync(other, '#!/bin/sh\n');
      writeLegacy(desktopEntry(other));
      const item = createLoginItem(deps());
      expect(existsSync(legacyFile())).toBe(true);
      expect(item.get()).toEqual({ supported: true, enabled: false, note: LOGIN_ITEM_NOTES.otherCopy });
      expect(item.set(true)).toEqual({ supported: true, enabled: true, note: null });
      expect(readdir(join(home, '.config', 'autostart'))).toEqual([AUTOSTART_FILE_NAME]);
      // Turning it off removes every entry: nothing starts at login afterwards.
      writeLegacy(desktopEntry(other));
      expect(item.set(false).enabled).toBe(false);
      expect(readdir(join(home, '.config', 'autostart'))).toEqual([]);
    });
  });

  it('reports a write failure in plain words', () => {
    // A file where the autostart directory should be makes mkdir fail.
    writeFileSync(join(home, '.config'), 'not a directory');
    const view = createLoginItem(deps()).set(true);
    expect(view.enabled).toBe(false);
    expect(view.note).toMatch(/^Could not write the autostart entry/);
  });

  it('quotes Exec arguments per the Desktop Entry spec and reads them back', () => {
    const paths = ['/usr/bin/torus-token', '/opt/Torus Token/torus-token', '/home/a$b/t`x"y/100%/back\\slash', "/it's/here"];
    for (const path of paths) {
      const exec = `${quoteExecArg(path)} --hidden`;
      expect(firstExecArg(exec)).toBe(path);
    }
    expect(quoteExecArg('/opt/Torus Token/torus-token')).toBe('"/opt/Torus Token/torus-token"');
    expect(quoteExecArg('/a/100%')).toBe('/a/100%%');
    // $ is escaped inside quotes, and the backslash is doubled by the string escaping.
    expect(quoteExecArg('/a b/$x')).toBe('"/a b/\\\\$x"');
    expect(() => quoteExecArg('/bad\npath')).toThrow();
  });

  it('is unsupported in a development build', () => {
    const item = createLoginItem(deps({ isPackaged: false }));
    expect(item.get()).toEqual({ supported: false, enabled: false, note: 'Start at login works in the installed app, not in development.' });
    expect(item.set(true).supported).toBe(false);
    expect(existsSync(autostartFilePath({}, home))).toBe(false);
  });
});

describe('login item: macOS', () => {
  it('registers with --hidden and reports enabled', () => {
    const item = createLoginItem(deps({ platform: 'darwin' }));
    expect(item.get()).toEqual({ supported: true, enabled: false, note: null });
    expect(item.set(true)).toEqual({ supported: true, enabled: true, note: null });
    expect(fake.__test.world.loginItemCalls.at(-1)).toMatchObject({ openAtLogin: true, args: ['--hidden'] });
    expect(item.set(false)).toEqual({ supported: true, enabled: false, note: null });
    expect(fake.__test.world.loginItemCalls.at(-1)).toMatchObject({ openAtLogin: false });
  });

  it('reports "requires approval" honestly as off, with what to do', () => {
    fake.__test.world.loginItem.status = 'requires-approval';
    const item = createLoginItem(deps({ platform: 'darwin' }));
    const view = item.set(true);
    expect(view).toEqual({ supported: true, enabled: false, note: 'Approve Torus Token in System Settings → General → Login Items.' });
    expect(item.get()).toEqual(view);
  });

  it('is unsupported in development (no registration attempted)', () => {
    const item = createLoginItem(deps({ platform: 'darwin', isPackaged: false }));
    expect(item.set(true)).toEqual({ supported: false, enabled: false, note: LOGIN_ITEM_NOTES.development });
    expect(fake.__test.world.loginItemCalls).toHaveLength(0);
  });

  it('detects a launch at login by --hidden or by macOS itself', () => {
    expect(launchedAtLogin(['/app', '--hidden'], 'linux')).toBe(true);
    expect(launchedAtLogin(['/app'], 'linux', app)).toBe(false);
    fake.__test.world.loginItem.wasOpenedAtLogin = true;
    expect(launchedAtLogin(['/app'], 'darwin', app)).toBe(true);
  });
});

describe('login item: Windows', () => {
  it('registers the executable with --hidden', () => {
    const execPath = 'C:\\Users\\t\\AppData\\Local\\Programs\\torus-token\\Torus Token.exe';
    const item = createLoginItem(deps({ platform: 'win32', execPath }));
    expect(item.set(true)).toEqual({ supported: true, enabled: true, note: null });
    const call = fake.__test.world.loginItemCalls.at(-1);
    expect(call).toMatchObject({ openAtLogin: true, path: execPath });
    expect(call?.['args']).toContain('--hidden');
    expect(item.set(false).enabled).toBe(false);
  });

  it('reports an entry switched off in Task Manager as off, with where to turn it on', () => {
    const stub = {
      setLoginItemSettings: () => undefined,
      getLoginItemSettings: () => ({ openAtLogin: true, executableWillLaunchAtLogin: false }),
    } as unknown as LoginItemApp;
    expect(createLoginItem(deps({ platform: 'win32', app: stub })).get()).toEqual({
      supported: true,
      enabled: false,
      note: LOGIN_ITEM_NOTES.disabledInTaskManager,
    });
  });

  it('reports a failure to change the setting in plain words', () => {
    const stub = {
      setLoginItemSettings: () => {
        throw Object.assign(new Error('registry'), { code: 'EPERM' });
      },
      getLoginItemSettings: () => ({ openAtLogin: false, executableWillLaunchAtLogin: false }),
    } as unknown as LoginItemApp;
    const view = createLoginItem(deps({ platform: 'win32', app: stub })).set(true);
    expect(view.enabled).toBe(false);
    expect(view.note).toMatch(/^Could not change the startup entry \(EPERM\)/);
  });

  it('is unsupported in development', () => {
    expect(createLoginItem(deps({ platform: 'win32', isPackaged: false })).get().supported).toBe(false);
  });
});

describe('login item: other systems', () => {
  it('says it is not available', () => {
    expect(createLoginItem(deps({ platform: 'freebsd' })).set(true)).toEqual({ supported: false, enabled: false, note: LOGIN_ITEM_NOTES.unsupportedPlatform });
  });
});

function readdir(dir: string): string[] {
  return readdirSync(dir).sort();
}
