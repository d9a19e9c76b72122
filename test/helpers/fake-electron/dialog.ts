/**
 * `dialog`. A message box is a window of its own: opening it takes the focus from whatever
 * window had it (a popover that hides on blur closes, unless it was told not to), it stays open
 * until it is answered, and closing it gives the focus back to its parent window. Answers come
 * from `world.dialogResponse`: a button index (answered on a later turn of the event loop), or
 * 'manual' (the test answers each open dialog itself, see `__test.openDialogs`).
 */
import type * as Electron from 'electron';
import type { FakeBrowserWindow } from './browser-window.js';
import type { FakeOpenDialog, FakeWorld } from './world.js';

type MessageBoxArgs = [Electron.BaseWindow, Electron.MessageBoxOptions] | [Electron.MessageBoxOptions];
type MessageBoxSyncArgs = [Electron.BaseWindow, Electron.MessageBoxSyncOptions] | [Electron.MessageBoxSyncOptions];

function split<O>(args: [Electron.BaseWindow, O] | [O]): { parent: FakeBrowserWindow | null; options: O } {
  return args.length === 2 ? { parent: args[0] as unknown as FakeBrowserWindow, options: args[1] } : { parent: null, options: args[0] };
}

export function createDialog(world: FakeWorld) {
  const takeFocus = (): void => {
    for (const window of world.windows) if (window.isFocused()) window.blur();
  };
  return {
    showErrorBox(title: string, content: string): void {
      world.errorBoxes.push({ title, content });
    },
    showMessageBox(...args: MessageBoxArgs): Promise<Electron.MessageBoxReturnValue> {
      const { parent, options } = split(args);
      world.messageBoxes.push({ ...options });
      takeFocus();
      return new Promise((resolve) => {
        const dialog: FakeOpenDialog = {
          options,
          parent,
          answer(response) {
            const index = world.openDialogs.indexOf(dialog);
            if (index < 0) throw new Error('this dialog was already answered');
            world.openDialogs.splice(index, 1);
            if (parent && !parent.isDestroyed() && parent.isVisible()) parent.focus();
            resolve({ response, checkboxChecked: options.checkboxChecked ?? false });
          },
        };
        world.openDialogs.push(dialog);
        const automatic = world.dialogResponse;
        if (automatic !== 'manual') setTimeout(() => dialog.answer(automatic), 0);
      });
    },
    /** Blocks the main process in Electron; the fake answers at once (there is no other turn to wait for). */
    showMessageBoxSync(...args: MessageBoxSyncArgs): number {
      const { options } = split(args);
      world.messageBoxes.push({ ...options });
      return world.dialogResponse === 'manual' ? (options.cancelId ?? 0) : world.dialogResponse;
    },
  } satisfies Pick<Electron.Dialog, 'showErrorBox' | 'showMessageBox' | 'showMessageBoxSync'>;
}
