import type { GlobalShortcut } from 'electron';

/**
 * The optional global "copy token" shortcut. One accelerator at a time: applying a new one
 * unregisters the previous one; when the new one cannot be registered, the previous one is
 * restored and a user-facing problem is returned (the setting is then not saved).
 */
export type GlobalShortcutLike = Pick<GlobalShortcut, 'register' | 'unregister' | 'isRegistered'>;

const registered = new WeakMap<object, { accelerator: string; onPress: () => void }>();

/** Accelerator as the user reads it: `CommandOrControl+Alt+T` → `Ctrl+Alt+T` (`Cmd+Alt+T` on macOS). */
export function displayAccelerator(accelerator: string, platform: NodeJS.Platform = process.platform): string {
  const mac = platform === 'darwin';
  const names: Record<string, string> = {
    commandorcontrol: mac ? 'Cmd' : 'Ctrl',
    cmdorctrl: mac ? 'Cmd' : 'Ctrl',
    command: 'Cmd',
    cmd: 'Cmd',
    control: 'Ctrl',
    ctrl: 'Ctrl',
    alt: 'Alt',
    option: 'Option',
    altgr: 'AltGr',
    shift: 'Shift',
    super: 'Super',
    meta: 'Meta',
  };
  return accelerator
    .split('+')
    .map((part) => names[part.trim().toLowerCase()] ?? part.trim())
    .join('+');
}

const MODIFIERS = new Set(['commandorcontrol', 'cmdorctrl', 'command', 'cmd', 'control', 'ctrl', 'alt', 'option', 'altgr', 'shift', 'super', 'meta']);
/** Keys a global shortcut must not take with a single Ctrl/Cmd: copy, paste, cut, select all, undo (and redo). */
const EDITING_KEYS = new Set(['c', 'v', 'x', 'a', 'z', 'y', 'insert']);

/**
 * Checks an accelerator before anything is registered: it needs a modifier and one key, and it
 * must not shadow the editing keys every app relies on (a global Ctrl+C would swallow copy
 * everywhere). Returns a user-facing problem, or null.
 */
export function checkAccelerator(accelerator: string | null, platform: NodeJS.Platform = process.platform): string | null {
  const wanted = accelerator?.trim() || null;
  if (wanted === null) return null;
  const parts = wanted.split('+').map((part) => part.trim().toLowerCase());
  const keys = parts.filter((part) => !MODIFIERS.has(part));
  const modifiers = parts.filter((part) => MODIFIERS.has(part));
  const shown = displayAccelerator(wanted, platform);
  if (parts.some((part) => part === '') || keys.length !== 1)
    return `The shortcut ${shown} is not a valid key combination; choose another (for example Ctrl+Alt+T).`;
  if (modifiers.length === 0 || modifiers.every((m) => m === 'shift'))
    return `The shortcut ${shown} needs Ctrl, Cmd or Alt: on its own it would take that key from every app.`;
  const plainCommand = modifiers.every((m) => ['commandorcontrol', 'cmdorctrl', 'command', 'cmd', 'control', 'ctrl', 'meta', 'super', 'shift'].includes(m));
  if (plainCommand && EDITING_KEYS.has(keys[0]!))
    return `The shortcut ${shown} is used for copying, pasting or undoing in every app; choose another (for example Ctrl+Alt+T).`;
  return null;
}

function tryRegister(globalShortcut: GlobalShortcutLike, accelerator: string, onPress: () => void): 'ok' | 'taken' | 'invalid' {
  try {
    return globalShortcut.register(accelerator, onPress) ? 'ok' : 'taken';
  } catch {
    // Electron throws on an accelerator it cannot parse.
    return 'invalid';
  }
}

/** Returns a user-facing problem, or null when the shortcut is in place (or turned off). */
export function applyCopyShortcut(
  globalShortcut: GlobalShortcutLike,
  accelerator: string | null,
  onPress: () => void,
  platform: NodeJS.Platform = process.platform,
): string | null {
  const wanted = accelerator?.trim() || null;
  // Checked before anything is unregistered: a refused shortcut leaves the old one in place.
  const problem = checkAccelerator(wanted, platform);
  if (problem) return problem;
  const previous = registered.get(globalShortcut);

  if (previous && wanted === previous.accelerator && globalShortcut.isRegistered(wanted)) {
    if (previous.onPress !== onPress) {
      globalShortcut.unregister(wanted);
    } else {
      return null;
    }
  } else if (previous) {
    globalShortcut.unregister(previous.accelerator);
  }
  registered.delete(globalShortcut);
  if (wanted === null) return null;

  const outcome = tryRegister(globalShortcut, wanted, onPress);
  if (outcome === 'ok') {
    registered.set(globalShortcut, { accelerator: wanted, onPress });
    return null;
  }
  // Keep the shortcut the user had, since the new one is not saved.
  if (previous && previous.accelerator !== wanted && tryRegister(globalShortcut, previous.accelerator, previous.onPress) === 'ok') {
    registered.set(globalShortcut, previous);
  }
  const shown = displayAccelerator(wanted, platform);
  return outcome === 'taken'
    ? `The shortcut ${shown} is used by another app; choose another.`
    : `The shortcut ${shown} is not a valid key combination; choose another (for example Ctrl+Alt+T).`;
}

/** Unregisters the copy shortcut (on quit). */
export function clearCopyShortcut(globalShortcut: GlobalShortcutLike): void {
  const previous = registered.get(globalShortcut);
  if (previous) globalShortcut.unregister(previous.accelerator);
  registered.delete(globalShortcut);
}
