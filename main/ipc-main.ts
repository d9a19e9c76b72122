import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcName, type EventChannel, type EventContract } from '../preload/contract.js';
import type { IpcRouter } from './ipc/router.js';

/**
 * Electron glue for the IPC router: one `ipcMain.handle` per contract channel. The sender's
 * frame URL goes to the router, which refuses anything that is not our own page and any
 * payload that fails its schema. A handler never throws into Electron (which would put the
 * error text, possibly with details, into the renderer's console): it always answers with a
 * Result.
 */
export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

export function registerIpc(ipcMain: IpcMainLike, router: IpcRouter, log: (line: string) => void): () => void {
  const registered: string[] = [];
  for (const channel of router.channels) {
    const name = ipcName(channel);
    ipcMain.handle(name, async (event: IpcMainInvokeEvent, payload: unknown) => {
      // senderFrame is null when the frame navigated away or was destroyed: never trusted.
      const senderUrl = event.senderFrame?.url;
      try {
        return await router.handle(channel, senderUrl, payload);
      } catch {
        // The router catches handler errors itself; this is a last line of defence.
        log(`ipc: ${channel} failed unexpectedly`);
        return { ok: false, error: { kind: 'forbidden', message: 'That request failed.', needsSignIn: false } };
      }
    });
    registered.push(name);
  }
  return () => {
    for (const name of registered.splice(0)) ipcMain.removeHandler(name);
  };
}

export type WebContentsLike = Pick<WebContents, 'send' | 'isDestroyed'>;

/** Pushes a typed event to a renderer; a destroyed window is skipped silently. */
export function broadcast<C extends EventChannel>(webContents: WebContentsLike | null | undefined, channel: C, payload: EventContract[C]): boolean {
  if (!webContents || webContents.isDestroyed()) return false;
  webContents.send(ipcName(channel), payload);
  return true;
}
