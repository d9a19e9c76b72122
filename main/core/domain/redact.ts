/**
 * Redaction: removes known secret values and anything shaped like a token from text
 * before it can reach a log, an error message or the renderer.
 */
import { createHash } from 'node:crypto';

const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export function redact(text: string, secrets: Iterable<string | undefined | null> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(JWT_LIKE, '[redacted]');
}

/** A short, non-reversible fingerprint for telling tokens apart in the UI and logs. */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 8);
}

/** `abcd…wxyz`; short tokens are fully masked so that the mask reveals little. */
export function maskToken(token: string): string {
  if (token.length < 16) return '••••••••';
  return `${token.slice(0, 4)}…${token.slice(-4)}`;
}

/** Last four characters of a credential, for "saved (…a1b2)" displays. */
export function lastFour(secret: string): string {
  return secret.length <= 8 ? '' : secret.slice(-4);
}
