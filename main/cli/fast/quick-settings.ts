import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The few settings `get` needs, read straight from config.json with a small validator instead
 * of the full schema (zod) and settings store. It checks what it reads, by the schema's rules:
 * the current schema version (no migration), the profiles' ids and names, the active profile,
 * the token records. Anything else (no file, damaged JSON, an older or newer version, one of
 * those fields of the wrong shape) returns null, and the full CLI, which repairs and reports,
 * takes over. Fields it does not read are not checked: a file damaged by hand only there (say,
 * an unknown cutoff zone) still yields the valid token here; the next full command (status,
 * refresh, the app) moves it aside and says so.
 */
export const QUICK_SETTINGS_VERSION = 2;
const PROFILE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const FINGERPRINT = /^[0-9a-f]{8}$/;
const MAX_PROFILES = 20;

export interface QuickProfile {
  id: string;
  /** Trimmed, as the schema stores it. */
  name: string;
}

export interface QuickTokenRecord {
  expiresAt: number;
  fingerprint: string;
}

export interface QuickSettings {
  activeProfileId: string | null;
  profiles: QuickProfile[];
  tokens: Record<string, QuickTokenRecord>;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInstant = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

export function readQuickSettings(configDir: string): QuickSettings | null {
  let text: string;
  try {
    text = readFileSync(join(configDir, 'config.json'), 'utf8');
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  return validateQuickSettings(raw);
}

export function validateQuickSettings(raw: unknown): QuickSettings | null {
  if (!isRecord(raw) || raw.schemaVersion !== QUICK_SETTINGS_VERSION) return null;
  const active = raw.activeProfileId ?? null;
  if (active !== null && (typeof active !== 'string' || !PROFILE_ID.test(active))) return null;
  const profilesRaw = raw.profiles ?? [];
  if (!Array.isArray(profilesRaw) || profilesRaw.length > MAX_PROFILES) return null;
  const profiles: QuickProfile[] = [];
  for (const p of profilesRaw) {
    if (!isRecord(p) || typeof p.id !== 'string' || !PROFILE_ID.test(p.id) || typeof p.name !== 'string') return null;
    const name = p.name.trim();
    if (name.length === 0 || name.length > 40) return null;
    profiles.push({ id: p.id, name });
  }
  const tokensRaw = raw.tokens ?? {};
  if (!isRecord(tokensRaw)) return null;
  const tokens: Record<string, QuickTokenRecord> = {};
  for (const [id, meta] of Object.entries(tokensRaw)) {
    if (!PROFILE_ID.test(id) || !isRecord(meta) || !isInstant(meta.expiresAt) || typeof meta.fingerprint !== 'string' || !FINGERPRINT.test(meta.fingerprint)) {
      return null;
    }
    tokens[id] = { expiresAt: meta.expiresAt, fingerprint: meta.fingerprint };
  }
  return { activeProfileId: active, profiles, tokens };
}

/**
 * The profile a command acts on, by the full CLI's rule (core/domain/profiles resolveProfile):
 * the named one (id, then name, case-insensitively), else the active one, else the first. Null
 * where the full CLI reports an error, so that it does.
 */
export function quickProfile(settings: QuickSettings, nameOrId: string | undefined): QuickProfile | null {
  if (nameOrId !== undefined) {
    const wanted = nameOrId.trim().toLowerCase();
    return settings.profiles.find((p) => p.id === wanted) ?? settings.profiles.find((p) => p.name.toLowerCase() === wanted) ?? null;
  }
  return settings.profiles.find((p) => p.id === settings.activeProfileId) ?? settings.profiles[0] ?? null;
}
