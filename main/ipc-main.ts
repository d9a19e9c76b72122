import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcName, type EventChannel, type EventContract } from '../preload/contract.js';
import type { IpcRouter } from './ipc/router.js';

/**
 * Electron glue for the IPC router: one `ipcMain.handle` per contract channel. Each call is
 * checked here for where it comes from (the popover's own main frame: not a subframe, not
 * another window, even one showing a page at our URL), and then by the router for the frame's
 * URL and the payload's schema. A handler never throws into Electron (which would put the
 * error text, possibly with details, into the renderer's console): it always answers with a
 * Result.
 */
export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

export interface RegisterIpcOptions {
  /** Is this call from a frame we trust (the popover's main frame)? Without it, only the router's URL check applies. */
  isTrustedFrame?: (event: IpcMainInvokeEvent) => boolean;
}

const refused = (message: string) => ({ ok: false, error: { kind: 'forbidden', message, needsSignIn: false } }) as const;

export function registerIpc(ipcMain: IpcMainLike, router: IpcRouter, log: (line: string) => void, options: RegisterIpcOptions = {}): () => void {
  const registered: string[] = [];
  for (const channel of router.channels) {
    const name = ipcName(channel);
    ipcMain.handle(name, async (event: IpcMainInvokeEvent, payload: unknown) => {
      if (options.isTrustedFrame && !options.isTrustedFrame(event)) {
        log(`ipc: refused ${channel} from a frame that is not the popover's main frame`);
        return refused('This request did not come from Torus Token.');
      }
      // senderFrame is null when the frame navigated away or was destroyed: never trusted.
      const senderUrl = event.senderFrame?.url;
      try {
        return await router.handle(channel, senderUrl, payload);
      } catch {
        // The router catches handler errors itself; this is a last line of defence.
        log(`ipc: ${channel} failed unexpectedly`);
        return refused('That request failed.');
      }
    });
    registered.push(name);
  }
  return () => {
    for (const name of registered.splice(0)) ipcMain.removeHandler(name);
  };
}

export type WebContentsLike = Pick<WebContents, 'send' | 'isDestroyed'>;

/**
 * Pushes a typed event to a renderer; a destroyed window is skipped silently. The one place
 * that calls `webContents.send` (a lint rule keeps it so): every message is on the contract.
 */
export function broadcast<C extends EventChannel>(webContents: WebContentsLike | null | undefined, channel: C, payload: EventContract[C]): boolean {
  if (!webContents || webContents.isDestroyed()) return false;
  webContents.send(ipcName(channel), payload);
  return true;
}
