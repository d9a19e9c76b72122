import { createCore, type Core } from '../core/use-cases/core.js';
import { keychainServiceFor } from '../core/infra/keychain.js';
import { configDir } from '../core/paths.js';
import { redact } from '../core/domain/redact.js';
import { isTrustedTorusUrl } from '../core/domain/base-url.js';
import { TorusError } from '../core/errors.js';
import type { ApprovalPolicy } from '../core/use-cases/approvals.js';
import type { Approver } from '../core/ports.js';
import { promptLine, type CliIo } from './io.js';

export interface GlobalOptions {
  baseUrl?: string;
  totpBaseUrl?: string;
  timeout?: string;
  debug?: boolean;
  yes?: boolean;
}

/** Everything a command needs, built once per invocation. */
export interface CliContext {
  io: CliIo;
  core: Core;
  debug: boolean;
  /** Effective overrides: flag beats environment beats the profile's setting. */
  overrides: { baseUrl?: string; totpBaseUrl?: string; timeoutMs?: number };
  approver: Approver;
  /** You type the CLI's URLs yourself: loopback (the simulator) needs no approval here. */
  policy: ApprovalPolicy;
  log: (line: string) => void;
  info: (line: string) => void;
}

/**
 * The CLI's approver: the change is printed, then approved by `--yes`, or by answering "y" on a
 * terminal. A script without `--yes` gets a clear refusal instead of a silent change.
 */
export function cliApprover(io: CliIo, yes: boolean): Approver {
  return {
    async approve({ profileName, changes }) {
      io.stderr.write(`torus-token: this changes${profileName ? ` profile "${profileName}"` : ' your settings'}:\n`);
      for (const change of changes) io.stderr.write(`  - ${change.description}\n`);
      if (yes) return true;
      if (!io.stdin.isTTY) {
        throw new TorusError('invalid-input', 'This change needs your approval: run the command again with --yes, or in a terminal to answer the question.');
      }
      const answer = await promptLine(io, 'Allow? [y/N] ');
      return /^y(es)?$/i.test(answer.trim());
    },
  };
}

export async function createContext(io: CliIo, options: GlobalOptions, timeoutMs: number | undefined): Promise<CliContext> {
  const debug = options.debug === true;
  const log = (line: string) => {
    if (debug) io.stderr.write(`[debug] ${redact(line)}\n`);
  };
  const core = await createCore({ configDir: configDir(io.env), keychainService: keychainServiceFor(io.env), log });
  for (const warning of core.settings.warnings) io.stderr.write(`torus-token: warning: ${warning.message}\n`);
  const baseUrl = options.baseUrl ?? nonEmpty(io.env.TORUS_BASE_URL);
  // TOTP calls: --totp-base-url, then TORUS_TOTP_BASE_URL, then a --base-url flag (one
  // server for everything, as with the simulator), then the profile's TOTP base URL.
  const totpBaseUrl = options.totpBaseUrl ?? nonEmpty(io.env.TORUS_TOTP_BASE_URL) ?? options.baseUrl;
  const policy: ApprovalPolicy = { trustLoopback: true };
  // Credentials follow these URLs: say so when one points away from Torus (a typo in an
  // environment variable should not silently send the API secret elsewhere).
  for (const url of new Set([baseUrl, totpBaseUrl])) {
    if (url !== undefined && !isTrustedTorusUrl(url, policy)) {
      io.stderr.write(`torus-token: warning: using ${url.slice(0, 200)}, which is not a Torus server; credentials are sent there.\n`);
    }
  }
  return {
    io,
    core,
    debug,
    overrides: {
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(totpBaseUrl === undefined ? {} : { totpBaseUrl }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
    approver: cliApprover(io, options.yes === true),
    policy,
    log,
    info: (line: string) => io.stderr.write(`${line}\n`),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim().length > 0 ? value.trim() : undefined;
}
