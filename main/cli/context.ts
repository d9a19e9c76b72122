import { createCore, type Core } from '../core/use-cases/core.js';
import { keychainServiceFor } from '../core/infra/keychain.js';
import { configDir } from '../core/paths.js';
import { redact } from '../core/domain/redact.js';
import { TorusError } from '../core/errors.js';
import type { ApprovalPolicy } from '../core/use-cases/approvals.js';
import type { Approver } from '../core/ports.js';
import { promptLine, type CliIo } from './io.js';
import { CLI_POLICY, effectiveUrls, untrustedUrlWarnings } from './options.js';

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
  const core = await createCore({ configDir: configDir(io.env), keychainService: keychainServiceFor(io.env), log, policy: CLI_POLICY });
  for (const warning of core.settings.warnings) io.stderr.write(`torus-token: warning: ${warning.message}\n`);
  const urls = effectiveUrls(options, io.env);
  for (const line of untrustedUrlWarnings(urls)) io.stderr.write(`${line}\n`);
  return {
    io,
    core,
    debug,
    overrides: { ...urls, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
    approver: cliApprover(io, options.yes === true),
    policy: CLI_POLICY,
    log,
    info: (line: string) => io.stderr.write(`${line}\n`),
  };
}
