import { TorusError } from '../errors.js';
import { MAX_PROFILES, profileSchema, type Profile, type ProfileMode, type Settings } from './settings-schema.js';
import { checkDisplayText } from './text.js';

/** Profile lookup and creation rules shared by the CLI and the app. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    // Accents come apart as combining marks: dropped, so "Élan" is "elan", not "e-lan".
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    // Runs are single dashes by now: one at either end goes.
    .replace(/^-|-$/g, '')
    .slice(0, 32);
  return slug.length > 0 ? slug : 'profile';
}

export function findProfile(settings: Settings, nameOrId: string): Profile | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return settings.profiles.find((p) => p.id === wanted) ?? settings.profiles.find((p) => p.name.toLowerCase() === wanted);
}

/** The profile a command acts on: the named one, else the active one, else the only one. */
export function resolveProfile(settings: Settings, nameOrId?: string): Profile {
  if (nameOrId !== undefined) {
    const found = findProfile(settings, nameOrId);
    if (!found) {
      throw new TorusError(
        'not-configured',
        `There is no profile named "${nameOrId.slice(0, 40)}". Run "torus-token profiles" to list them, or "torus-token login --profile ${slugify(nameOrId)}" to create it.`,
      );
    }
    return found;
  }
  const active = settings.profiles.find((p) => p.id === settings.activeProfileId) ?? settings.profiles[0];
  if (!active) throw new TorusError('not-configured', 'No profile is set up yet. Run "torus-token login" or open the app to add your Torus credentials.');
  return active;
}

export function uniqueProfileId(settings: Settings, name: string): string {
  const base = slugify(name);
  let id = base;
  for (let n = 2; settings.profiles.some((p) => p.id === id); n++) id = `${base}-${n}`;
  return id;
}

/**
 * A profile name as typed (CLI flag, popover field): trimmed, 1–40 characters, and free of
 * control characters, which would break the tray menu, notifications and one-line CLI output.
 */
export function checkProfileName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0) throw new TorusError('invalid-input', 'The profile name is empty.');
  if (name.length > 40) throw new TorusError('invalid-input', 'The profile name must be at most 40 characters.');
  return checkDisplayText(name, 'The profile name');
}

/** Adds a profile to a settings draft and returns it; the first profile becomes active. */
export function addProfile(draft: Settings, input: { name: string; mode?: ProfileMode; baseUrl?: string; totpBaseUrl?: string }): Profile {
  checkProfileName(input.name);
  if (findProfile(draft, input.name)) throw new TorusError('invalid-input', `A profile named "${input.name.trim()}" already exists.`);
  if (draft.profiles.length >= MAX_PROFILES) throw new TorusError('invalid-input', `At most ${MAX_PROFILES} profiles are supported.`);
  const parsed = profileSchema.safeParse({
    id: uniqueProfileId(draft, input.name),
    name: input.name,
    ...(input.mode ? { mode: input.mode } : {}),
    ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}),
    ...(input.totpBaseUrl ? { totpBaseUrl: input.totpBaseUrl } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Stryker disable next-line StringLiteral: the fields checked here are all top-level, so the path has one part and no separator shows
    const field = issue?.path.join('.');
    throw new TorusError('invalid-input', `The profile is not valid: ${field} ${issue?.message}.`);
  }
  draft.profiles.push(parsed.data);
  if (draft.activeProfileId === null) draft.activeProfileId = parsed.data.id;
  return parsed.data;
}

/** Forgets everything the settings know about a profile's token (logout keeps the profile itself). */
export function forgetTokenState(draft: Settings, id: string): void {
  delete draft.tokens[id];
  delete draft.history[id];
  delete draft.refusals[id];
  delete draft.exportIssues[id];
}

export function removeProfile(draft: Settings, id: string): void {
  draft.profiles = draft.profiles.filter((p) => p.id !== id);
  forgetTokenState(draft, id);
  if (draft.activeProfileId === id) draft.activeProfileId = draft.profiles[0]?.id ?? null;
}
