import { TorusError, toTorusError } from '../errors.js';
import { expiryFor, isValidTimeZone } from '../domain/expiry.js';
import { describeIssues, hhmmSchema, settingsSchema, type Settings } from '../domain/settings-schema.js';
import type { SensitiveChange } from '../ports.js';
import type { Core } from './core.js';

/**
 * App-wide preferences (the profile-specific ones are in profiles.ts). A whole patch is checked
 * before anything happens, so a bad field never leaves half a change (or a side effect such as
 * a registered shortcut) behind.
 */
export interface PreferencesPatch {
  refreshAtLogin?: boolean | undefined;
  cutoffTime?: string | undefined;
  cutoffZone?: string | undefined;
  timeoutSeconds?: number | undefined;
  marginMinutes?: number | undefined;
  clipboardAutoClearSeconds?: number | undefined;
  copyShortcut?: string | null | undefined;
  startAtLogin?: boolean | undefined;
  hookTimeoutSeconds?: number | undefined;
}

function apply(draft: Settings, patch: PreferencesPatch): void {
  if (patch.refreshAtLogin !== undefined) draft.refresh.atLogin = patch.refreshAtLogin;
  if (patch.cutoffTime !== undefined) draft.refresh.cutoffTime = patch.cutoffTime;
  if (patch.cutoffZone !== undefined) draft.refresh.cutoffZone = patch.cutoffZone;
  if (patch.timeoutSeconds !== undefined) draft.refresh.timeoutSeconds = patch.timeoutSeconds;
  if (patch.marginMinutes !== undefined) draft.refresh.marginMinutes = patch.marginMinutes;
  if (patch.clipboardAutoClearSeconds !== undefined) draft.clipboard.autoClearSeconds = patch.clipboardAutoClearSeconds;
  if (patch.copyShortcut !== undefined) draft.app.copyShortcut = patch.copyShortcut?.trim() || null;
  if (patch.startAtLogin !== undefined) draft.app.startAtLogin = patch.startAtLogin;
  if (patch.hookTimeoutSeconds !== undefined) draft.hookTimeoutSeconds = patch.hookTimeoutSeconds;
  // A new daily cutoff changes when today's tokens stop working (checked first: a bad value is
  // an input error for the schema to explain, not an exception from the clock arithmetic).
  const cutoffValid = hhmmSchema.safeParse(draft.refresh.cutoffTime).success && isValidTimeZone(draft.refresh.cutoffZone);
  if ((patch.cutoffTime !== undefined || patch.cutoffZone !== undefined) && cutoffValid) {
    const cutoff = { time: draft.refresh.cutoffTime, zone: draft.refresh.cutoffZone };
    for (const meta of Object.values(draft.tokens)) {
      const expiry = expiryFor(meta.issuedAt, meta.jwtExpiresAt, cutoff);
      meta.expiresAt = expiry.expiresAt;
      meta.expirySource = expiry.source;
    }
  }
}

/** The settings the patch would produce; throws a plain-words invalid-input error for any bad field. */
export function checkPreferences(current: Settings, patch: PreferencesPatch): Settings {
  const draft = structuredClone(current) as Settings;
  apply(draft, patch);
  const parsed = settingsSchema.safeParse(draft);
  if (!parsed.success) throw new TorusError('invalid-input', `That setting is not valid: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** Turning clipboard auto-clear off leaves the token on the clipboard for any app to read: approve it. */
export function sensitivePreferenceChanges(current: Settings, patch: PreferencesPatch): SensitiveChange[] {
  if (patch.clipboardAutoClearSeconds === 0 && current.clipboard.autoClearSeconds !== 0) {
    return [
      { kind: 'clipboard-keep', value: '0', description: 'Keep a copied access token on the clipboard until something else is copied (auto-clear off).' },
    ];
  }
  return [];
}

export async function updatePreferences(core: Core, patch: PreferencesPatch): Promise<Settings> {
  checkPreferences(core.settings.read(), patch);
  const next = await core.settings.update((draft) => apply(draft, patch));
  if (patch.cutoffTime !== undefined || patch.cutoffZone !== undefined) {
    // The keychain's copy of each token's expiry follows (it is what `get` trusts on a full disk).
    for (const [profileId, meta] of Object.entries(next.tokens)) {
      try {
        const stored = await core.vault.getToken(profileId);
        if (stored && stored.meta && stored.meta.expiresAt !== meta.expiresAt)
          await core.vault.setToken(profileId, stored.token, { ...stored.meta, expiresAt: meta.expiresAt, expirySource: meta.expirySource });
      } catch (error) {
        core.log(`preferences: could not update the stored expiry for ${profileId} (${toTorusError(error).kind})`);
      }
    }
  }
  core.changed(null);
  return next;
}
