import { TorusError, toTorusError, messages } from '../errors.js';
import { SessionClient, type VerifyResult } from '../infra/session-client.js';
import { withRefreshLock } from './profile-lock.js';
import { requireApprovedValue } from './approvals.js';
import { tokenExpiry } from '../domain/expiry.js';
import { fingerprint } from '../domain/redact.js';
import { normalizeBaseUrl } from '../domain/base-url.js';
import { credentialSetId } from '../domain/credential-set.js';
import { nextRefreshAt } from '../domain/schedule.js';
import { deriveStatus, lastFailure, type LastError, type TokenStatus } from '../domain/token-status.js';
import { HISTORY_LIMIT, type Attempt, type ExportIssue, type Profile, type Refusal, type Settings, type TokenMeta } from '../domain/settings-schema.js';
import { exportToken, retractIfExpired } from './exports.js';
import type { Core } from './core.js';

/**
 * Tokens: the one place a refresh happens (read secrets, call Torus, store the token, record
 * the attempt, export), the usable-token rule every caller shares, verification, and the
 * derived state of a profile. Nothing here deletes or overwrites the last good token unless a
 * new one arrived, and a credential set Torus refused is never sent again until it changes.
 */
export type RefreshReason = 'manual' | 'cli' | 'login' | 'scheduled' | 'retry' | 'resume' | 'unlock' | 'online' | 'sign-in' | 'stale';

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
  /** Problems after the token was safely stored (e.g. the settings folder could not be written). */
  warnings: string[];
  /** Another process (or an earlier call) got this token; no Torus call was made here. */
  shared: boolean;
}

export interface ProfileState {
  profileId: string;
  status: TokenStatus;
  token: TokenMeta | null;
  lastError: LastError | null;
  refusal: Refusal | null;
  exportIssue: ExportIssue | null;
  nextRefreshAt: number | null;
}

/** How recent another process's token must be for a process that waited on the lock to reuse it. */
const SHARED_REFRESH_WINDOW_MS = 15_000;
export function isRefreshing(core: Core, profileId: string): boolean {
  return core.flights.has(profileId);
}

export function findProfile(settings: Settings, profileId: string): Profile | undefined {
  return settings.profiles.find((p) => p.id === profileId);
}

/** `token` overrides the settings' record (the app passes the keychain's, which can be newer after a full disk). */
export function profileState(
  core: Core,
  profileId: string,
  settings: Settings = core.settings.read(),
  token: TokenMeta | null = settings.tokens[profileId] ?? null,
): ProfileState {
  const history = settings.history[profileId] ?? [];
  const refusal = settings.refusals[profileId] ?? null;
  const marginMs = settings.refresh.marginMinutes * 60_000;
  const now = core.now();
  const refreshing = isRefreshing(core, profileId);
  return {
    profileId,
    status: deriveStatus({ now, token, history, refusal, refreshing, marginMs }),
    token,
    lastError: lastFailure(history, token),
    refusal,
    exportIssue: settings.exportIssues[profileId] ?? null,
    nextRefreshAt: refreshing ? null : (nextRefreshAt({ now, token, history, refusal, marginMs })?.at ?? null),
  };
}

export type TokenLookup = { kind: 'valid' | 'expired'; token: string; meta: TokenMeta } | { kind: 'missing' };

/**
 * The stored token and whether it is still good. The keychain item carries its own expiry, so
 * this works even when the settings file could not be written; a token stored by an older
 * version falls back to the settings' metadata.
 */
export async function lookupToken(core: Core, profileId: string, settings: Settings = core.settings.read()): Promise<TokenLookup> {
  const stored = await core.vault.getToken(profileId);
  if (!stored) return { kind: 'missing' };
  // The settings' metadata is the fuller record when it describes this very token; the
  // keychain's own covers a token whose details could not be written to the settings.
  const fromSettings = settings.tokens[profileId];
  const meta = fromSettings && fromSettings.fingerprint === fingerprint(stored.token) ? fromSettings : stored.meta;
  if (!meta) return { kind: 'missing' };
  return { kind: core.now() < meta.expiresAt ? 'valid' : 'expired', token: stored.token, meta };
}

