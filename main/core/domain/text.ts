import { TorusError } from '../errors.js';

/**
 * Text that is shown to the user as-is (profile names in menus and dialogs, export paths and
 * hook commands in approval dialogs) must be one honest line: no control characters, no line
 * breaks, and no bidirectional overrides that could make a dialog say something other than
 * what will run.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/;

export function hasUnsafeText(value: string): boolean {
  return UNSAFE.test(value);
}

export function checkDisplayText(value: string, label: string): string {
  if (hasUnsafeText(value)) {
    throw new TorusError('invalid-input', `${label} must not contain line breaks, control characters or text-direction marks.`);
  }
  return value;
}
