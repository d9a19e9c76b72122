import { TorusError, toTorusError } from '../errors.js';
import { addProfile as addToDraft, checkProfileName, forgetTokenState, removeProfile as removeFromDraft } from '../domain/profiles.js';
import { normalizeBaseUrl } from '../domain/base-url.js';
import { normalizeRedirectOrigin } from '../domain/redirect-origin.js';
import { checkExportFilePath, checkHookCommand } from '../domain/export-target.js';
import { hhmmSchema, type Profile, type ProfileMode } from '../domain/settings-schema.js';
import type { Approver } from '../ports.js';
import { recordApprovals, requireApproval, sensitiveProfileChanges, type ApprovalPolicy } from './approvals.js';
import { retractExport } from './exports.js';
import { withRefreshLock } from './profile-lock.js';
import { findProfile, requireProfile, settled } from './tokens.js';
import type { Core } from './core.js';

/** Profiles: one per Torus account. The app and the CLI add, change, switch and forget them here. */
export interface NewProfile {
  name: string;
  mode: ProfileMode;
  baseUrl?: string | undefined;
  totpBaseUrl?: string | undefined;
}

export async function addProfile(core: Core, input: NewProfile, approver: Approver, policy: ApprovalPolicy): Promise<Profile> {
  checkProfileName(input.name);
  await requireApproval(approver, input.name, sensitiveProfileChanges(undefined, input, policy));
  let created: Profile | undefined;
  await core.settings.update((draft) => {
    created = addToDraft(draft, {
      name: input.name,
      mode: input.mode,
      ...(input.baseUrl ? { baseUrl: normalizeBaseUrl(input.baseUrl) } : {}),
      ...(input.totpBaseUrl ? { totpBaseUrl: normalizeBaseUrl(input.totpBaseUrl, 'TOTP base URL') } : {}),
    });
    draft.activeProfileId = created.id;
  });
  await recordApprovals(core, created!.id, [
    { kind: 'base-url', value: created!.baseUrl },
    { kind: 'totp-base-url', value: created!.totpBaseUrl },
  ]);
  core.changed(created!.id);
  return created!;
}

export interface ProfilePatch {
  name?: string | undefined;
  mode?: ProfileMode | undefined;
  baseUrl?: string | undefined;
  totpBaseUrl?: string | undefined;
  exportFilePath?: string | null | undefined;
  exportHookCommand?: string | null | undefined;
  readyBy?: string | undefined;
  signInAtReadyBy?: boolean | undefined;
  /** Typed by the trader, or null to learn it again at the next sign-in. */
  redirectOrigin?: string | null | undefined;
}

/** Checks a whole patch before anything is asked or written. */
function checkPatch(profile: Profile, patch: ProfilePatch, profiles: readonly Profile[]): void {
  if (patch.name !== undefined) {
    const name = checkProfileName(patch.name);
    if (profiles.some((p) => p.id !== profile.id && p.name.toLowerCase() === name.toLowerCase())) {
      throw new TorusError('invalid-input', `A profile named "${name}" already exists.`);
    }
  }
  if (patch.baseUrl !== undefined) normalizeBaseUrl(patch.baseUrl);
  if (patch.totpBaseUrl !== undefined) normalizeBaseUrl(patch.totpBaseUrl, 'TOTP base URL');
  if (patch.exportFilePath !== undefined) checkExportFilePath(patch.exportFilePath);
  if (patch.exportHookCommand !== undefined) checkHookCommand(patch.exportHookCommand);
  if (patch.redirectOrigin !== undefined && patch.redirectOrigin !== null && normalizeRedirectOrigin(patch.redirectOrigin) === null) {
    throw new TorusError('invalid-input', 'The redirect address must be an http(s) address such as https://example.com/torus/callback.');
  }
  if (patch.readyBy !== undefined && !hhmmSchema.safeParse(patch.readyBy).success) {
    throw new TorusError('invalid-input', 'The ready-by time must be HH:MM (24-hour), for example 08:45.');
  }
}

