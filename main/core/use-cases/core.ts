import { SettingsFile, type SettingsWriter } from '../infra/settings-file.js';
import { KeytarBackend, Vault, KEYCHAIN_SERVICE, type SecretBackend } from '../infra/keychain.js';
import type { ClientOptions } from '../infra/session-client.js';
import type { Clock, Log } from '../ports.js';
import type { RefreshOutcome } from './tokens.js';
import type { ApprovalPolicy } from './approvals.js';

/**
 * What every use case works with: the shared settings file, the keychain, the clock, the HTTP
 * options and the in-process bookkeeping (refreshes in flight, change listeners). The app and
 * the CLI each create one per process and pass it to the same use-case functions.
 */
export interface Core {
  readonly settings: SettingsFile;
  readonly vault: Vault;
  readonly now: Clock;
  readonly log: Log;
  /**
   * Which servers this process trusts without an approval: Torus's own always; loopback (the
   * simulator) only in the CLI (you type its URLs) and in unpackaged development.
   */
  readonly policy: ApprovalPolicy;
  /** For the session client: retry policy, injected sleep/random/fetch in tests. */
  readonly http: Omit<ClientOptions, 'timeoutMs' | 'signal' | 'log'>;
  /** Refreshes running in this process, by profile (one HTTP request per profile at a time). */
  readonly flights: Map<string, Promise<RefreshOutcome>>;
  /** Something about a profile changed (a refresh started or ended, credentials, settings). */
  onChange(listener: (profileId: string | null) => void): () => void;
  changed(profileId: string | null): void;
}

export interface CoreOptions {
  configDir: string;
  keychain?: SecretBackend;
  keychainService?: string;
  now?: Clock;
  log?: Log;
  http?: Core['http'];
  /** Default: trust no loopback server. */
  policy?: ApprovalPolicy;
  /** Poll interval while another process writes the settings. */
  lockPollMs?: number;
  /** How the settings text reaches the disk (default: the core's own atomic writer). */
  settingsWriter?: SettingsWriter;
  /** See SettingsFileOptions.unreadable: the app keeps running on defaults, the CLI fails. */
  settingsUnreadable?: 'throw' | 'use-defaults';
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const log = options.log ?? (() => undefined);
  const settings = await SettingsFile.open({
    dir: options.configDir,
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.lockPollMs ? { lockPollMs: options.lockPollMs } : {}),
    ...(options.settingsWriter ? { writer: options.settingsWriter } : {}),
    ...(options.settingsUnreadable ? { unreadable: options.settingsUnreadable } : {}),
  });
  const vault = new Vault(options.keychain ?? new KeytarBackend(), options.keychainService ?? KEYCHAIN_SERVICE);
  return coreFrom({ settings, vault, now: options.now ?? Date.now, log, http: options.http ?? {}, policy: options.policy ?? { trustLoopback: false } });
}

/** A Core over already-made parts (tests that share one settings file between two "processes"). */
export function coreFrom(parts: { settings: SettingsFile; vault: Vault; now?: Clock; log?: Log; http?: Core['http']; policy?: ApprovalPolicy }): Core {
  const listeners = new Set<(profileId: string | null) => void>();
  const log = parts.log ?? (() => undefined);
  return {
    settings: parts.settings,
    vault: parts.vault,
    now: parts.now ?? Date.now,
    log,
    http: parts.http ?? {},
    policy: parts.policy ?? { trustLoopback: false },
    flights: new Map(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    changed(profileId) {
      for (const listener of listeners) {
        try {
          listener(profileId);
        } catch (error) {
          log(`change listener failed: ${error instanceof Error ? error.name : 'error'}`);
        }
      }
    },
  };
}
