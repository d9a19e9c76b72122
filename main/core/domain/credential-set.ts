import { createHmac } from 'node:crypto';
import type { ProfileMode } from './settings-schema.js';

/**
 * Identifies a credential set without storing it: an HMAC of the values keyed by the secret
 * part (API secret, or TOTP secret). It goes into the settings file when Torus refuses the set,
 * so that no process sends that exact set again; without the secret it reveals nothing.
 */
export interface CredentialSet {
  mode: ProfileMode;
  apiKey: string;
  apiSecret?: string | null;
  requestToken?: string | null;
  totpSecret?: string | null;
}

export function credentialSetId(set: CredentialSet): string {
  const key = (set.mode === 'totp' ? set.totpSecret : set.apiSecret) ?? '';
  const parts = set.mode === 'totp' ? [set.mode, set.apiKey] : [set.mode, set.apiKey, set.requestToken ?? ''];
  return createHmac('sha256', `torus-token credential set\0${key}`).update(parts.join('\0')).digest('hex').slice(0, 16);
}