/**
 * A token good to hand out now: the stored one while valid, else a fresh one (app copy, CLI get
 * --refresh-if-stale, exec). `warnings` says what went wrong around a refresh made for it (an
 * export that failed, settings that could not be saved): the token is good all the same.
 */
export async function usableToken(core: Core, profileId: string, overrides: RefreshOverrides = {}): Promise<{ token: string; warnings: string[] }> {
  const found = await lookupToken(core, profileId);
  if (found.kind === 'valid') return { token: found.token, warnings: [] };
  if (found.kind === 'expired') await retractIfExpired(core, profileId);
  const outcome = await refresh(core, profileId, 'stale', overrides);
  return { token: outcome.token, warnings: [...outcome.exportErrors.map((e) => e.message), ...outcome.warnings] };
}

export async function verifyToken(
  core: Core,
  profileId: string,
  overrides: Pick<RefreshOverrides, 'baseUrl' | 'timeoutMs' | 'signal'> = {},
): Promise<VerifyResult> {
  const settings = core.settings.read();
  const profile = requireProfile(settings, profileId);
  const stored = await core.vault.getToken(profileId);
  if (!stored) throw new TorusError('not-configured', `No access token for "${profile.name}" yet. Refresh to get one.`);
  const client = new SessionClient({ ...core.http, log: core.log, now: core.now, timeoutMs: overrides.timeoutMs ?? settings.refresh.timeoutSeconds * 1000 });
  return client.verify(normalizeBaseUrl(overrides.baseUrl ?? profile.baseUrl), stored.token, overrides.signal);
}

export function requireProfile(settings: Settings, profileId: string): Profile {
  const profile = findProfile(settings, profileId);
  if (!profile) throw new TorusError('not-configured', `Profile "${profileId}" does not exist.`);
  return profile;
}

/** Refreshes now. Concurrent callers in this process share one request; other processes wait on the lock. */
export function refresh(core: Core, profileId: string, reason: RefreshReason, overrides: RefreshOverrides = {}): Promise<RefreshOutcome> {
  const existing = core.flights.get(profileId);
  if (existing) return existing;
  const run = runRefresh(core, profileId, reason, overrides).finally(() => {
    core.flights.delete(profileId);
    core.changed(profileId);
  });
  core.flights.set(profileId, run);
  core.changed(profileId);
  return run;
}

/** Resolves once no refresh is running for the profile in this process (whatever its outcome). */
export async function settled(core: Core, profileId: string): Promise<void> {
  for (let running = core.flights.get(profileId); running; running = core.flights.get(profileId)) {
    await running.catch(() => undefined);
  }
}

async function runRefresh(core: Core, profileId: string, reason: RefreshReason, overrides: RefreshOverrides): Promise<RefreshOutcome> {
  const started = core.now();
  return withRefreshLock(
    core,
    profileId,
    async (waited) => {
      // Under the lock, from disk: another process may have refreshed since we looked.
      if (waited || reason === 'stale') {
        const shared = await tokenRefreshedElsewhere(core, profileId, started, reason === 'stale');
        if (shared) return shared;
      }
      return refreshUnderLock(core, profileId, reason, overrides, started);
    },
    overrides,
  );
}

async function tokenRefreshedElsewhere(core: Core, profileId: string, since: number, anyValid: boolean): Promise<RefreshOutcome | null> {
  const found = await lookupToken(core, profileId);
  if (found.kind !== 'valid') return null;
  // "Recent" includes a little before we started: a process that starts just after another
  // got its token, but before it let go of the lock, is still part of the same rush.
  if (!anyValid && found.meta.issuedAt < since - SHARED_REFRESH_WINDOW_MS) return null;
  return { token: found.token, meta: found.meta, attempts: 0, latencyMs: Math.max(0, core.now() - since), exportErrors: [], warnings: [], shared: true };
}

interface Credentials {
  apiKey: string;
  apiSecret: string | null;
  requestToken: string | null;
  totpSecret: string | null;
}

