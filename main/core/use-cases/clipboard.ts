import type { ClipboardPort, TimerApi } from '../ports.js';
import { usableToken } from './tokens.js';
import type { Core } from './core.js';

/**
 * Copying the token: the usable token goes to the clipboard and is cleared again after the
 * configured time, but only if the clipboard still holds it (the user may have copied
 * something else since). Quitting clears it the same way.
 */
export class ClipboardGuard {
  private timer: unknown = undefined;
  private copied: string | null = null;

  constructor(
    private readonly clipboard: ClipboardPort,
    private readonly timers: TimerApi,
  ) {}

  put(token: string, autoClearSeconds: number): { clearsInSeconds: number | null } {
    this.clipboard.writeText(token);
    this.copied = token;
    this.cancelTimer();
    if (autoClearSeconds <= 0) return { clearsInSeconds: null };
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.clearIfOurs();
    }, autoClearSeconds * 1000);
    return { clearsInSeconds: autoClearSeconds };
  }

  /** Empties the clipboard if it still holds the token we put there. */
  clearIfOurs(): void {
    this.cancelTimer();
    if (this.copied !== null && this.clipboard.readText() === this.copied) this.clipboard.writeText('');
    this.copied = null;
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.cancelTimer();
  }
}

export async function copyToken(core: Core, guard: ClipboardGuard, profileId: string): Promise<{ clearsInSeconds: number | null }> {
  const { token } = await usableToken(core, profileId);
  return guard.put(token, core.settings.read().clipboard.autoClearSeconds);
}
