/** The event plumbing every fake Electron object shares. */

type AnyListener = (...args: never[]) => unknown;
type CallableListener = (...args: unknown[]) => unknown;

/** A small EventEmitter with the subset of Node's API Electron objects expose. */
export class FakeEmitter {
  private readonly listenersByEvent = new Map<string, Array<{ fn: CallableListener; once: boolean; original: AnyListener }>>();

  on(event: string, listener: AnyListener): this {
    return this.add(event, listener, false);
  }
  addListener(event: string, listener: AnyListener): this {
    return this.add(event, listener, false);
  }
  once(event: string, listener: AnyListener): this {
    return this.add(event, listener, true);
  }
  off(event: string, listener: AnyListener): this {
    const list = this.listenersByEvent.get(event);
    if (list) {
      const index = list.findIndex((l) => l.original === listener);
      if (index >= 0) list.splice(index, 1);
    }
    return this;
  }
  removeListener(event: string, listener: AnyListener): this {
    return this.off(event, listener);
  }
  removeAllListeners(event?: string): this {
    if (event === undefined) this.listenersByEvent.clear();
    else this.listenersByEvent.delete(event);
    return this;
  }
  listenerCount(event: string): number {
    return this.listenersByEvent.get(event)?.length ?? 0;
  }
  eventNames(): string[] {
    return [...this.listenersByEvent.keys()].filter((e) => this.listenerCount(e) > 0);
  }
  /** Calls the listeners synchronously, like Node's EventEmitter. Returns whether any listened. */
  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listenersByEvent.get(event);
    if (!list || list.length === 0) return false;
    for (const entry of [...list]) {
      if (entry.once) this.off(event, entry.original);
      entry.fn(...args);
    }
    return true;
  }
  private add(event: string, listener: AnyListener, once: boolean): this {
    const list = this.listenersByEvent.get(event) ?? [];
    list.push({ fn: listener as unknown as CallableListener, once, original: listener });
    this.listenersByEvent.set(event, list);
    return this;
  }
}

/** Electron's preventable `Event` (`Electron.Event<Params>`: the params are spread onto it). */
export interface FakeEvent {
  preventDefault(): void;
  readonly defaultPrevented: boolean;
  [key: string]: unknown;
}

export function fakeEvent(extra: Record<string, unknown> = {}): FakeEvent {
  let prevented = false;
  return {
    ...extra,
    preventDefault() {
      prevented = true;
    },
    get defaultPrevented() {
      return prevented;
    },
  };
}

/** Electron's "cannot be used before ready" errors, thrown by the fake where Electron throws. */
export class NotReadyError extends Error {}
