import { dirname, basename } from 'node:path';
import type { IpcMain } from 'electron';
import type { SettingsWriter } from './core/infra/settings-file.js';

/**
 * The app writes its settings with electron-store (conf and its `atomically` writer underneath:
 * a temp file, fsync, rename, and the temp file removed when a write fails). It only writes:
 * reading, validation, migration and the cross-process lock belong to the core's settings file,
 * because electron-store on its own writes back a whole cached copy, which undid other
 * processes' changes (50 bots at once) and wrote the file on every start (a full disk).
 */
export interface ElectronStoreLike {
  store: Record<string, unknown>;
}

export type ElectronStoreConstructor = new (options: {
  cwd: string;
  name: string;
  configFileMode: number;
  clearInvalidConfig: boolean;
  accessPropertiesByDotNotation: boolean;
}) => ElectronStoreLike;

/** electron-store answers any renderer's synchronous request for the app's paths: nothing of ours needs that. */
const STORE_IPC_CHANNEL = 'electron-store-get-data';

export function electronStoreWriter(Store: ElectronStoreConstructor, ipcMain: Pick<IpcMain, 'removeAllListeners'>): SettingsWriter {
  const stores = new Map<string, ElectronStoreLike>();
  return (path, text) => {
    let store = stores.get(path);
    if (!store) {
      // Created lazily, under the settings lock, once the file on disk is known to be valid.
      store = new Store({
        cwd: dirname(path),
        name: basename(path, '.json'),
        configFileMode: 0o600,
        clearInvalidConfig: false,
        accessPropertiesByDotNotation: false,
      });
      ipcMain.removeAllListeners(STORE_IPC_CHANNEL);
      stores.set(path, store);
    }
    store.store = JSON.parse(text) as Record<string, unknown>;
  };
}
