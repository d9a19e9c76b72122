import { createRequire } from 'node:module';
import { TorusError, messages } from '../errors.js';
import type { TokenMeta } from '../domain/settings-schema.js';
import { fingerprint } from '../domain/redact.js';

/**
 * Secrets live only in the OS keychain. Callers see this small interface; keytar sits behind
 * `KeytarBackend` so it can be swapped (keytar is archived) without touching them.
 */
export const KEYCHAIN_SERVICE = 'Torus Token';

/** `npm run demo` keeps its demo credentials apart from real ones with its own service name. */
export function keychainServiceFor(env: NodeJS.ProcessEnv = process.env): string {
  return env.TORUS_TOKEN_KEYCHAIN_SERVICE?.trim() || KEYCHAIN_SERVICE;
}

/** `approvals` holds fingerprints of the sensitive settings the user approved (not a secret, but out of reach of a settings-file edit). */
export const SECRET_NAMES = ['apiKey', 'apiSecret', 'requestToken', 'totpSecret', 'accessToken', 'approvals'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export interface SecretBackend {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, value: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
}

export interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** Turns any keychain failure into our typed error; keytar's text never holds a secret. */
function keychainError(error: unknown): TorusError {
  // Already explained (the module failed to load): wrapping it again would read its own
  // advice ("unlock your login keychain") as a locked keychain.
  if (error instanceof TorusError) return error;
  const text = error instanceof Error ? error.message : String(error);
  let detail = 'the keychain refused the request';
  if (/org\.freedesktop\.secrets|ServiceUnknown|not provided by any \.service/i.test(text)) detail = 'no Secret Service is running';
  else if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|dbus/i.test(text)) detail = 'no D-Bus session is available';
  else if (/lock|dismissed|cancel/i.test(text)) detail = 'the keychain is locked or the unlock prompt was dismissed';
  else if (/Cannot find module|keytar\.node|dlopen|libsecret/i.test(text)) detail = 'the keychain library could not be loaded';
  return new TorusError('keychain-unavailable', messages.keychainUnavailable(detail), { cause: error });
}

export type KeytarLoader = () => KeytarModule;

export class KeytarBackend implements SecretBackend {
  private module: KeytarModule | undefined;

  /** `loader` finds the native module (the single-executable CLI loads it from beside itself). */
  constructor(private readonly loader: KeytarLoader = () => createRequire(import.meta.url)('keytar') as KeytarModule) {}

  private load(): KeytarModule {
    if (!this.module) {
      try {
        // Loaded on first use so commands that need no secret never load the native module.
        this.module = this.loader();
      } catch (error) {
        throw keychainError(error);
      }
    }
    return this.module;
  }

  async get(service: string, account: string): Promise<string | null> {
    try {
      return await this.load().getPassword(service, account);
    } catch (error) {
      throw keychainError(error);
    }
  }

  async set(service: string, account: string, value: string): Promise<void> {
    try {
      await this.load().setPassword(service, account, value);
    } catch (error) {
      throw keychainError(error);
    }
  }

  async delete(service: string, account: string): Promise<boolean> {
    try {
      return await this.load().deletePassword(service, account);
    } catch (error) {
      throw keychainError(error);
    }
  }
}

export class Vault {
  constructor(
    private readonly backend: SecretBackend = new KeytarBackend(),
    private readonly service: string = KEYCHAIN_SERVICE,
  ) {}

  private account(profileId: string, name: SecretName): string {
    return `${profileId}/${name}`;
  }

  async get(profileId: string, name: SecretName): Promise<string | null> {
    const value = await this.backend.get(this.service, this.account(profileId, name));
    return value === null || value.length === 0 ? null : value;
  }

  async set(profileId: string, name: SecretName, value: string): Promise<void> {
    if (value.length === 0) throw new TorusError('invalid-input', 'An empty value cannot be saved to the keychain.');
    await this.backend.set(this.service, this.account(profileId, name), value);
  }

  async delete(profileId: string, name: SecretName): Promise<boolean> {
    return this.backend.delete(this.service, this.account(profileId, name));
  }

  async has(profileId: string, name: SecretName): Promise<boolean> {
    return (await this.get(profileId, name)) !== null;
  }

  /**
   * Writes several secrets as one change: if a write fails part-way (keychain locked, D-Bus
   * gone), the ones already written are put back as they were, so a profile never ends up
   * with a new API key next to the old secret. The first error is rethrown.
   */
  async setMany(profileId: string, entries: ReadonlyArray<readonly [SecretName, string]>): Promise<void> {
    for (const [, value] of entries) {
      if (value.length === 0) throw new TorusError('invalid-input', 'An empty value cannot be saved to the keychain.');
    }
    const previous: Array<[SecretName, string | null]> = [];
    for (const [name] of entries) previous.push([name, await this.get(profileId, name)]);
    const written: SecretName[] = [];
    try {
      for (const [name, value] of entries) {
        await this.set(profileId, name, value);
        written.push(name);
      }
    } catch (error) {
      for (const name of written.reverse()) {
        const before = previous.find(([n]) => n === name)?.[1] ?? null;
        try {
          if (before === null) await this.delete(profileId, name);
          else await this.set(profileId, name, before);
        } catch {
          // Best effort: the keychain is failing; the original error says so.
        }
      }
      throw error;
    }
  }

  async deleteProfile(profileId: string): Promise<void> {
    for (const name of SECRET_NAMES) await this.delete(profileId, name);
  }

  /**
   * The access token with its expiry, from one keychain item: a process that reads it needs no
   * settings file to know whether the token is still good (a full disk never hides a token).
   */
  async getToken(profileId: string): Promise<StoredToken | null> {
    const raw = await this.get(profileId, 'accessToken');
    return raw === null ? null : decodeStoredToken(raw);
  }

  async setToken(profileId: string, token: string, meta: TokenMeta): Promise<void> {
    await this.set(profileId, 'accessToken', encodeStoredToken(token, meta));
  }
}

export interface StoredToken {
  token: string;
  /** Null for a token stored by an older version (its expiry is in the settings file only). */
  meta: TokenMeta | null;
}

const STORED_TOKEN_PREFIX = '{"v":1,';

export function encodeStoredToken(token: string, meta: TokenMeta): string {
  const { issuedAt, expiresAt, expirySource, jwtExpiresAt, source } = meta;
  return JSON.stringify({ v: 1, token, issuedAt, expiresAt, expirySource, jwtExpiresAt, source });
}

export function decodeStoredToken(raw: string): StoredToken {
  if (!raw.startsWith(STORED_TOKEN_PREFIX)) return { token: raw, meta: null };
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const token = v.token;
    const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? Math.trunc(x) : null);
    if (typeof token !== 'string' || token.length === 0) return { token: raw, meta: null };
    const issuedAt = num(v.issuedAt);
    const expiresAt = num(v.expiresAt);
    const expirySource = v.expirySource === 'jwt' || v.expirySource === 'daily-cutoff' ? v.expirySource : null;
    const source = v.source === 'request-token' || v.source === 'totp' ? v.source : null;
    if (issuedAt === null || expiresAt === null || expirySource === null || source === null) return { token, meta: null };
    return {
      token,
      meta: { issuedAt, expiresAt, expirySource, jwtExpiresAt: num(v.jwtExpiresAt), source, fingerprint: fingerprint(token), exportRetracted: false },
    };
  } catch {
    return { token: raw, meta: null };
  }
}
