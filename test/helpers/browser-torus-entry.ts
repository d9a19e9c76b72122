/**
 * Bundled by test/helpers/test-bridge.ts (esbuild, IIFE) into the page's init script: it
 * builds `window.torus` with the very `createTorusApi` the preload uses, over a transport
 * whose invoke goes to the Node-side IPC router (`__torusInvoke` binding) and whose events
 * are pushed by the test with `window.__torusPush(channel, payload)`.
 */
import { createTorusApi, type EventChannel, type InvokeChannel } from '../../preload/contract.js';

interface BridgeWindow {
  torus: unknown;
  __torusInvoke(channel: InvokeChannel, payload: unknown): Promise<unknown>;
  __torusPush(channel: EventChannel, payload: unknown): void;
}

const w = globalThis as unknown as BridgeWindow;
const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();

w.__torusPush = (channel, payload) => {
  for (const listener of listeners.get(channel) ?? []) listener(payload);
};

w.torus = Object.freeze(
  createTorusApi({
    invoke: (channel, payload) => w.__torusInvoke(channel, payload),
    subscribe: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => set.delete(listener);
    },
  }),
);
