import { SettingsStore } from '../settings-store.js';
import { KeytarBackend, Vault, keychainServiceFor } from '../vault.js';
import { TokenService } from '../token-service.js';
import { configDir } from '../paths.js';
import { redact } from '../redact.js';
import { isTrustedTorusUrl } from '../base-url.js';
import type { CliIo } from './io.js';

export interface GlobalOptions {
  baseUrl?: string;
  totpBaseUrl?: string;
  timeout?: string;
  debug?: boolean;
}

/** Everything a command needs, built once per invocation. */
export interface CliContext {
  io: CliIo;
  settings: SettingsStore;
  vault: Vault;
  service: TokenService;
  debug: boolean;
  /** Effective overrides: flag beats environment beats the profile's setting. */
  overrides: { baseUrl?: string; totpBaseUrl?: string; timeoutMs?: number };
  log: (line: string) => void;
  info: (line: string) => void;
}

export function createContext(io: CliIo, options: GlobalOptions, timeoutMs: number | undefined): CliContext {
  const debug = options.debug === true;
  const log = (line: string) => {
    if (debug) io.stderr.write(`[debug] ${redact(line)}\n`);
  };
  const settings = SettingsStore.open({ dir: configDir(io.env) });
  for (const warning of settings.warnings) io.stderr.write(`torus-token: warning: ${warning.message}\n`);
  const vault = new Vault(new KeytarBackend(), keychainServiceFor(io.env));
  const service = new TokenService({ settings, vault, log });
  const baseUrl = options.baseUrl ?? nonEmpty(io.env.TORUS_BASE_URL);
  // TOTP calls: --totp-base-url, then TORUS_TOTP_BASE_URL, then a --base-url flag (one
  // server for everything, as with the simulator), then the profile's TOTP base URL.
  const totpBaseUrl = options.totpBaseUrl ?? nonEmpty(io.env.TORUS_TOTP_BASE_URL) ?? options.baseUrl;
  // Credentials follow these URLs: say so when one points away from Torus (a typo in an
  // environment variable should not silently send the API secret elsewhere).
  for (const url of new Set([baseUrl, totpBaseUrl])) {
    if (url !== undefined && !isTrustedTorusUrl(url))
      io.stderr.write(`torus-token: warning: using ${url.slice(0, 200)}, which is not a Torus server; credentials are sent there.\n`);
  }
  return {
    io,
    settings,
    vault,
    service,
    debug,
    overrides: {
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(totpBaseUrl === undefined ? {} : { totpBaseUrl }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
    log,
    info: (line: string) => io.stderr.write(`${line}\n`),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}
