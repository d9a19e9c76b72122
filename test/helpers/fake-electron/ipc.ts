/**
 * `ipcMain`, `ipcRenderer` and `contextBridge`. A renderer call reaches the handler with
 * Electron's event: the sending `webContents` and the sending frame (`senderFrame`, null when
 * the frame is gone). Tests choose both, to play our popover, a foreign page or a subframe.
 */
import type * as Electron from 'electron';
import { FakeEmitter } from './emitter.js';
import type { Mirror } from './mirror.js';
import { sessionFor } from './session.js';
import { FakeWebContents, type FakeWebFrameMain } from './web-contents.js';
import type { FakeWorld } from './world.js';

export interface FakeIpcInvokeOptions {
  /** The sender frame's URL; defaults to the sender's URL, or the world's `rendererUrl`. `null` means the frame is gone. */
  senderUrl?: string | null;
  /** The sending webContents; defaults to a detached one that belongs to no window. */
  sender?: FakeWebContents;
  /** The sending frame; defaults to the sender's main frame. */
  frame?: FakeWebFrameMain;
}

export interface FakeIpcMainEvent {
  sender: FakeWebContents;
  senderFrame: FakeWebFrameMain | null;
  frameId: number;
  processId: number;
  type: 'frame';
  returnValue?: unknown;
  reply?: (channel: string, ...args: unknown[]) => void;
}

type InvokeHandler = (event: Electron.IpcMainInvokeEvent, ...args: unknown[]) => unknown;

export class FakeIpcMain extends FakeEmitter implements Mirror<Electron.IpcMain, FakeIpcMain> {
  readonly handlers = new Map<string, InvokeHandler>();
  /** Every channel ever passed to `handle`, in order (also after removal). */
  readonly handledChannels: string[] = [];
  readonly removedChannels: string[] = [];
  private detached: FakeWebContents | null = null;

  constructor(private readonly world: FakeWorld) {
    super();
  }

  handle(channel: string, listener: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
    this.handledChannels.push(channel);
  }
  handleOnce(channel: string, listener: InvokeHandler): void {
    this.handle(channel, (event, ...args) => {
      this.handlers.delete(channel);
      return listener(event, ...args);
    });
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
    this.removedChannels.push(channel);
  }

  /** A web contents outside every window: a stranger that can still send IPC in tests. */
  private stranger(): FakeWebContents {
    if (!this.detached || this.detached.isDestroyed()) this.detached = new FakeWebContents(this.world, sessionFor(this.world, ''), null);
    return this.detached;
  }

  private eventFor(options: FakeIpcInvokeOptions): FakeIpcMainEvent {
    const sender = options.sender ?? this.stranger();
    let frame: FakeWebFrameMain | null = options.frame ?? sender.mainFrame;
    if (options.senderUrl === null) frame = null;
    else if (options.senderUrl !== undefined) frame.url = options.senderUrl;
    else if (!options.sender && !options.frame) frame.url = this.world.rendererUrl;
    return { sender, senderFrame: frame, frameId: frame?.routingId ?? 0, processId: sender.id, type: 'frame' };
  }

  /** Simulates `ipcRenderer.invoke(channel, payload)` from a renderer. */
  async invoke(channel: string, payload?: unknown, options: FakeIpcInvokeOptions = {}): Promise<unknown> {
    return this.invokeWithArgs(channel, payload === undefined ? [] : [payload], options);
  }
  async invokeWithArgs(channel: string, args: unknown[], options: FakeIpcInvokeOptions = {}): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return handler(this.eventFor(options) as unknown as Electron.IpcMainInvokeEvent, ...args);
  }
  /** Simulates `ipcRenderer.send(channel, ...args)`. */
  sendFromRenderer(channel: string, args: unknown[] = [], options: FakeIpcInvokeOptions = {}): FakeIpcMainEvent {
    const event = this.eventFor(options);
    event.reply = (replyChannel, ...replyArgs) => event.sender.send(replyChannel, ...replyArgs);
    this.emit(channel, event, ...args);
    return event;
  }
}

export class FakeIpcRenderer extends FakeEmitter implements Mirror<Electron.IpcRenderer, FakeIpcRenderer> {
  constructor(
    private readonly world: FakeWorld,
    private readonly main: FakeIpcMain,
  ) {
    super();
  }
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.main.invokeWithArgs(channel, args, { senderUrl: this.world.rendererUrl });
  }
  send(channel: string, ...args: unknown[]): void {
    this.main.sendFromRenderer(channel, args, { senderUrl: this.world.rendererUrl });
  }
  /** Called by `webContents.send`: listeners get `(event, ...args)`. */
  deliver(channel: string, args: unknown[]): void {
    this.emit(channel, { sender: this, senderId: 0 }, ...args);
  }
}

export function createContextBridge(world: FakeWorld) {
  return {
    exposeInMainWorld(apiKey: string, api: unknown): void {
      world.exposedInMainWorld[apiKey] = api;
    },
    exposeInIsolatedWorld(_worldId: number, apiKey: string, api: unknown): void {
      world.exposedInMainWorld[apiKey] = api;
    },
  } satisfies Pick<Electron.ContextBridge, 'exposeInMainWorld' | 'exposeInIsolatedWorld'>;
}
