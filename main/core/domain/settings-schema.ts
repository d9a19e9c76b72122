import { z } from 'zod';
import { isValidBaseUrl, DEFAULT_BASE_URL, DEFAULT_TOTP_BASE_URL } from './base-url.js';
import { isValidTimeZone } from './expiry.js';
import { ERROR_KINDS, PROFILE_MODES } from './vocabulary.js';
import { normalizeRedirectOrigin } from './redirect-origin.js';

/**
 * The settings file's shape. It holds no secret: those live in the keychain. Every field
 * has a default, so `parse({})` is a valid first-run configuration.
 */
export const SETTINGS_VERSION = 2;
export const HISTORY_LIMIT = 50;
export const MAX_PROFILES = 20;

export const hhmmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const baseUrl = z.string().refine(isValidBaseUrl, 'must be an https:// URL (http only for loopback)');
export const profileIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes');
export const profileNameSchema = z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters');
const instant = z.number().int().nonnegative();

export const tokenExportSchema = z.object({
  filePath: z.string().min(1).max(1024).nullable().default(null),
  hookCommand: z.string().min(1).max(2048).nullable().default(null),
});

export const profileSchema = z.object({
  id: profileIdSchema,
  name: profileNameSchema,
  mode: z.enum(PROFILE_MODES).default('request-token'),
  baseUrl: baseUrl.default(DEFAULT_BASE_URL),
  totpBaseUrl: baseUrl.default(DEFAULT_TOTP_BASE_URL),
  export: tokenExportSchema.default({ filePath: null, hookCommand: null }),
  /**
   * When the trader wants the token ready (in the cutoff zone). Between the daily cutoff and
   * this time nothing notifies; at this time a profile that needs sign-in is announced.
   */
  readyBy: hhmmSchema.default('08:45'),
  /** Open the sign-in window by itself at the ready-by time and at login when sign-in is needed. */
  signInAtReadyBy: z.boolean().default(false),
  /** Where Torus redirects after sign-in (learnt from the first sign-in); null until known. */
  redirectOrigin: z
    .string()
    .max(512)
    .refine((v) => normalizeRedirectOrigin(v) === v, 'must be an http(s) origin such as https://example.com')
    .nullable()
    .default(null),
});

export const tokenMetaSchema = z.object({
  issuedAt: instant,
  expiresAt: instant,
  expirySource: z.enum(['jwt', 'daily-cutoff']),
  /** The JWT's own `exp`, when it has one (kept so a changed cutoff can recompute the expiry). */
  jwtExpiresAt: instant.nullable().default(null),
  source: z.enum(PROFILE_MODES),
  fingerprint: z.string().regex(/^[0-9a-f]{8}$/),
  /** The export file was deleted (and the hook told) once this token expired. */
  exportRetracted: z.boolean().default(false),
});

export const attemptOutcomes = ['success', ...ERROR_KINDS] as const;
export const attemptSchema = z.object({
  at: instant,
  reason: z.string().max(40),
  outcome: z.enum(attemptOutcomes),
  message: z.string().max(600),
  latencyMs: instant,
  needsSignIn: z.boolean().default(false),
  /** Torus asked not to be called again before this instant (Retry-After). */
  retryAt: instant.nullable().default(null),
});

/**
 * A credential set Torus refused (401/403/400). It is never sent again until one of its values
 * changes: `credentialSet` is a keyed hash of the values (see domain/credential-set.ts).
 */
export const refusalSchema = z.object({
  credentialSet: z.string().regex(/^[0-9a-f]{16}$/),
  at: instant,
  message: z.string().max(600),
  needsSignIn: z.boolean(),
});

/** The last export or hook failure, shown until the next success. */
export const exportIssueSchema = z.object({ at: instant, message: z.string().max(600) });

export const refreshPolicySchema = z.object({
  atLogin: z.boolean().default(true),
  cutoffTime: hhmmSchema.default('06:00'),
  cutoffZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Kolkata').default('Asia/Kolkata'),
  timeoutSeconds: z.number().int().min(1).max(120).default(15),
  /** How long before expiry the token counts as "expiring soon" and a JWT is refreshed. */
  marginMinutes: z.number().int().min(1).max(720).default(30),
});

export const settingsSchema = z.object({
  schemaVersion: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  activeProfileId: profileIdSchema.nullable().default(null),
  profiles: z.array(profileSchema).max(MAX_PROFILES).default([]),
  refresh: refreshPolicySchema.default(refreshPolicySchema.parse({})),
  clipboard: z.object({ autoClearSeconds: z.number().int().min(0).max(3600).default(30) }).default({ autoClearSeconds: 30 }),
  app: z
    .object({
      startAtLogin: z.boolean().default(false),
      copyShortcut: z.string().max(60).nullable().default(null),
    })
    .default({ startAtLogin: false, copyShortcut: null }),
  hookTimeoutSeconds: z.number().int().min(1).max(300).default(10),
  tokens: z.record(profileIdSchema, tokenMetaSchema).default({}),
  history: z.record(profileIdSchema, z.array(attemptSchema).max(HISTORY_LIMIT)).default({}),
  refusals: z.record(profileIdSchema, refusalSchema).default({}),
  exportIssues: z.record(profileIdSchema, exportIssueSchema).default({}),
});

export type Settings = z.infer<typeof settingsSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type TokenMeta = z.infer<typeof tokenMetaSchema>;
export type Attempt = z.infer<typeof attemptSchema>;
export type AttemptOutcome = Attempt['outcome'];
export type Refusal = z.infer<typeof refusalSchema>;
export type ExportIssue = z.infer<typeof exportIssueSchema>;
export type RefreshPolicy = z.infer<typeof refreshPolicySchema>;
export type TokenExport = z.infer<typeof tokenExportSchema>;
export type ProfileMode = Profile['mode'];

export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

/** A readable one-line summary of why a settings object is invalid. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)
    .join('; ');
}

type Migration = (raw: Record<string, unknown>) => Record<string, unknown>;
/** migrations[n] upgrades a version-n file to n+1. Version 0 is a file without schemaVersion. */
const migrations: Record<number, Migration> = {
  0: (raw) => ({ ...raw, schemaVersion: 1 }),
  // v2: the global "daily refresh time" gave way to a per-profile "ready by" time (it replayed
  // a spent request token every morning); new fields get their defaults when parsed.
  1: (raw) => {
    const refresh = typeof raw.refresh === 'object' && raw.refresh !== null ? { ...(raw.refresh as Record<string, unknown>) } : undefined;
    if (refresh) delete refresh.dailyRefreshTime;
    const tokens = typeof raw.tokens === 'object' && raw.tokens !== null ? (raw.tokens as Record<string, unknown>) : {};
    const upgradedTokens: Record<string, unknown> = {};
    for (const [id, meta] of Object.entries(tokens)) {
      const m = meta as Record<string, unknown>;
      upgradedTokens[id] = { ...m, jwtExpiresAt: m.expirySource === 'jwt' ? m.expiresAt : null };
    }
    return { ...raw, ...(refresh ? { refresh } : {}), tokens: upgradedTokens, schemaVersion: 2 };
  },
};

export function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  let current = raw;
  let version = typeof current.schemaVersion === 'number' ? current.schemaVersion : 0;
  while (version < SETTINGS_VERSION) {
    const step = migrations[version];
    if (!step) throw new Error(`no migration from settings version ${version}`);
    current = step(current);
    version++;
  }
  return current;
}
