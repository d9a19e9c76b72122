import { TorusError } from '../core/errors.js';
import { resolveProfile } from '../core/domain/profiles.js';
import { updateProfile, type ProfilePatch } from '../core/use-cases/profiles.js';
import { checkPreferences, sensitivePreferenceChanges, updatePreferences, type PreferencesPatch } from '../core/use-cases/preferences.js';
import { requireApproval } from '../core/use-cases/approvals.js';
import type { CliContext } from './context.js';

/**
 * `torus-token settings` shows the settings the app's Settings view shows, and
 * `torus-token settings set KEY VALUE` changes one through the same use cases (and the same
 * approvals for changes that could send the token or credentials elsewhere).
 */
type Scope = 'profile' | 'app';
interface Key {
  scope: Scope;
  help: string;
  parse(value: string): ProfilePatch | PreferencesPatch;
}

const onOff = (value: string, key: string): boolean => {
  if (/^(on|yes|true|1)$/i.test(value)) return true;
  if (/^(off|no|false|0)$/i.test(value)) return false;
  throw new TorusError('invalid-input', `${key} must be on or off.`);
};
const integer = (value: string, key: string): number => {
  if (!/^\d+$/.test(value.trim())) throw new TorusError('invalid-input', `${key} must be a whole number.`);
  return Number(value);
};
const orNone = (value: string): string | null => (/^(none|off|)$/i.test(value.trim()) ? null : value);

export const SETTING_KEYS: Record<string, Key> = {
  'ready-by': { scope: 'profile', help: 'HH:MM the token should be ready by (reminders wait until then)', parse: (v) => ({ readyBy: v.trim() }) },
  'sign-in-at-ready-by': {
    scope: 'profile',
    help: 'on|off: open the sign-in window by itself at the ready-by time',
    parse: (v) => ({ signInAtReadyBy: onOff(v, 'sign-in-at-ready-by') }),
  },
  name: { scope: 'profile', help: 'the profile name', parse: (v) => ({ name: v }) },
  mode: {
    scope: 'profile',
    help: 'request-token|totp',
    parse: (v) => {
      if (v !== 'request-token' && v !== 'totp') throw new TorusError('invalid-input', 'mode must be request-token or totp.');
      return { mode: v };
    },
  },
  'base-url': { scope: 'profile', help: 'Torus base URL', parse: (v) => ({ baseUrl: v }) },
  'totp-base-url': { scope: 'profile', help: 'Torus TOTP base URL', parse: (v) => ({ totpBaseUrl: v }) },
  'export-file': { scope: 'profile', help: 'PATH|none: write the token to this file after each refresh', parse: (v) => ({ exportFilePath: orNone(v) }) },
  hook: { scope: 'profile', help: 'COMMAND|none: run this with the token on stdin after each refresh', parse: (v) => ({ exportHookCommand: orNone(v) }) },
  'redirect-origin': {
    scope: 'profile',
    help: 'URL|none: where Torus sends you after sign-in (learnt at the first sign-in; none to learn it again)',
    parse: (v) => ({ redirectOrigin: orNone(v) }),
  },
  cutoff: { scope: 'app', help: 'HH:MM daily cutoff when tokens expire', parse: (v) => ({ cutoffTime: v.trim() }) },
  'cutoff-zone': { scope: 'app', help: 'IANA time zone of the cutoff and ready-by times', parse: (v) => ({ cutoffZone: v.trim() }) },
  'refresh-at-login': { scope: 'app', help: 'on|off: refresh when the app starts', parse: (v) => ({ refreshAtLogin: onOff(v, 'refresh-at-login') }) },
  timeout: { scope: 'app', help: 'seconds per attempt (1-120)', parse: (v) => ({ timeoutSeconds: integer(v, 'timeout') }) },
  margin: { scope: 'app', help: 'minutes before expiry that count as "expiring soon"', parse: (v) => ({ marginMinutes: integer(v, 'margin') }) },
  'clipboard-clear': {
    scope: 'app',
    help: 'seconds until a copied token is cleared (0 = never)',
    parse: (v) => ({ clipboardAutoClearSeconds: integer(v, 'clipboard-clear') }),
  },
  'hook-timeout': { scope: 'app', help: 'seconds a hook may run', parse: (v) => ({ hookTimeoutSeconds: integer(v, 'hook-timeout') }) },
};

export async function showSettings(ctx: CliContext, options: { profile?: string; json?: boolean }): Promise<void> {
  const settings = ctx.core.settings.read();
  const profile = settings.profiles.length > 0 ? resolveProfile(settings, options.profile) : null;
  const values: Record<string, string | number | boolean | null> = {
    ...(profile
      ? {
          'ready-by': profile.readyBy,
          'sign-in-at-ready-by': profile.signInAtReadyBy,
          name: profile.name,
          mode: profile.mode,
          'base-url': profile.baseUrl,
          'totp-base-url': profile.totpBaseUrl,
          'export-file': profile.export.filePath,
          hook: profile.export.hookCommand,
          'redirect-origin': profile.redirectOrigin,
        }
      : {}),
    cutoff: settings.refresh.cutoffTime,
    'cutoff-zone': settings.refresh.cutoffZone,
    'refresh-at-login': settings.refresh.atLogin,
    timeout: settings.refresh.timeoutSeconds,
    margin: settings.refresh.marginMinutes,
    'clipboard-clear': settings.clipboard.autoClearSeconds,
    'hook-timeout': settings.hookTimeoutSeconds,
  };
  if (options.json) {
    ctx.io.stdout.write(`${JSON.stringify({ profile: profile?.id ?? null, settings: values })}\n`);
    return;
  }
  if (profile) ctx.io.stdout.write(`# profile "${profile.name}" (${profile.id})\n`);
  for (const [key, value] of Object.entries(values)) {
    const shown = value === null ? 'none' : typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
    ctx.io.stdout.write(`${key}\t${shown}\n`);
  }
}

export async function setSetting(ctx: CliContext, key: string, value: string, options: { profile?: string }): Promise<void> {
  const spec = SETTING_KEYS[key];
  if (!spec) throw new TorusError('invalid-input', `Unknown setting "${key.slice(0, 40)}". Settings: ${Object.keys(SETTING_KEYS).join(', ')}.`);
  const patch = spec.parse(value);
  if (spec.scope === 'profile') {
    const profile = resolveProfile(ctx.core.settings.read(), options.profile);
    await updateProfile(ctx.core, profile.id, patch as ProfilePatch, ctx.approver, ctx.policy);
    ctx.info(`Set ${key} for "${profile.name}".`);
    return;
  }
  const current = ctx.core.settings.read();
  checkPreferences(current, patch as PreferencesPatch);
  await requireApproval(ctx.approver, null, sensitivePreferenceChanges(current, patch as PreferencesPatch));
  await updatePreferences(ctx.core, patch as PreferencesPatch);
  ctx.info(`Set ${key}.`);
}
