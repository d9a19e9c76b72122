import { configDir } from '../../core/paths.js';
import { KeytarBackend, Vault, keychainServiceFor, type StoredToken } from '../../core/infra/keychain.js';
import { fingerprint } from '../../core/domain/redact.js';
import { EXIT } from '../../core/errors.js';
import type { CliIo } from '../io.js';
import { effectiveUrls, isValidTimeoutSeconds, untrustedUrlWarnings } from '../options.js';
import { tokenJson } from '../format.js';
import { reportFailure } from '../report-error.js';
import { parseQuickRequest, type QuickRequest } from './request.js';
import { quickProfile, readQuickSettings, type QuickSettings, type QuickProfile } from './quick-settings.js';

/**
 * `get`, `exec` and `wait` at keychain speed. Bots call them many times a day, and nearly always
 * a valid token is stored: then this module answers with one small file read and one keychain
 * read, without loading the command parser, the schema library or the HTTP client.
 *
 * It answers only that case, and exactly as the full CLI would (same output, same warnings,
 * same exit codes; test/cli-fast-path.test.ts compares them). Everything else returns null
 * before writing anything, and the full CLI runs: no profile or token, an expired token (which
 * may need a refresh, or the export retracted), a legacy keychain item, an unusual settings
 * file, a keychain error, help, --debug, any parse doubt.
 */
export interface FastPathOptions {
  now?: () => number;
  /** The keychain backend (tests); the real one by default. */
  vault?: (service: string) => Pick<Vault, 'getToken'>;
}

interface ValidToken {
  token: string;
  expiresAt: number;
  profile: QuickProfile;
}

export async function tryFastPath(argv: readonly string[], io: CliIo, options: FastPathOptions = {}): Promise<number | null> {
  const request = parseQuickRequest(argv);
  if (!request) return null;
  if (request.globals.timeout !== undefined && !isValidTimeoutSeconds(request.globals.timeout)) return null;
  let found: ValidToken | null;
  try {
    found = await validToken(request, io.env, options);
  } catch {
    return null; // the full CLI reports it in its own words
  }
  if (!found) return null;

  for (const line of untrustedUrlWarnings(effectiveUrls(request.globals, io.env))) io.stderr.write(`${line}\n`);
  if (request.command === 'exec') {
    try {
      const { runWithToken } = await import('../run-with-token.js'); // child_process: only for exec
      return await runWithToken(request.argv, io.env, found.token);
    } catch (error) {
      return reportFailure(error, io, false);
    }
  }
  io.stdout.write(request.command === 'get' && request.json ? tokenJson(found.token, found.expiresAt, found.profile.id) : `${found.token}\n`);
  return EXIT.ok;
}

async function validToken(request: QuickRequest, env: NodeJS.ProcessEnv, options: FastPathOptions): Promise<ValidToken | null> {
  const settings = readQuickSettings(configDir(env));
  if (!settings) return null;
  const profile = quickProfile(settings, request.profile);
  if (!profile) return null;
  const service = keychainServiceFor(env);
  const vault = options.vault?.(service) ?? new Vault(new KeytarBackend(), service);
  const stored = await vault.getToken(profile.id);
  if (!stored) return null;
  const expiresAt = expiryOf(settings, profile.id, stored);
  if (expiresAt === null || !((options.now ?? Date.now)() < expiresAt)) return null;
  return { token: stored.token, expiresAt, profile };
}

/**
 * The expiry the core's lookupToken uses: the settings' record when it describes this very
 * token (same fingerprint), else the keychain item's own. Null for a legacy item without one.
 */
function expiryOf(settings: QuickSettings, profileId: string, stored: StoredToken): number | null {
  const record = settings.tokens[profileId];
  if (record && record.fingerprint === fingerprint(stored.token)) return record.expiresAt;
  return stored.meta?.expiresAt ?? null;
}
