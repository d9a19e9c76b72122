import { Secret, TOTP } from 'otpauth';
import { TorusError } from '../errors.js';

/** Normalises a base32 TOTP secret as authenticator apps show it (spaces, lower case). */
export function normalizeTotpSecret(raw: string): string {
  const secret = raw.replace(/[\s-]/g, '').toUpperCase().replace(/=+$/, '');
  if (secret.length < 16 || !/^[A-Z2-7]+$/.test(secret)) {
    throw new TorusError(
      'invalid-input',
      'The TOTP secret must be the base32 key from your authenticator setup (letters A–Z and digits 2–7, at least 16 characters).',
    );
  }
  return secret;
}

/** RFC 6238 code (SHA-1, 6 digits, 30 s), as Torus's TOTP login expects. */
export function totpCode(secretBase32: string, atMs: number): string {
  const totp = new TOTP({ secret: Secret.fromBase32(normalizeTotpSecret(secretBase32)), digits: 6, period: 30, algorithm: 'SHA1' });
  return totp.generate({ timestamp: atMs });
}
