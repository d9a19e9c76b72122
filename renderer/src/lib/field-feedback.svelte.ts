import type { ProfilePatch, Result, SettingsPatch } from '../../../preload/contract.js';
import { store } from './store.svelte.js';

/**
 * Per-field feedback for the forms (Settings and the guided setup): the error message of a
 * field's last failed change, shown next to it, or a brief "Saved" after a good one. There is
 * one for the whole popover, so only the latest change shows "Saved". Render it with
 * `FieldMessage.svelte`; tie the field to it with `describedBy` and `invalid`. Both outcomes are
 * also announced through the popover's one status region (`store.announce`).
 */
class FieldFeedback {
  errors = $state<Record<string, string>>({});
  saved = $state<string | null>(null);
  #savedTimer: ReturnType<typeof setTimeout> | undefined;

  /** Records the result of a change to `field` and announces it (`done`: what to say when it worked); true when it succeeded. */
  mark(field: string, result: Result<unknown>, done = 'Saved.'): boolean {
    if (!result.ok) {
      this.fail(field, result.error.message);
      return false;
    }
    delete this.errors[field];
    if (done) store.announce(done);
    this.saved = field;
    clearTimeout(this.#savedTimer);
    this.#savedTimer = setTimeout(() => (this.saved = null), 2000);
    return true;
  }

  /** Shows a message next to `field` without saving anything (input the renderer already knows is bad), and announces it. */
  fail(field: string, message: string): void {
    this.errors[field] = message;
    store.announce(message);
  }

  /** The id of the field's error message, for `aria-describedby` (present only while it shows). */
  describedBy(field: string, hint = ''): string | undefined {
    return (this.errors[field] ? `${field}-error ${hint}` : hint).trim() || undefined;
  }

  /** The `aria-invalid` value for an input whose changes report to `field`. */
  invalid(field: string): 'true' | undefined {
    return this.errors[field] ? 'true' : undefined;
  }

  async saveProfile(profileId: string, field: string, patch: Omit<ProfilePatch, 'profileId'>): Promise<boolean> {
    return this.mark(field, await store.change((t) => t.updateProfile({ profileId, ...patch })));
  }

  async saveSetting(field: string, patch: SettingsPatch): Promise<boolean> {
    return this.mark(field, await store.updateSettings(patch));
  }
}

export const feedback = new FieldFeedback();

/** The value of the input (or select) an event came from. */
export const inputText = (event: Event): string => (event.currentTarget as HTMLInputElement).value;

/** Whether the checkbox an event came from is now checked. */
export const inputChecked = (event: Event): boolean => (event.currentTarget as HTMLInputElement).checked;
