import { TorusError } from '../errors.js';
import { isTrustedTorusUrl, normalizeBaseUrl } from '../domain/base-url.js';
import { checkExportFilePath, checkHookCommand } from '../domain/export-target.js';
import type { Profile } from '../domain/settings-schema.js';
import type { Approver, SensitiveChange } from '../ports.js';

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
