import { dirname } from 'node:path';
import { TorusError, toTorusError, messages } from './errors.js';
import { acquireRefreshLock } from './refresh-lock.js';
import { SessionClient, type ClientOptions } from './session-client.js';
import { tokenExpiry } from './expiry.js';
import { fingerprint } from './redact.js';
import { normalizeBaseUrl } from './base-url.js';
import { failureInfo, nextRefreshAt, type PlannedRefresh } from './schedule.js';
import { deriveStatus, lastFailure, type TokenState } from './token-state.js';
import { HISTORY_LIMIT, type Attempt, type Profile, type Settings, type TokenMeta } from './settings-schema.js';
import { runHook, writeTokenFile } from './token-export.js';
import type { SettingsStore } from './settings-store.js';
import type { Vault } from './vault.js';

/**
 * The one place a refresh happens: read secrets, call Torus, store the token, record the
 * attempt, export, tell listeners. Concurrent callers for one profile share one HTTP request.
 * Nothing here deletes or overwrites the last good token unless a new one arrived.
 */
export type RefreshReasonLabel = 'manual' | 'cli' | 'login' | 'scheduled' | 'resume' | 'online' | 'sign-in' | 'retry' | 'stale';

export interface RefreshOverrides {
  baseUrl?: string;
  totpBaseUrl?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RefreshOutcome {
  token: string;
  meta: TokenMeta;
  attempts: number;
  latencyMs: number;
  exportErrors: TorusError[];
  /** Problems after the token was safely stored (e.g. the settings file could not be written). */
  warnings: string[];
}

export interface TokenServiceDeps {
  settings: SettingsStore;
  vault: Vault;
  now?: () => number;
  clientOptions?: Omit<ClientOptions, 'timeoutMs' | 'signal'>;
  log?: (line: string) => void;
}

/** How recent another process's token must be for a process that waited on the lock to reuse it. */
const SHARED_REFRESH_WINDOW_MS = 15_000;

export class TokenService {
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  private readonly listeners = new Set<(state: TokenState) => void>();
  private readonly now: () => number;

