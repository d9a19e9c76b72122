import type { TorusError } from '../errors.js';
import { toTorusError } from '../errors.js';
import { removeTokenFile, runHook, writeTokenFile } from '../infra/token-export.js';
import type { Profile } from '../domain/settings-schema.js';
import { withRefreshLock } from './profile-lock.js';
import { requireApprovedValue } from './approvals.js';
import type { Core } from './core.js';

/**
 * Hands tokens to trading bots, and takes them back: a token file only the user can read
 * and/or a hook command with the token on stdin. When the token expires, or the profile is
 * logged out or removed, the file is deleted and the hook runs with an empty stdin, so no bot
 * keeps using a dead token.
 */
export async function exportToken(core: Core, profile: Profile, token: string, hookTimeoutMs: number): Promise<TorusError[]> {
  const errors: TorusError[] = [];
  if (profile.export.filePath) {
    try {
      // A path or command edited into the settings file (not approved) is never used.
      await requireApprovedValue(core, profile, 'export-file', profile.export.filePath);
      writeTokenFile(profile.export.filePath, token);
    } catch (error) {
      errors.push(toTorusError(error));
    }
  }
  if (profile.export.hookCommand) {
    try {
      await requireApprovedValue(core, profile, 'hook-command', profile.export.hookCommand);
      await runHook(profile.export.hookCommand, token, hookTimeoutMs);
    } catch (error) {
      errors.push(toTorusError(error));
    }
  }
  return errors;
}

/** Deletes the token file and tells the hook (empty stdin) that there is no token any more. */
export async function retractExport(core: Core, profile: Profile, hookTimeoutMs: number): Promise<TorusError[]> {
  const errors: TorusError[] = [];
  if (profile.export.filePath) {
    try {
      // Deleting a file at an unapproved path would let a settings edit delete any file.
      await requireApprovedValue(core, profile, 'export-file', profile.export.filePath);
      removeTokenFile(profile.export.filePath);
    } catch (error) {
      errors.push(toTorusError(error));
    }
  }
  if (profile.export.hookCommand) {
    try {
      await requireApprovedValue(core, profile, 'hook-command', profile.export.hookCommand);
      await runHook(profile.export.hookCommand, '', hookTimeoutMs);
    } catch (error) {
      errors.push(toTorusError(error));
    }
  }
  return errors;
}

/**
 * Once a profile's token has expired, retracts its export, once per token (the app at the
 * expiry instant; the CLI when it finds the token expired). Serialised with refreshes, so a
 * token that has just been replaced is never retracted.
 */
export async function retractIfExpired(core: Core, profileId: string): Promise<void> {
  const due = (): { profile: Profile; fingerprint: string } | null => {
    const settings = core.settings.read();
    const profile = settings.profiles.find((p) => p.id === profileId);
    const meta = settings.tokens[profileId];
    if (!profile || !meta || meta.exportRetracted || core.now() < meta.expiresAt) return null;
    return { profile, fingerprint: meta.fingerprint };
  };
  if (!due()) return;
  await withRefreshLock(core, profileId, async () => {
    const target = due();
    if (!target) return;
    const settings = core.settings.read();
    const errors = await retractExport(core, target.profile, settings.hookTimeoutSeconds * 1000);
    const at = core.now();
    try {
      await core.settings.update((draft) => {
        const meta = draft.tokens[profileId];
        if (meta?.fingerprint === target.fingerprint) meta.exportRetracted = true;
        if (errors.length > 0)
          draft.exportIssues[profileId] = {
            at,
            message: errors
              .map((e) => e.message)
              .join(' ')
              .slice(0, 600),
          };
      });
    } catch (error) {
      core.log(`settings: could not record the export retraction for ${profileId} (${toTorusError(error).kind})`);
    }
    core.changed(profileId);
  });
}
