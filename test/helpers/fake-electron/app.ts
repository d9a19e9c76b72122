/**
 * `app`. Readiness is modelled: after `__test.launch()` the app is not ready, `whenReady()`
 * resolves later, and the APIs Electron refuses before `ready` throw here too. `setPath` throws
 * on a relative path ("Path must be absolute") and, as electron.d.ts documents, on a directory
 * that does not exist.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import type * as Electron from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { Mirror } from './mirror.js';
import type { FakeWorld } from './world.js';

export class FakeCommandLine implements Mirror<Electron.CommandLine, FakeCommandLine> {
  readonly switches = new Map<string, string>();
  appendSwitch(the_switch: string, value = ''): void {
    this.switches.set(the_switch, value);
  }
  hasSwitch(the_switch: string): boolean {
    return this.switches.has(the_switch);
  }
  getSwitchValue(the_switch: string): string {
    return this.switches.get(the_switch) ?? '';
  }
  removeSwitch(the_switch: string): void {
    this.switches.delete(the_switch);
  }
}

export class FakeDock implements Mirror<Electron.Dock, FakeDock> {
  private badge = '';
  constructor(private readonly world: FakeWorld) {}
  hide(): void {
    this.world.dockHidden = true;
  }
  async show(): Promise<void> {
    this.world.dockHidden = false;
  }
  isVisible(): boolean {
    return !this.world.dockHidden;
  }
  setBadge(text: string): void {
    this.badge = text;
  }
  getBadge(): string {
    return this.badge;
  }
  setMenu(_menu: Electron.Menu): void {}
}

export class FakeApp extends FakeEmitter implements Mirror<Electron.App, FakeApp, { commandLine: FakeCommandLine; dock: FakeDock }> {
  readonly commandLine = new FakeCommandLine();
  /** Present on every platform in the fake (Electron has it on macOS only; the app guards with `?.`). */
  readonly dock: FakeDock;
  name = 'Torus Token';

  constructor(private readonly world: FakeWorld) {
    super();
    this.dock = new FakeDock(world);
  }

  get isPackaged(): boolean {
    return this.world.isPackaged;
  }
  getName(): string {
    return this.name;
  }
  setName(name: string): void {
    this.name = name;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  getLocale(): string {
    return 'en-US';
  }
  getAppPath(): string {
    return this.world.appPath;
  }
  getPath(name: Parameters<Electron.App['getPath']>[0]): string {
    return this.world.paths[name] ?? path.join(tmpdir(), 'fake-electron', name);
  }
  setPath(name: string, value: string): void {
    if (!path.isAbsolute(value)) throw new Error('Path must be absolute');
    if (!existsSync(value) || !statSync(value).isDirectory()) throw new Error(`Failed to set path: ${name} (the directory does not exist)`);
    this.world.paths[name] = value;
  }
  isReady(): boolean {
    return this.world.ready;
  }
  whenReady(): Promise<void> {
    if (this.world.ready) return Promise.resolve();
    return new Promise((resolve) => this.world.readyWaiters.push(resolve));
  }
  requestSingleInstanceLock(_additionalData?: Record<string, unknown>): boolean {
    return this.world.singleInstanceLock;
  }
  hasSingleInstanceLock(): boolean {
    return this.world.singleInstanceLock;
  }
  releaseSingleInstanceLock(): void {}
  /** Simulates a second launch: emits `second-instance(event, argv, workingDirectory, additionalData)`. */
  secondInstance(argv: string[] = [], workingDirectory = process.cwd()): void {
    this.emit('second-instance', fakeEvent(), argv, workingDirectory, {});
  }
  /** macOS: the running app is reopened (Finder, Spotlight, Dock): emits `activate(event, hasVisibleWindows)`. */
  activate(): void {
    this.emit(
      'activate',
      fakeEvent(),
      this.world.windows.some((w) => w.isVisible()),
    );
  }
  setAppUserModelId(id: string): void {
    this.world.appUserModelId = id;
  }
  setLoginItemSettings(settings: Electron.Settings): void {
    this.world.loginItemCalls.push({ ...settings });
    const item = this.world.loginItem;
    if (settings.openAtLogin !== undefined) item.openAtLogin = settings.openAtLogin;
    if (settings.args !== undefined) item.args = [...settings.args];
    if (settings.path !== undefined) item.path = settings.path;
    if (item.status !== 'requires-approval') item.status = item.openAtLogin ? 'enabled' : 'not-registered';
  }
  getLoginItemSettings(_options?: Electron.LoginItemSettingsOptions): Electron.LoginItemSettings {
    const item = this.world.loginItem;
    const enabled = item.openAtLogin && item.status !== 'requires-approval';
    return {
      openAtLogin: item.openAtLogin,
      wasOpenedAtLogin: item.wasOpenedAtLogin,
      status: item.status,
      executableWillLaunchAtLogin: enabled,
      launchItems: item.openAtLogin ? [{ name: 'Torus Token', path: item.path ?? process.execPath, args: [...item.args], scope: 'user', enabled }] : [],
    };
  }
  /** Like Electron: `before-quit` (preventable), then `will-quit` (preventable), then `quit`. */
  quit(): void {
    this.world.quitCalls++;
    const before = fakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    const will = fakeEvent();
    this.emit('will-quit', will);
    if (will.defaultPrevented) return;
    this.emit('quit', fakeEvent(), 0);
  }
  exit(exitCode = 0): void {
    this.world.exitCalls.push(exitCode);
  }
  relaunch(_options?: Electron.RelaunchOptions): void {}
  focus(_options?: Electron.FocusOptions): void {}
  hide(): void {}
  show(): void {}
}
