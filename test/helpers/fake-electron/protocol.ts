/**
 * `protocol` (the default session's). `registerSchemesAsPrivileged` works only before `ready`
 * (Electron throws after it); `handle` only after (it needs the default session) and only once
 * per scheme. Pages loaded from a handled scheme go through the handler (see web-contents.ts);
 * tests can also `fetch` through it.
 */
import type * as Electron from 'electron';
import type { Mirror } from './mirror.js';
import type { FakeProtocolHandler, FakeWorld } from './world.js';

export class FakeProtocol implements Mirror<Electron.Protocol, FakeProtocol> {
  constructor(private readonly world: FakeWorld) {}
  registerSchemesAsPrivileged(customSchemes: Electron.CustomScheme[]): void {
    if (this.world.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    this.world.privilegedSchemes = customSchemes.map((s) => ({ ...s, privileges: { ...s.privileges } }));
  }
  handle(scheme: string, handler: FakeProtocolHandler): void {
    this.world.requireReady('Session can only be received when app is ready');
    if (this.world.protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    this.world.protocolHandlers.set(scheme, handler);
  }
  unhandle(scheme: string): void {
    this.world.protocolHandlers.delete(scheme);
  }
  isProtocolHandled(scheme: string): boolean {
    return this.world.protocolHandlers.has(scheme);
  }
  /** A request to a handled scheme, as a page would make it (`initiatorOrigin`: the requesting page's origin, absent for browser-initiated loads). */
  async fetch(url: string, init: RequestInit & { initiatorOrigin?: string | null } = {}): Promise<Response> {
    const scheme = url.slice(0, url.indexOf(':'));
    const handler = this.world.protocolHandlers.get(scheme);
    if (!handler) throw new Error(`net::ERR_UNKNOWN_URL_SCHEME ${scheme}`);
    const { initiatorOrigin, ...rest } = init;
    const request = new Request(url, rest);
    if (initiatorOrigin !== undefined) Object.defineProperty(request, 'initiatorOrigin', { value: initiatorOrigin });
    return handler(request);
  }
}
