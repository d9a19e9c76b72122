import { TorusError } from '../errors.js';
import { normalizeBaseUrl } from '../domain/base-url.js';
import { parseRequestTokenInput } from '../domain/request-token.js';
import { normalizeRedirectOrigin } from '../domain/redirect-origin.js';
import type { SignInPort } from '../ports.js';
import { refresh, record, requireProfile, type RefreshOutcome, type RefreshOverrides } from './tokens.js';
import type { Core } from './core.js';

/**
 * Signing in to Torus, the daily step of request-token mode: the login page's address, and
 * accepting the request token Torus hands back (captured by the app, or pasted into either).
 * A fresh request token is exchanged at once, so the token is ready when this returns.
 */
export async function loginUrl(core: Core, profileId: string, baseUrl?: string): Promise<string> {
  const profile = requireProfile(core.settings.read(), profileId);
  const apiKey = await core.vault.get(profile.id, 'apiKey');
  if (!apiKey)
    throw new TorusError(
      'not-configured',
      `No API key saved for "${profile.name}"; the sign-in page needs it. Save it in Settings (app) or run "torus-token login".`,
    );
  return `${normalizeBaseUrl(baseUrl ?? profile.baseUrl)}/connect/login/${encodeURIComponent(apiKey)}`;
}

/** Saves a request token (bare, or the redirect URL that carries it) and exchanges it now. */
export async function acceptRequestToken(core: Core, profileId: string, input: string, overrides: RefreshOverrides = {}): Promise<RefreshOutcome> {
  const token = parseRequestTokenInput(input);
  // Sign-in can take minutes: the profile may have been removed meanwhile.
  const profile = requireProfile(core.settings.read(), profileId);
  await core.vault.set(profile.id, 'requestToken', token);
  // A new credential set: the refusal of the old one no longer applies.
  await record(core, profile.id, null, { refusal: null });
  core.changed(profile.id);
  return refresh(core, profile.id, 'sign-in', overrides);
}

export type SignInResult = { outcome: 'refreshed'; refreshed: RefreshOutcome } | { outcome: 'closed' | 'timeout' };

export async function signIn(core: Core, port: SignInPort, profileId: string): Promise<SignInResult> {
  const profile = requireProfile(core.settings.read(), profileId);
  const url = await loginUrl(core, profileId);
  const result = await port.open({ loginUrl: url, profileId, redirectOrigin: profile.redirectOrigin });
  if ('outcome' in result) return { outcome: result.outcome };
  const learnt = normalizeRedirectOrigin(result.redirectOrigin);
  if (profile.redirectOrigin === null && learnt !== null) {
    // It only narrows where the sign-in window may go from now on: no approval needed.
    await core.settings.update((draft) => {
      const target = draft.profiles.find((p) => p.id === profileId);
      if (target && target.redirectOrigin === null) target.redirectOrigin = learnt;
    });
  }
  return { outcome: 'refreshed', refreshed: await acceptRequestToken(core, profileId, result.requestToken) };
}
