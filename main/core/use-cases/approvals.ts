import { createHash } from 'node:crypto';
import { TorusError } from '../errors.js';
import { isTrustedTorusUrl, normalizeBaseUrl } from '../domain/base-url.js';
import { checkExportFilePath, checkHookCommand } from '../domain/export-target.js';
import type { Profile } from '../domain/settings-schema.js';
import type { Approver, SensitiveChange } from '../ports.js';
import type { Core } from './core.js';

/**
 * Which changes the user must approve outside the popover (or the script that asked): where
 * credentials are sent, where the token is written, what command gets it. Unchanged values and
 * Torus's own hosts need no approval. Loopback (the simulator) is trusted only where the
 * caller says so: the demo and unpackaged development.
 */
export interface ApprovalPolicy {
  trustLoopback: boolean;
}

export interface ProfileChange {
  baseUrl?: string | undefined;
  totpBaseUrl?: string | undefined;
  exportFilePath?: string | null | undefined;
  exportHookCommand?: string | null | undefined;
}

export function sensitiveProfileChanges(current: Profile | undefined, change: ProfileChange, policy: ApprovalPolicy): SensitiveChange[] {
  const changes: SensitiveChange[] = [];
  for (const [key, label, kind] of [
    ['baseUrl', 'Base URL', 'base-url'],
    ['totpBaseUrl', 'TOTP base URL', 'totp-base-url'],
  ] as const) {
    const raw = change[key];
    if (raw === undefined) continue;
    const url = normalizeBaseUrl(raw, label);
    if (url === current?.[key] || isTrustedTorusUrl(url, policy)) continue;
    const what = key === 'baseUrl' ? 'your API key, API secret and request token' : 'your API key and a TOTP code';
    changes.push({ kind, value: url, description: `Send ${what} to ${new URL(url).origin}, which is not a Torus server.` });
  }
  if (change.exportFilePath !== undefined) {
    const file = checkExportFilePath(change.exportFilePath);
    if (file && file !== current?.export.filePath)
      changes.push({ kind: 'export-file', value: file, description: `Write the access token to the file ${file} after each refresh.` });
  }
  if (change.exportHookCommand !== undefined) {
    const hook = checkHookCommand(change.exportHookCommand);
    if (hook && hook !== current?.export.hookCommand)
      changes.push({ kind: 'hook-command', value: hook, description: `Run this command after each refresh, with the token on its input: ${hook}` });
  }
  return changes;
}

/** Asks once for everything in `changes`; a refusal changes nothing. */
export async function requireApproval(approver: Approver, profileName: string | null, changes: SensitiveChange[]): Promise<void> {
  if (changes.length === 0) return;
  if (!(await approver.approve({ profileName, changes }))) {
    throw new TorusError('invalid-input', 'The change was not approved, so nothing was changed.');
  }
}

/** An approver for callers that have already shown the user what changes (tests, scripted set-up with --yes). */
export const approveAll: Approver = { approve: () => Promise.resolve(true) };

/**
 * What was approved is remembered as fingerprints in the keychain (out of reach of an edit to
 * the settings file): a sensitive value that appears in the file without having been set
 * through Torus Token (the app's approval, or the CLI where the user typed it) is not used.
 */
type SensitiveKind = SensitiveChange['kind'];
const MAX_APPROVALS = 32;

export function approvalFingerprint(kind: SensitiveKind, value: string): string {
  return createHash('sha256').update(`${kind}\0${value}`).digest('hex').slice(0, 24);
}

async function approvedFingerprints(core: Core, profileId: string): Promise<string[]> {
  const raw = await core.vault.get(profileId, 'approvals');
  if (!raw) return [];
  try {
    const list: unknown = JSON.parse(raw);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Remembers values the user set (and approved where needed). Trusted Torus URLs need no record. */
export async function recordApprovals(
  core: Core,
  profileId: string,
  values: ReadonlyArray<{ kind: SensitiveKind; value: string | null | undefined }>,
): Promise<void> {
  const fresh = values
    .filter((v): v is { kind: SensitiveKind; value: string } => typeof v.value === 'string' && v.value.length > 0)
    .filter((v) => !((v.kind === 'base-url' || v.kind === 'totp-base-url') && isTrustedTorusUrl(v.value)))
    .map((v) => approvalFingerprint(v.kind, v.value));
  if (fresh.length === 0) return;
  const known = await approvedFingerprints(core, profileId);
  const next = [...known.filter((f) => !fresh.includes(f)), ...fresh].slice(-MAX_APPROVALS);
  await core.vault.set(profileId, 'approvals', JSON.stringify(next));
}

const LABELS: Record<SensitiveKind, string> = {
  'base-url': 'base URL',
  'totp-base-url': 'TOTP base URL',
  'export-file': 'token file',
  'hook-command': 'hook command',
  'clipboard-keep': 'clipboard setting',
};
const SETTING_KEYS: Partial<Record<SensitiveKind, string>> = {
  'base-url': 'base-url',
  'totp-base-url': 'totp-base-url',
  'export-file': 'export-file',
  'hook-command': 'hook',
};

/**
 * Refuses a sensitive value from the settings file that was never approved. URLs of Torus
 * itself (and loopback where this process trusts it) pass without a record.
 */
export async function requireApprovedValue(core: Core, profile: Profile, kind: SensitiveKind, value: string): Promise<void> {
  if ((kind === 'base-url' || kind === 'totp-base-url') && isTrustedTorusUrl(value, core.policy)) return;
  if ((await approvedFingerprints(core, profile.id)).includes(approvalFingerprint(kind, value))) return;
  const shown = kind === 'base-url' || kind === 'totp-base-url' ? new URL(value).origin : value;
  const key = SETTING_KEYS[kind];
  throw new TorusError(
    'not-configured',
    `The ${LABELS[kind]} of "${profile.name}" (${shown.slice(0, 200)}) was changed outside Torus Token and has not been approved, so it was not used. Set it again in Settings${key ? ` (or "torus-token settings set ${key} …")` : ''} to approve it.`,
  );
}
