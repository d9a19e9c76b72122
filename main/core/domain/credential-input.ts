import { TorusError } from '../errors.js';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** An API key or secret as typed or pasted: trimmed, non-empty, one word, bounded. */
export function checkCredential(value: string | undefined, label: string): string {
  const trimmed = (value ?? '').trim();
  if (trimmed.length === 0) throw new TorusError('invalid-input', `${label} is empty.`);
  if (CONTROL.test(trimmed) || /\s/.test(trimmed)) throw new TorusError('invalid-input', `${label} contains spaces or control characters.`);
  if (trimmed.length > 4096) throw new TorusError('invalid-input', `${label} is too long.`);
  return trimmed;
}
