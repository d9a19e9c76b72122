import { TorusError } from './errors.js';

export const DEFAULT_BASE_URL = 'https://connects.torusdigital.com';
export const DEFAULT_TOTP_BASE_URL = 'https://oapi-cug.torusdigital.com';

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Only https, except loopback (the simulator, local proxies): credentials must never travel
 * in clear text across a network. Returns the URL without a trailing slash.
 */
export function normalizeBaseUrl(raw: string, label = 'Base URL'): string {
  const input = raw.trim();
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TorusError('invalid-input', `${label} "${input.slice(0, 100)}" is not a valid URL. Use for example ${DEFAULT_BASE_URL}.`);
  }
  if (url.username || url.password) {
    throw new TorusError('invalid-input', `${label} must not contain a user name or password.`);
  }
  if (url.search || url.hash) {
    throw new TorusError('invalid-input', `${label} must not contain a query or fragment.`);
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TorusError('invalid-input', `${label} must use https:// (plain http is allowed only for 127.0.0.1, ::1 or localhost).`);
  }
  return url.toString().replace(/\/+$/, '');
}

export function isValidBaseUrl(raw: string): boolean {
  try {
    normalizeBaseUrl(raw);
    return true;
  } catch {
    return false;
  }
}

/** Torus's own hosts and loopback (the simulator): safe to send credentials to without asking. */
export function isTrustedTorusUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return host === 'torusdigital.com' || host.endsWith('.torusdigital.com') || isLoopbackHost(host);
}
