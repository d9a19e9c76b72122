import { TorusError, toTorusError } from '../errors.js';
import { checkCredential } from '../domain/credential-input.js';
import { normalizeTotpSecret } from '../domain/totp.js';
import { parseRequestTokenInput } from '../domain/request-token.js';
import { normalizeBaseUrl } from '../domain/base-url.js';
import { addProfile as addToDraft, uniqueProfileId } from '../domain/profiles.js';
import type { Profile, ProfileMode } from '../domain/settings-schema.js';
import type { SecretName } from '../infra/keychain.js';
import type { Approver } from '../ports.js';
import { recordApprovals, requireApproval, sensitiveProfileChanges, type ApprovalPolicy } from './approvals.js';
import { findProfile, record, refresh, requireProfile, type RefreshOutcome, type RefreshOverrides } from './tokens.js';
import type { Core } from './core.js';

/**
 * Credentials are write-only: they go to the keychain and come back only as "saved (…a1b2)".
 * Every field is checked before any is written, and a set is written all or nothing.
 */
export interface CredentialsInput {
  apiKey?: string | undefined;
  apiSecret?: string | undefined;
  totpSecret?: string | undefined;
}

function checked(input: CredentialsInput): Array<[SecretName, string]> {
  const writes: Array<[SecretName, string]> = [];
  if (input.apiKey !== undefined) writes.push(['apiKey', checkCredential(input.apiKey, 'The API key')]);
  if (input.apiSecret !== undefined) writes.push(['apiSecret', checkCredential(input.apiSecret, 'The API secret')]);
  if (input.totpSecret !== undefined) writes.push(['totpSecret', normalizeTotpSecret(input.totpSecret)]);
  return writes;
}

export async function saveCredentials(core: Core, profileId: string, input: CredentialsInput): Promise<void> {
  const profile = requireProfile(core.settings.read(), profileId);
  const writes = checked(input);
  if (writes.length === 0) throw new TorusError('invalid-input', 'Nothing to save.');
  try {
    await core.vault.setMany(profile.id, writes);
  } finally {
    core.changed(profile.id);
  }
  // A changed set: whatever Torus refused before may work now.
  await record(core, profile.id, null, { refusal: null });
}

export interface SetUpInput {
  /** The profile to set up again, or a name for a new one. */
  profileId?: string;
  name?: string;
  mode: ProfileMode;
  baseUrl?: string;
  totpBaseUrl?: string;
  apiKey: string;
  apiSecret: string;
  /** The request token (or its redirect URL) in request-token mode, the TOTP secret in TOTP mode. */
  secret: string;
}

/**
 * Sets up a profile in one go (the CLI's `login`): credentials to the keychain, the profile to
 * the settings, then the first token at once. Nothing is saved when a value is invalid or the
 * keychain is unavailable; a failing first refresh leaves the credentials saved.
 */
export type SetUpResult = { profile: Profile; refreshed: RefreshOutcome; refreshError: null } | { profile: Profile; refreshed: null; refreshError: TorusError };

export async function setUpProfile(
  core: Core,
  input: SetUpInput,
  approver: Approver,
  policy: ApprovalPolicy,
  overrides: RefreshOverrides = {},
): Promise<SetUpResult> {
  const settings = core.settings.read();
  const existing = input.profileId === undefined ? undefined : requireProfile(settings, input.profileId);
  const apiKey = checkCredential(input.apiKey, 'The API key');
  const apiSecret = checkCredential(input.apiSecret, 'The API secret');
  const last = input.mode === 'totp' ? normalizeTotpSecret(input.secret) : parseRequestTokenInput(input.secret);
  const baseUrl = input.baseUrl === undefined ? undefined : normalizeBaseUrl(input.baseUrl);
  // One server for everything (the simulator) unless a TOTP server is named.
  const totpBaseUrl = input.totpBaseUrl !== undefined ? normalizeBaseUrl(input.totpBaseUrl, 'TOTP base URL') : input.mode === 'totp' ? baseUrl : undefined;
  const name = existing?.name ?? input.name ?? 'default';
  await requireApproval(approver, name, sensitiveProfileChanges(existing, { baseUrl, totpBaseUrl }, policy));

  const wantedId = existing?.id ?? uniqueProfileId(settings, name);
  const secrets: Array<[SecretName, string]> = [
    ['apiKey', apiKey],
    ['apiSecret', apiSecret],
    [input.mode === 'totp' ? 'totpSecret' : 'requestToken', last],
  ];
  await core.vault.setMany(wantedId, secrets);
  let profile: Profile | undefined;
  try {
    await core.settings.update((draft) => {
      let target = existing ? findProfile(draft, existing.id) : undefined;
      if (!target) target = addToDraft(draft, { name, mode: input.mode });
      target.mode = input.mode;
      if (baseUrl) target.baseUrl = baseUrl;
      if (totpBaseUrl) target.totpBaseUrl = totpBaseUrl;
      delete draft.refusals[target.id];
      profile = { ...target };
    });
  } catch (error) {
    // A new profile that could not be created (a full disk) must not leave its secrets behind.
    if (!existing && !findProfile(core.settings.read(), wantedId)) await core.vault.deleteProfile(wantedId).catch(() => undefined);
    throw error;
  }
  if (!profile) throw new TorusError('not-configured', 'The profile could not be saved.');
  if (profile.id !== wantedId) {
    // Another process took that id meanwhile (rare): move the secrets to the profile's id.
    await core.vault.setMany(profile.id, secrets);
    await core.vault.deleteProfile(wantedId).catch(() => undefined);
  }
  await recordApprovals(core, profile.id, [
    { kind: 'base-url', value: baseUrl === undefined ? null : profile.baseUrl },
    { kind: 'totp-base-url', value: totpBaseUrl === undefined ? null : profile.totpBaseUrl },
  ]);
  core.changed(profile.id);
  const saved = profile;
  return refresh(core, saved.id, 'sign-in', overrides).then(
    (refreshed): SetUpResult => ({ profile: saved, refreshed, refreshError: null }),
    (error: unknown): SetUpResult => ({ profile: saved, refreshed: null, refreshError: toTorusError(error) }),
  );
}
