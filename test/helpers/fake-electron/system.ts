/** The small system modules: `globalShortcut`, `shell`, `net`, `nativeTheme`, `powerMonitor`. */
import type * as Electron from 'electron';
import { FakeEmitter } from './emitter.js';
import type { Mirror } from './mirror.js';
import type { FakeWorld } from './world.js';

export function createGlobalShortcut(world: FakeWorld) {
  const api = {
    register(accelerator: string, callback: () => void): boolean {
      world.requireReady('globalShortcut cannot be used before the app is ready');
      world.shortcutAttempts.push(accelerator);
      if (world.unavailableShortcuts.has(accelerator) || world.shortcuts.has(accelerator)) return false;
      world.shortcuts.set(accelerator, callback);
      return true;
    },
    isRegistered: (accelerator: string): boolean => world.shortcuts.has(accelerator),
    unregister(accelerator: string): void {
      world.shortcuts.delete(accelerator);
    },
    unregisterAll(): void {
      world.shortcuts.clear();
    },
  } satisfies Pick<Electron.GlobalShortcut, 'register' | 'isRegistered' | 'unregister' | 'unregisterAll'>;
  return Object.assign(api, {
    /** The user presses the shortcut. Returns whether one was registered. */
    trigger(accelerator: string): boolean {
      const callback = world.shortcuts.get(accelerator);
      callback?.();
      return callback !== undefined;
    },
  });
}

export function createShell(world: FakeWorld) {
  return {
    async openExternal(url: string, _options?: Electron.OpenExternalOptions): Promise<void> {
      world.openedExternal.push(url);
    },
    async openPath(path: string): Promise<string> {
      world.openedPaths.push(path);
      return '';
    },
    showItemInFolder(fullPath: string): void {
      world.openedPaths.push(fullPath);
    },
    beep(): void {},
  } satisfies Pick<Electron.Shell, 'openExternal' | 'openPath' | 'showItemInFolder' | 'beep'>;
}

export function createNet(world: FakeWorld) {
  return {
    isOnline: (): boolean => world.online,
    get online(): boolean {
      return world.online;
    },
  } satisfies Pick<Electron.Net, 'isOnline' | 'online'>;
}

export class FakeNativeTheme extends FakeEmitter implements Mirror<Electron.NativeTheme, FakeNativeTheme> {
  themeSource: Electron.NativeTheme['themeSource'] = 'system';
  constructor(private readonly world: FakeWorld) {
    super();
  }
  get shouldUseDarkColors(): boolean {
    return this.themeSource === 'dark' || (this.themeSource === 'system' && this.world.darkMode);
  }
}

const POWER_NOT_READY = "The 'powerMonitor' module can't be used before the app 'ready' event";

export class FakePowerMonitor extends FakeEmitter implements Mirror<Electron.PowerMonitor, FakePowerMonitor> {
  onBatteryPower = false;
  idleState: ReturnType<Electron.PowerMonitor['getSystemIdleState']> = 'active';
  constructor(private readonly world: FakeWorld) {
    super();
  }
  override on(event: string, listener: (...args: never[]) => unknown): this {
    this.world.requireReady(POWER_NOT_READY);
    return super.on(event, listener);
  }
  getSystemIdleState(_idleThreshold: number): ReturnType<Electron.PowerMonitor['getSystemIdleState']> {
    return this.idleState;
  }
  getSystemIdleTime(): number {
    return 0;
  }
  isOnBatteryPower(): boolean {
    return this.onBatteryPower;
  }
}
