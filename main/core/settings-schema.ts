import { z } from 'zod';
import { isValidBaseUrl, DEFAULT_BASE_URL, DEFAULT_TOTP_BASE_URL } from './base-url.js';
import { isValidTimeZone } from './expiry.js';

/**
 * The settings file's shape. It holds no secret: those live in the keychain. Every field
 * has a default, so `parse({})` is a valid first-run configuration.
 */
export const SETTINGS_VERSION = 1;
export const HISTORY_LIMIT = 50;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const baseUrl = z.string().refine(isValidBaseUrl, 'must be an https:// URL (http only for loopback)');
export const profileIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes');
export const profileNameSchema = z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters');

export const tokenExportSchema = z.object({
  filePath: z.string().min(1).max(1024).nullable().default(null),
  hookCommand: z.string().min(1).max(2048).nullable().default(null),
});

export const profileSchema = z.object({
  id: profileIdSchema,
  name: profileNameSchema,
  mode: z.enum(['request-token', 'totp']).default('request-token'),
  baseUrl: baseUrl.default(DEFAULT_BASE_URL),
  totpBaseUrl: baseUrl.default(DEFAULT_TOTP_BASE_URL),
  export: tokenExportSchema.default({ filePath: null, hookCommand: null }),
});

export const tokenMetaSchema = z.object({
  issuedAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
  expirySource: z.enum(['jwt', 'daily-cutoff']),
  source: z.enum(['request-token', 'totp']),
  fingerprint: z.string().regex(/^[0-9a-f]{8}$/),
});

export const attemptSchema = z.object({
  at: z.number().int().nonnegative(),
  reason: z.string().max(40),
  outcome: z.enum([
    'success',
    'rejected',
    'rate-limited',
    'server-error',
    'network',
    'timeout',
    'invalid-response',
    'not-configured',
    'keychain-unavailable',
    'invalid-input',
    'cancelled',
    'export-failed',
  ]),
  message: z.string().max(600),
  latencyMs: z.number().int().nonnegative(),
  needsSignIn: z.boolean().default(false),
});

export const refreshPolicySchema = z.object({
  atLogin: z.boolean().default(true),
  /** Daily refresh time in `cutoffZone`; null turns it off. */
  dailyRefreshTime: hhmm.nullable().default('08:30'),
  cutoffTime: hhmm.default('06:00'),
  cutoffZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Kolkata').default('Asia/Kolkata'),
  timeoutSeconds: z.number().int().min(1).max(120).default(15),
  /** How long before expiry the token counts as "expiring soon" and a JWT is refreshed. */
  marginMinutes: z.number().int().min(1).max(720).default(30),
});

export const settingsSchema = z.object({
  schemaVersion: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  activeProfileId: profileIdSchema.nullable().default(null),
  profiles: z.array(profileSchema).max(20).default([]),
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
});

export type Settings = z.infer<typeof settingsSchema>;
export type Profile = z.infer<typeof profileSchema>;
export type TokenMeta = z.infer<typeof tokenMetaSchema>;
export type Attempt = z.infer<typeof attemptSchema>;
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