  constructor(private readonly deps: TokenServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  get settings(): SettingsStore {
    return this.deps.settings;
  }

  get vault(): Vault {
    return this.deps.vault;
  }

  onState(listener: (state: TokenState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isRefreshing(profileId: string): boolean {
    return this.inFlight.has(profileId);
  }

  state(profileId: string, settings: Settings = this.deps.settings.get()): TokenState {
    const token = settings.tokens[profileId] ?? null;
    const history = settings.history[profileId] ?? [];
    const failure = lastFailure(history, token);
    const marginMs = settings.refresh.marginMinutes * 60_000;
    const now = this.now();
    return {
      profileId,
      status: deriveStatus(now, token, failure, this.inFlight.has(profileId), marginMs),
      token,
      lastError: failure,
      nextRefreshAt: this.plan(profileId, settings)?.at ?? null,
    };
  }

  plan(profileId: string, settings: Settings = this.deps.settings.get()): PlannedRefresh | null {
    return nextRefreshAt(
      this.now(),
      { dailyRefreshTime: settings.refresh.dailyRefreshTime, zone: settings.refresh.cutoffZone, marginMs: settings.refresh.marginMinutes * 60_000 },
      settings.tokens[profileId] ?? null,
      failureInfo(settings.history[profileId] ?? []),
    );
  }

  /** The stored access token, whatever its age (callers decide about staleness). */
  async storedToken(profileId: string): Promise<string | null> {
    return this.deps.vault.get(profileId, 'accessToken');
  }

  /** The stored token while it is still valid, else null. */
  async validStoredToken(profileId: string): Promise<string | null> {
    const stored = await this.storedToken(profileId);
    return stored && !this.isStale(profileId) ? stored : null;
  }

  /** A token good to hand out now: the stored one while valid, else a fresh one. */
  async usableToken(profileId: string, overrides: RefreshOverrides = {}): Promise<string> {
    return (await this.validStoredToken(profileId)) ?? (await this.refresh(profileId, 'stale', overrides)).token;
  }

  isStale(profileId: string, settings: Settings = this.deps.settings.get()): boolean {
    const meta = settings.tokens[profileId];
    return !meta || this.now() >= meta.expiresAt;
  }

  /** Resolves once no refresh is running for the profile (whatever its outcome). */
  async settled(profileId: string): Promise<void> {
    for (let running = this.inFlight.get(profileId); running; running = this.inFlight.get(profileId)) {
      await running.catch(() => undefined);
    }
  }

  refresh(profileId: string, reason: RefreshReasonLabel, overrides: RefreshOverrides = {}): Promise<RefreshOutcome> {
    const existing = this.inFlight.get(profileId);
    if (existing) return existing;
    const run = this.runRefresh(profileId, reason, overrides).finally(() => {
      this.inFlight.delete(profileId);
      this.emit(profileId);
    });
    this.inFlight.set(profileId, run);
    this.emit(profileId);
    return run;
  }

  /** One refresh at a time per profile across processes too: the lock is held until the token is stored and recorded. */
  private async runRefresh(profileId: string, reason: RefreshReasonLabel, overrides: RefreshOverrides): Promise<RefreshOutcome> {
    const started = this.now();
    const lock = await acquireRefreshLock(dirname(this.deps.settings.path), profileId, overrides.signal ? { signal: overrides.signal } : {});
    try {
      // A refresh asked for only because the token was stale re-checks under the lock:
      // another process (the app, another bot) may have refreshed since we looked.
      if (lock.waited || reason === 'stale') {
        const shared = await this.tokenRefreshedElsewhere(profileId, started, reason === 'stale');
        if (shared) return shared;
      }
      return await this.refreshUnderLock(profileId, reason, overrides, started);
    } finally {
      lock.release();
    }
  }

  private async refreshUnderLock(profileId: string, reason: RefreshReasonLabel, overrides: RefreshOverrides, started: number): Promise<RefreshOutcome> {
    const settings = this.deps.settings.get();
    const profile = settings.profiles.find((p) => p.id === profileId);
    try {
      if (!profile) throw new TorusError('not-configured', `Profile "${profileId}" does not exist.`);
      const client = new SessionClient({
        ...this.deps.clientOptions,
        ...(this.deps.log ? { log: this.deps.log } : {}),
        timeoutMs: overrides.timeoutMs ?? settings.refresh.timeoutSeconds * 1000,
      });
      const { accessToken, attempts } = await this.callTorus(client, profile, overrides);
      // The profile may have been removed while Torus answered: its secrets are gone, and a
      // token stored now would outlive it in the keychain (and be handed to a later profile
      // with the same id). Discard it.
      if (!this.deps.settings.get().profiles.some((p) => p.id === profileId)) {
        throw new TorusError('cancelled', `Profile "${profile.name}" was removed during the refresh; the new token was discarded.`);
      }
      const issuedAt = this.now();
      const expiry = tokenExpiry(accessToken, issuedAt, { time: settings.refresh.cutoffTime, zone: settings.refresh.cutoffZone });
      const meta: TokenMeta = {
        issuedAt,
        expiresAt: expiry.expiresAt,
        expirySource: expiry.source,
        source: profile.mode,
        fingerprint: fingerprint(accessToken),
      };
      await this.deps.vault.set(profileId, 'accessToken', accessToken);
      const latencyMs = Math.max(0, this.now() - started);
      const exportErrors = await this.exportToken(profile, accessToken, settings.hookTimeoutSeconds * 1000);
      const message = exportErrors.length === 0 ? 'Refreshed.' : `Refreshed, but export failed: ${exportErrors.map((e) => e.message).join(' ')}`;
      const warnings: string[] = [];
      // The token is in the keychain already: a settings file that cannot be written (disk
      // full, read-only, locked) must not turn this success into a failure.
      const problem = this.tryRecord(
        profileId,
        { at: issuedAt, reason, outcome: 'success', message: message.slice(0, 600), latencyMs, needsSignIn: false },
        meta,
      );
      if (problem) warnings.push(`The new token is stored, but the settings file could not be updated (${problem}), so its expiry was not saved.`);
      return { token: accessToken, meta, attempts, latencyMs, exportErrors, warnings };
    } catch (error) {
      const e = toTorusError(error);
      if (profile) {
        // Recording is best effort: the caller must hear about the refresh's own failure.
        this.tryRecord(profileId, {
          at: this.now(),
          reason,
          outcome: e.kind,
          message: e.message.slice(0, 600),
          latencyMs: Math.max(0, this.now() - started),
          needsSignIn: e.needsSignIn,
        });
      }
      throw e;
    }
  }

  /** Records the attempt; returns a short, secret-free description of a failure to write, or null. */
  private tryRecord(profileId: string, attempt: Attempt, meta?: TokenMeta): string | null {
    try {
      this.record(profileId, attempt, meta);
      return null;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const problem = typeof code === 'string' ? code : 'write failed';
      this.deps.log?.(`settings: could not record the ${attempt.outcome} attempt for ${profileId} (${problem})`);
      return problem;
    }
  }

  /**
   * After waiting for another process's refresh: its token, when it got one we can use.
   * Nothing is recorded again; the other process recorded its attempt.
   */
  private async tokenRefreshedElsewhere(profileId: string, since: number, anyValid: boolean): Promise<RefreshOutcome | null> {
    const meta = this.deps.settings.get().tokens[profileId];
    if (!meta || this.now() >= meta.expiresAt) return null;
    // "Recent" includes a little before we started: a process that starts just after another
    // got its token, but before it let go of the lock, is still part of the same rush.
    if (!anyValid && meta.issuedAt < since - SHARED_REFRESH_WINDOW_MS) return null;
    const token = await this.deps.vault.get(profileId, 'accessToken');
    if (!token || fingerprint(token) !== meta.fingerprint) return null;
    return { token, meta, attempts: 0, latencyMs: Math.max(0, this.now() - since), exportErrors: [], warnings: [] };
  }

  private async callTorus(client: SessionClient, profile: Profile, overrides: RefreshOverrides): Promise<{ accessToken: string; attempts: number }> {
    const vault = this.deps.vault;
    const apiKey = await vault.get(profile.id, 'apiKey');
    if (!apiKey) throw new TorusError('not-configured', messages.notConfigured('API key', profile.name));
    if (profile.mode === 'totp') {
      const totpSecret = await vault.get(profile.id, 'totpSecret');
      if (!totpSecret) throw new TorusError('not-configured', messages.notConfigured('TOTP secret', profile.name));
      const totpBaseUrl = normalizeBaseUrl(overrides.totpBaseUrl ?? profile.totpBaseUrl, 'TOTP base URL');
      const { accessToken, attempts } = await client.generateWithTotp({ totpBaseUrl, apiKey, totpSecret, clock: this.now }, overrides.signal);
      return { accessToken, attempts };
    }
    const apiSecret = await vault.get(profile.id, 'apiSecret');
    if (!apiSecret) throw new TorusError('not-configured', messages.notConfigured('API secret', profile.name));
    const requestToken = await vault.get(profile.id, 'requestToken');
    if (!requestToken) {
      throw new TorusError(
        'not-configured',
        `No request token saved for profile "${profile.name}". Sign in to Torus (app: Sign in; CLI: "torus-token request-token") to get one.`,
        { needsSignIn: true },
      );
    }
    const baseUrl = normalizeBaseUrl(overrides.baseUrl ?? profile.baseUrl);
    return client.generate({ baseUrl, apiKey, apiSecret, requestToken }, overrides.signal);
  }

  private async exportToken(profile: Profile, token: string, hookTimeoutMs: number): Promise<TorusError[]> {
    const errors: TorusError[] = [];
    if (profile.export.filePath) {
      try {
        writeTokenFile(profile.export.filePath, token);
      } catch (error) {
        errors.push(toTorusError(error));
      }
    }
    if (profile.export.hookCommand) {
      try {
        await runHook(profile.export.hookCommand, token, hookTimeoutMs);
      } catch (error) {
        errors.push(toTorusError(error));
      }
    }
    return errors;
  }

  private record(profileId: string, attempt: Attempt, meta?: TokenMeta): void {
    this.deps.settings.update((draft) => {
      if (!draft.profiles.some((p) => p.id === profileId)) return; // removed meanwhile
      if (meta) draft.tokens[profileId] = meta;
      const history = [...(draft.history[profileId] ?? []), attempt];
      draft.history[profileId] = history.slice(-HISTORY_LIMIT);
    });
  }

  /** Tells listeners the profile's current state (also used after settings change). */
  emit(profileId: string): void {
    const state = this.state(profileId);
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        this.deps.log?.(`state listener failed: ${error instanceof Error ? error.name : 'error'}`);
      }
    }
  }
}
