import { isTrustedTorusUrl } from '../core/domain/base-url.js';
import type { ApprovalPolicy } from '../core/use-cases/approvals.js';

/**
 * The global options' rules, shared by the full CLI and the fast path (which must answer
 * exactly as the full CLI does): the per-attempt timeout's range, which base URLs are in effect,
 * and the warning when one points away from Torus.
 */
export interface UrlFlags {
  baseUrl?: string;
  totpBaseUrl?: string;
}

/** You type the CLI's URLs yourself: loopback (the simulator) needs no approval here. */
export const CLI_POLICY: ApprovalPolicy = { trustLoopback: true };

/** `--timeout`: seconds per attempt, 1 to 300. */
export function isValidTimeoutSeconds(value: string): boolean {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 1 && seconds <= 300;
}

/** Effective overrides: the flag beats the environment, which beats the profile's setting. */
export function effectiveUrls(flags: UrlFlags, env: NodeJS.ProcessEnv): UrlFlags {
  const baseUrl = flags.baseUrl ?? nonEmpty(env.TORUS_BASE_URL);
  // TOTP calls: --totp-base-url, then TORUS_TOTP_BASE_URL, then a --base-url flag (one
  // server for everything, as with the simulator), then the profile's TOTP base URL.
  const totpBaseUrl = flags.totpBaseUrl ?? nonEmpty(env.TORUS_TOTP_BASE_URL) ?? flags.baseUrl;
  return { ...(baseUrl === undefined ? {} : { baseUrl }), ...(totpBaseUrl === undefined ? {} : { totpBaseUrl }) };
}

/**
 * Credentials follow these URLs: say so when one points away from Torus (a typo in an
 * environment variable should not silently send the API secret elsewhere).
 */
export function untrustedUrlWarnings(urls: UrlFlags): string[] {
  const lines: string[] = [];
  for (const url of new Set([urls.baseUrl, urls.totpBaseUrl])) {
    if (url !== undefined && !isTrustedTorusUrl(url, CLI_POLICY)) {
      lines.push(`torus-token: warning: using ${url.slice(0, 200)}, which is not a Torus server; credentials are sent there.`);
    }
  }
  return lines;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}
