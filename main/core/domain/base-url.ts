import { TorusError } from '../errors.js';

export const DEFAULT_BASE_URL = 'https://connects.torusdigital.com';
export const DEFAULT_TOTP_BASE_URL = 'https://oapi-cug.torusdigital.com';

function isLoopbackHost(hostname: string): boolean {
  // Stryker disable next-line Regex: URL.hostname has brackets only around an IPv6 address, so the anchors change nothing
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  // Stryker disable next-line Regex: URL parses a host ending in a number as IPv4 and writes it as four decimals, so nothing can come before "127."
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

/**
 * Torus's own hosts over https: safe to send credentials to without asking. Loopback (the
 * simulator, a local proxy) only when the caller trusts it: a local listener started by
 * malware would otherwise receive the credentials without a question.
 */
export function isTrustedTorusUrl(url: string, options: { trustLoopback: boolean } = { trustLoopback: false }): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Stryker disable next-line Regex: as in isLoopbackHost
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopbackHost(host)) return options.trustLoopback;
  return parsed.protocol === 'https:' && (host === 'torusdigital.com' || host.endsWith('.torusdigital.com'));
}