export async function updateProfile(core: Core, profileId: string, patch: ProfilePatch, approver: Approver, policy: ApprovalPolicy): Promise<Profile> {
  const settings = core.settings.read();
  const profile = requireProfile(settings, profileId);
  checkPatch(profile, patch, settings.profiles);
  await requireApproval(approver, profile.name, sensitiveProfileChanges(profile, patch, policy));
  let updated: Profile | undefined;
  await core.settings.update((draft) => {
    const target = findProfile(draft, profile.id);
    if (!target) throw new TorusError('not-configured', `Profile "${profile.name}" was removed meanwhile; nothing was changed.`);
    if (patch.name !== undefined) target.name = checkProfileName(patch.name);
    if (patch.mode !== undefined) target.mode = patch.mode;
    if (patch.baseUrl !== undefined) target.baseUrl = normalizeBaseUrl(patch.baseUrl);
    if (patch.totpBaseUrl !== undefined) target.totpBaseUrl = normalizeBaseUrl(patch.totpBaseUrl, 'TOTP base URL');
    if (patch.exportFilePath !== undefined) target.export.filePath = checkExportFilePath(patch.exportFilePath);
    if (patch.exportHookCommand !== undefined) target.export.hookCommand = checkHookCommand(patch.exportHookCommand);
    if (patch.readyBy !== undefined) target.readyBy = patch.readyBy;
    if (patch.signInAtReadyBy !== undefined) target.signInAtReadyBy = patch.signInAtReadyBy;
    if (patch.redirectOrigin !== undefined) target.redirectOrigin = normalizeRedirectOrigin(patch.redirectOrigin);
    // A different server or mode is a different credential set.
    if (patch.mode !== undefined || patch.baseUrl !== undefined || patch.totpBaseUrl !== undefined) delete draft.refusals[profile.id];
    updated = { ...target, export: { ...target.export } };
  });
  await recordApprovals(core, profile.id, [
    { kind: 'base-url', value: patch.baseUrl === undefined ? null : updated!.baseUrl },
    { kind: 'totp-base-url', value: patch.totpBaseUrl === undefined ? null : updated!.totpBaseUrl },
    { kind: 'export-file', value: patch.exportFilePath === undefined ? null : updated!.export.filePath },
    { kind: 'hook-command', value: patch.exportHookCommand === undefined ? null : updated!.export.hookCommand },
  ]);
  core.changed(profile.id);
  return updated!;
}

export async function switchProfile(core: Core, profileId: string): Promise<void> {
  const profile = requireProfile(core.settings.read(), profileId);
  await core.settings.update((draft) => {
    draft.activeProfileId = profile.id;
  });
  core.changed(null);
}

/**
 * Logout (`remove: false`) deletes the profile's secrets and token and keeps the profile;
 * removal deletes the profile too. Either waits for a refresh of that profile in any process
 * (the refresh lock), so no token is stored after its secrets are gone, and takes the export
 * back (file deleted, hook told with an empty input).
 */
export async function forgetProfile(core: Core, profileId: string, options: { remove: boolean }): Promise<{ exportErrors: TorusError[]; warnings: string[] }> {
  const profile = requireProfile(core.settings.read(), profileId);
  await settled(core, profile.id);
  let exportErrors: TorusError[] = [];
  const warnings: string[] = [];
  await withRefreshLock(core, profile.id, async () => {
    const current = findProfile(core.settings.read(), profile.id) ?? profile;
    exportErrors = await retractExport(core, current, core.settings.read().hookTimeoutSeconds * 1000);
    await core.vault.deleteProfile(profile.id);
    try {
      await core.settings.update((draft) => {
        if (options.remove) removeFromDraft(draft, profile.id);
        else forgetTokenState(draft, profile.id);
      });
    } catch (error) {
      // The secrets are gone whatever the disk says; say exactly what is left.
      const e = toTorusError(error);
      if (e.kind !== 'filesystem') throw error;
      if (options.remove) {
        throw new TorusError(
          'filesystem',
          `The credentials and token of "${profile.name}" were removed from the keychain, but the profile could not be deleted: ${e.message}`,
          {
            cause: error,
          },
        );
      }
      // Only the old token's details stay in the settings; with no token in the keychain they mean nothing.
      warnings.push(`The old token's details could not be removed from the settings: ${e.message}`);
    }
  });
  core.changed(profile.id);
  for (const error of exportErrors) core.log(`forget ${profile.id}: ${toTorusError(error).kind}`);
  return { exportErrors, warnings };
}
