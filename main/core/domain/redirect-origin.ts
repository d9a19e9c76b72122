/**
 * The redirect origin: where Torus sends the browser after sign-in, with the request token. It
 * is whatever the trader registered with Torus, so it is learnt from the first sign-in (or
 * typed), never guessed; the sign-in window then goes nowhere else outside Torus.
 */

/** The origin of an http(s) URL, or null (other schemes, invalid input). */
export function webOrigin(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** A redirect origin as stored: an http(s) origin, normalised, or null when it is not one. */
export function normalizeRedirectOrigin(value: string | null | undefined): string | null {
  if (!value) return null;
  // Stryker disable next-line MethodExpression: URL itself strips leading and trailing spaces and control characters; trim() says so
  return webOrigin(value.trim());
}
