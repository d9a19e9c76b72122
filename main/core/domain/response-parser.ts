import { TorusError } from '../errors.js';
import { redact } from './redact.js';

/**
 * Torus documents its success body with a trailing comma (`{"AccessToken": "…",}`), which is
 * not JSON. We accept valid JSON and that one documented deviation, nothing looser.
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Remove commas that directly precede a closing brace/bracket, outside strings.
    const repaired = stripTrailingCommas(text);
    return JSON.parse(repaired);
  }
}

function stripTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    if (ch === ',') {
      let j = i + 1;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: past the end text[j] is undefined, which is not whitespace either
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += ch;
  }
  return out;
}

const MAX_MESSAGE_LENGTH = 300;

/**
 * Extracts Torus's human message from an error body, if it has one. `secrets` are removed
 * before the message is shortened: shortening first could cut an echoed secret in two, and
 * the remaining prefix would no longer match (and so leak).
 */
// Stryker disable next-line ArrayDeclaration: a default of no secrets; any other default value would not occur in a message
export function torusMessageOf(json: unknown, secrets: Iterable<string | undefined | null> = []): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const record = json as Record<string, unknown>;
  for (const key of ['message', 'Message', 'error', 'errorMessage', 'error_description', 'detail']) {
    const value = record[key];
    if (typeof value === 'string' && value.trim().length > 0) return redact(value, secrets).trim().slice(0, MAX_MESSAGE_LENGTH);
  }
  return undefined;
}

const MAX_TOKEN_LENGTH = 16 * 1024;

/** Requires a non-empty string AccessToken; explains what was wrong otherwise. */
// Stryker disable next-line ArrayDeclaration: as above
export function parseAccessTokenBody(text: string, contentType: string | null, secrets: Iterable<string | undefined | null> = []): string {
  const trimmed = text.trim();
  // Stryker disable next-line StringLiteral: any stand-in for a missing content type that is not HTML gives the same answer
  if (trimmed.startsWith('<') || (contentType ?? '').toLowerCase().includes('text/html')) {
    throw new TorusError(
      'invalid-response',
      'Torus answered with a web page instead of a token. The service may be down or the base URL may be wrong; check the base URL (Settings in the app, --base-url on the command line) and try again later.',
    );
  }
  let json: unknown;
  try {
    json = parseJsonLenient(trimmed);
  } catch {
    throw new TorusError(
      'invalid-response',
      'Torus answered with something that is not JSON. Check the base URL (Settings in the app, --base-url on the command line); if it is right, try again later.',
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TorusError(
      'invalid-response',
      'Torus answered with JSON that is not an object. Check the base URL (Settings in the app, --base-url on the command line).',
    );
  }
  const record = json as Record<string, unknown>;
  const token = record.AccessToken ?? record.accessToken ?? record.access_token;
  if (typeof token !== 'string' || token.trim().length === 0) {
    const hint = torusMessageOf(json, secrets);
    throw new TorusError(
      'invalid-response',
      `Torus's answer has no access token${hint ? ` (Torus said: "${hint}")` : ''}. Try again; if it persists, sign in again.`,
      // Stryker disable next-line ConditionalExpression: { torusMessage: undefined } reads the same as {}
      hint === undefined ? {} : { torusMessage: hint },
    );
  }
  // Control characters: the token travels in an HTTP header (where they are refused) and
  // through the keychain (where a NUL silently cuts it short).
  if (token.length > MAX_TOKEN_LENGTH || /\s/.test(token.trim()) || /[\u0000-\u001f\u007f-\u009f]/.test(token.trim())) {
    throw new TorusError(
      'invalid-response',
      'Torus sent an access token that does not look valid (too long, or with spaces or control characters). Try again later.',
    );
  }
  return token.trim();
}
