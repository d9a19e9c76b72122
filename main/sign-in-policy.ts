/**
 * Where the sign-in window may go, and which address hands over a request token. Pure (no
 * Electron), so the rules are tested as a table; sign-in-window.ts applies them to every
 * top-level navigation, server redirect and main-frame request.
 *
 * Top-level navigation is allowed only to
 * - Torus's own origins over https (`*.torusdigital.com`), and the login page's own origin
 *   (the profile's base URL, which the trader chose; the simulator's in development);
 * - the profile's redirect origin: the end URL the trader registered with Torus.
 * Everything else is blocked, open redirects on the way included. Subframes and subresources
 * are not judged here at all: Torus's page may embed a captcha, an OTP widget or fonts from
 * other origins, and those must keep working.
 *
 * A request token is accepted only from a top-level navigation or redirect to the redirect
 * origin. While that origin is not known yet (`redirectOrigin: null`), the first top-level
 * navigation that carries a request token to an origin that is not Torus's is accepted, and
 * its origin is reported so it can be saved: it is learnt, never guessed.
 */
import { isTrustedTorusUrl } from './core/domain/base-url.js';
import { findRequestTokenParam } from './core/domain/request-token.js';
import { normalizeRedirectOrigin, webOrigin } from './core/domain/redirect-origin.js';

export { normalizeRedirectOrigin, webOrigin };

export interface SignInPolicy {
  /** The origin of the login page we opened. */
  loginOrigin: string;
  /** The profile's redirect origin, or null while it is still to be learnt. */
  redirectOrigin: string | null;
}

export type NavigationDecision =
  { action: 'allow' } | { action: 'capture'; requestToken: string; origin: string } | { action: 'block'; reason: 'not-web' | 'foreign-origin' };

/** The request token a URL carries (query or fragment, any spelling of the name), or undefined. */
export function requestTokenFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const value = findRequestTokenParam(parsed)?.trim();
  return value ? value : undefined;
}

export function topLevelDecision(url: string, policy: SignInPolicy): NavigationDecision {
  const origin = webOrigin(url);
  if (origin === null) return { action: 'block', reason: 'not-web' };
  const torusOwn = isTrustedTorusUrl(url, { trustLoopback: false });
  const isTorus = torusOwn || origin === policy.loginOrigin;
  const token = requestTokenFromUrl(url);
  const redirectOrigin = normalizeRedirectOrigin(policy.redirectOrigin);

  if (redirectOrigin !== null) {
    if (origin === redirectOrigin) return token ? { action: 'capture', requestToken: token, origin } : { action: 'allow' };
    return isTorus ? { action: 'allow' } : { action: 'block', reason: 'foreign-origin' };
  }
  // Learning: a token handed to an origin that is not Torus's own is the redirect we wait for.
  if (token && !torusOwn) return { action: 'capture', requestToken: token, origin };
  return isTorus ? { action: 'allow' } : { action: 'block', reason: 'foreign-origin' };
}
