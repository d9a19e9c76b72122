/// <reference types="vite/client" />
import type { TorusApi } from '../../preload/contract.js';

declare global {
  interface Window {
    /** The narrow API the preload exposes through contextBridge (see preload/contract.ts). */
    readonly torus: TorusApi;
  }
}

export {};