async function readCredentials(core: Core, profile: Profile): Promise<Credentials> {
  const vault = core.vault;
  const apiKey = await vault.get(profile.id, 'apiKey');
  if (!apiKey) throw new TorusError('not-configured', messages.notConfigured('API key', profile.name));
  if (profile.mode === 'totp') {
    const totpSecret = await vault.get(profile.id, 'totpSecret');
    if (!totpSecret) throw new TorusError('not-configured', messages.notConfigured('TOTP secret', profile.name));
    return { apiKey, apiSecret: null, requestToken: null, totpSecret };
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
  return { apiKey, apiSecret, requestToken, totpSecret: null };
}

/** The answer for a credential set Torus already refused: at once, without a network call. */
export function refusedEarlier(profile: Profile, refusal: Refusal): TorusError {
  const reason = refusal.message.replace(/\s+/g, ' ').split(/(?<=\.)\s/)[0] ?? refusal.message;
  const next =
    profile.mode === 'totp'
      ? 'It is not sent again until the TOTP secret changes: check it (Settings, or "torus-token login --mode totp") and that this computer\'s clock is right.'
      : refusal.needsSignIn
        ? `It is not sent again: sign in to Torus again (app: Sign in; CLI: "torus-token login-url", then "torus-token request-token --profile ${profile.id}").`
        : 'They are not sent again until you change them (Settings in the app, or "torus-token login").';
  return new TorusError('rejected', `Torus refused these credentials for "${profile.name}" earlier (${reason.replace(/\.$/, '')}). ${next}`, {
    needsSignIn: refusal.needsSignIn,
  });
}

async function refreshUnderLock(core: Core, profileId: string, reason: RefreshReason, overrides: RefreshOverrides, started: number): Promise<RefreshOutcome> {
  const settings = core.settings.read();
  const profile = requireProfile(settings, profileId);
  let credentials: Credentials;
  try {
    credentials = await readCredentials(core, profile);
  } catch (error) {
    await record(core, profileId, failedAttempt(core, reason, toTorusError(error), started));
    throw error;
  }
  const setId = credentialSetId({ mode: profile.mode, ...credentials });
  const refusal = settings.refusals[profileId];
  if (refusal && refusal.credentialSet === setId) throw refusedEarlier(profile, refusal);

  let accessToken: string;
  let attempts: number;
  try {
    ({ accessToken, attempts } = await callTorus(core, profile, credentials, settings, overrides));
  } catch (error) {
    const e = toTorusError(error);
    const refused: Refusal | undefined =
      // Stryker disable next-line MethodExpression: a refusal's message is under 600 characters today (Torus's words are capped at 300); the cap keeps the settings valid if that changes
      e.kind === 'rejected' ? { credentialSet: setId, at: core.now(), message: e.message.slice(0, 600), needsSignIn: e.needsSignIn } : undefined;
    await record(core, profileId, failedAttempt(core, reason, e, started), refused ? { refusal: refused } : {});
    throw e;
  }

  // The profile may have been removed while Torus answered: its secrets are gone, and a token
  // stored now would outlive it in the keychain (and be handed to a later profile with that id).
  if (!findProfile(core.settings.read(), profileId)) {
    throw new TorusError('cancelled', `Profile "${profile.name}" was removed during the refresh; the new token was discarded.`);
  }
  const issuedAt = core.now();
  const expiry = tokenExpiry(accessToken, issuedAt, { time: settings.refresh.cutoffTime, zone: settings.refresh.cutoffZone });
  const meta: TokenMeta = {
    issuedAt,
    expiresAt: expiry.expiresAt,
    expirySource: expiry.source,
    jwtExpiresAt: expiry.jwtExpiresAt,
    source: profile.mode,
    fingerprint: fingerprint(accessToken),
    exportRetracted: false,
  };
  await core.vault.setToken(profileId, accessToken, meta);
  const latencyMs = Math.max(0, core.now() - started);
  const exportErrors = await exportToken(core, profile, accessToken, settings.hookTimeoutSeconds * 1000);
  const exportMessage = exportErrors.map((e) => e.message).join(' ');
  const attempt: Attempt = {
    at: issuedAt,
    reason,
    outcome: 'success',
    message: (exportErrors.length === 0 ? 'Refreshed.' : `Refreshed, but the export failed: ${exportMessage}`).slice(0, 600),
    latencyMs,
    needsSignIn: false,
    retryAt: null,
  };
  const problem = await record(core, profileId, attempt, {
    meta,
    refusal: null,
    exportIssue: exportErrors.length === 0 ? null : { at: issuedAt, message: exportMessage.slice(0, 600) },
  });
  const warnings = problem ? [`The new token is stored in the keychain and works, but its details could not be saved: ${problem.message}`] : [];
  return { token: accessToken, meta, attempts, latencyMs, exportErrors, warnings, shared: false };
}

function failedAttempt(core: Core, reason: RefreshReason, error: TorusError, started: number): Attempt {
  return {
    at: core.now(),
    reason,
    outcome: error.kind,
    // Stryker disable next-line MethodExpression: failure messages are under 600 characters today (Torus's words capped at 300, URLs shortened); the cap keeps the settings valid if that changes
    message: error.message.slice(0, 600),
    latencyMs: Math.max(0, core.now() - started),
    needsSignIn: error.needsSignIn,
    retryAt: error.retryAt ?? null,
  };
}

async function callTorus(
  core: Core,
  profile: Profile,
  credentials: Credentials,
  settings: Settings,
  overrides: RefreshOverrides,
): Promise<{ accessToken: string; attempts: number }> {
  const client = new SessionClient({ ...core.http, log: core.log, now: core.now, timeoutMs: overrides.timeoutMs ?? settings.refresh.timeoutSeconds * 1000 });
  // A URL from the settings file is used only if it was approved (a per-call override is the caller's own choice).
  if (profile.mode === 'totp') {
    if (overrides.totpBaseUrl === undefined) await requireApprovedValue(core, profile, 'totp-base-url', profile.totpBaseUrl);
    const totpBaseUrl = normalizeBaseUrl(overrides.totpBaseUrl ?? profile.totpBaseUrl, 'TOTP base URL');
    return client.generateWithTotp({ totpBaseUrl, apiKey: credentials.apiKey, totpSecret: credentials.totpSecret!, clock: core.now }, overrides.signal);
  }
  if (overrides.baseUrl === undefined) await requireApprovedValue(core, profile, 'base-url', profile.baseUrl);
  const baseUrl = normalizeBaseUrl(overrides.baseUrl ?? profile.baseUrl);
  return client.generate({ baseUrl, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret!, requestToken: credentials.requestToken! }, overrides.signal);
}

export interface RecordChanges {
  meta?: TokenMeta;
  /** A refused credential set to remember, or null to forget the one remembered. */
  refusal?: Refusal | null;
  exportIssue?: ExportIssue | null;
}

/**
 * Records an attempt (and what came with it) in the settings. Best effort: a settings folder
 * that cannot be written must not turn a stored token into a failure, nor hide the refresh's
 * own error. Returns the write problem, or null.
 */
export async function record(core: Core, profileId: string, attempt: Attempt | null, changes: RecordChanges = {}): Promise<TorusError | null> {
  try {
    await core.settings.update((draft) => {
      if (!findProfile(draft, profileId)) return; // removed meanwhile
      if (changes.meta) draft.tokens[profileId] = changes.meta;
      if (attempt) draft.history[profileId] = [...(draft.history[profileId] ?? []), attempt].slice(-HISTORY_LIMIT);
      if (changes.refusal === null) delete draft.refusals[profileId];
      else if (changes.refusal) draft.refusals[profileId] = changes.refusal;
      if (changes.exportIssue === null) delete draft.exportIssues[profileId];
      else if (changes.exportIssue) draft.exportIssues[profileId] = changes.exportIssue;
    });
    return null;
  } catch (error) {
    const e = toTorusError(error);
    core.log(`settings: could not record for ${profileId} (${e.kind})`);
    return e;
  }
}
