import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createTorusApi, ipcName } from './contract.js';

/**
 * The popover's preload. It runs sandboxed (it can only `require('electron')`), so
 * scripts/build-preload.mjs bundles it together with the contract into one CommonJS file.
 *
 * It exposes exactly one key, `window.torus`: the narrow TorusApi built from the shared
 * contract. ipcRenderer itself, its event objects and any other Electron object never reach
 * the page; subscribers get the payload only.
 */
contextBridge.exposeInMainWorld(
  'torus',
  createTorusApi({
    invoke: (channel, payload) => ipcRenderer.invoke(ipcName(channel), payload),
    subscribe: (channel, listener) => {
      const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
      ipcRenderer.on(ipcName(channel), handler);
      return () => {
        ipcRenderer.removeListener(ipcName(channel), handler);
      };
    },
  }),
);
