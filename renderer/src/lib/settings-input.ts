import type { SettingsPatch } from '../../../preload/contract.js';

/**
 * Checks for what is typed into the app settings, before anything is saved. Each takes the
 * trimmed text and returns either the change to save or the message to show next to the field.
 */
export type SettingInput = (raw: string) => SettingsPatch | string;

const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A check for a whole number of seconds from `min` to `max`. */
function seconds(min: number, max: number, message: string, patch: (value: number) => SettingsPatch): SettingInput {
  return (raw) => {
    const value = Number(raw);
    return raw !== '' && Number.isInteger(value) && value >= min && value <= max ? patch(value) : message;
  };
}

export const clipboardSecondsInput = seconds(0, 3600, 'Enter whole seconds from 0 to 3600 (0 keeps the token on the clipboard).', (value) => ({
  clipboardAutoClearSeconds: value,
}));

export const timeoutInput = seconds(1, 120, 'Enter whole seconds from 1 to 120.', (value) => ({ timeoutSeconds: value }));

/** A clock time such as 08:45 (the ready-by time and the daily cutoff). */
export const isClockTime = (raw: string): boolean => CLOCK_TIME.test(raw);

export const cutoffTimeInput: SettingInput = (raw) => (CLOCK_TIME.test(raw) ? { cutoffTime: raw } : 'Enter the time tokens stop working, such as 06:00.');

/** An IANA time zone this computer knows; checked only on a change (Intl is slow to start). */
export const cutoffZoneInput: SettingInput = (raw) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw }); // throws on a zone it does not know
    return { cutoffZone: raw };
  } catch {
    return 'Enter an IANA time zone such as Asia/Kolkata or Europe/London.';
  }
};

/** Empty turns the shortcut off. */
export const shortcutInput: SettingInput = (raw) => ({ copyShortcut: raw === '' ? null : raw });
