import { TorusError } from '../errors.js';

/**
 * Accepts what a user pastes after signing in: a bare request token, or the whole redirect
 * URL Torus sent the browser to. The parameter's case is not documented, so any spelling
 * of request_token / requestToken / REQUEST_TOKEN is found, in the query or the fragment.
 */
const PARAM_NAME = /^request[_-]?token$/i;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_LENGTH = 4096;

export function findRequestTokenParam(url: URL): string | undefined {
  const fromParams = (params: URLSearchParams): string | undefined => {
    for (const [name, value] of params) {
      if (PARAM_NAME.test(name)) return value;
    }
    return undefined;
  };
  const hash = url.hash.slice(1); // URL.hash is empty or starts with '#'
  // Fragments come as "#request_token=…" or, from hash-routed pages, "#/path?request_token=…".
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : hash.replace(/^\/+/, '');
  return fromParams(url.searchParams) ?? fromParams(new URLSearchParams(query));
}

/** Parses a URL only when the input clearly is one (a scheme followed by //). */
function asUrl(input: string): URL | undefined {
  // Stryker disable next-line Regex: without the anchor a "scheme://" inside the text also matches, but such text has spaces and is refused either way
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return undefined;
  try {
    return new URL(input);
  } catch {
    // It looks like an address but is not one: never take it for a bare token.
    throw new TorusError('invalid-input', 'That address could not be read. Copy the whole address from the browser again.');
  }
}

function requireParam(found: string | undefined): string {
  if (found === undefined) {
    throw new TorusError(
      'invalid-input',
      'That address has no request_token parameter. Copy the address of the page Torus redirected you to after you entered the OTP.',
    );
  }
  return found.trim();
}

export function parseRequestTokenInput(raw: string): string {
  const input = raw.trim();
  if (input.length === 0) {
    throw new TorusError('invalid-input', 'The request token is empty. Paste the token, or the whole address Torus redirected you to after signing in.');
  }
  const url = asUrl(input);
  let token: string;
  if (url) {
    token = requireParam(findRequestTokenParam(url));
  } else if (/^[^=\s]+=/.test(input) && /request[_-]?token=/i.test(input)) {
    // A pasted query string fragment such as "?REQUEST_TOKEN=abc&state=x" (a leading ?, # or & is part of the first name).
    token = requireParam(findRequestTokenParam(new URL(`http://x/?${input.replace(/^[?#&]/, '')}`)));
  } else {
    token = input;
  }
  if (token.length === 0) {
    throw new TorusError('invalid-input', 'The request_token parameter is empty. Sign in to Torus again to get a fresh one.');
  }
  if (CONTROL.test(token) || /\s/.test(token)) {
    throw new TorusError('invalid-input', 'The request token contains spaces or control characters. Copy it again without extra characters.');
  }
  if (token.length > MAX_LENGTH) {
    throw new TorusError('invalid-input', 'The request token is too long to be real. Copy it again from the redirect address.');
  }
  return token;
}
