import { TorusError, toTorusError } from '../core/errors.js';
import { findProfile, resolveProfile } from '../core/domain/profiles.js';
import type { Profile, ProfileMode, Settings, TokenMeta } from '../core/domain/settings-schema.js';
import { lookupToken, profileState, refresh as refreshToken, usableToken, verifyToken } from '../core/use-cases/tokens.js';
import { setUpProfile } from '../core/use-cases/credentials.js';
import { acceptRequestToken, loginUrl as profileLoginUrl } from '../core/use-cases/sign-in.js';
import { forgetProfile, switchProfile } from '../core/use-cases/profiles.js';
import { retractIfExpired } from '../core/use-cases/exports.js';
import type { CliContext } from './context.js';
import { promptHidden, readAllStdin } from './io.js';
import { formatInstant, relative, tokenJson } from './format.js';
import { runWithToken } from './run-with-token.js';
import { waitForChange } from './wait-for-change.js';

/**
 * The CLI's commands: each parses its input, calls one use case of the core (the same the app
 * calls), and formats the answer. stdout carries only what was asked for (a token, JSON).
 */
export interface LoginOptions {
  profile?: string;
  mode?: ProfileMode;
  baseUrl?: string;
  totpBaseUrl?: string;
  stdin?: boolean;
}

async function readCredentials(ctx: CliContext, mode: ProfileMode, useStdin: boolean): Promise<[string, string, string]> {
  const third = mode === 'totp' ? 'TOTP secret' : 'Request token (or the redirect URL)';
  if (useStdin) {
    const lines = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/);
    return [lines[0] ?? '', lines[1] ?? '', lines[2] ?? ''];
  }
  if (!ctx.io.stdin.isTTY) {
    throw new TorusError(
      'invalid-input',
      'No terminal to prompt on. Pass --stdin and send the API key, API secret and ' + (mode === 'totp' ? 'TOTP secret' : 'request token') + ' as three lines.',
    );
  }
  const apiKey = await promptHidden(ctx.io, 'API key: ');
  const apiSecret = await promptHidden(ctx.io, 'API secret: ');
  const last = await promptHidden(ctx.io, `${third}: `);
  return [apiKey, apiSecret, last];
}

function profileFor(ctx: CliContext, name: string | undefined, settings: Settings = ctx.core.settings.read()): Profile {
  return resolveProfile(settings, name);
}

function tokenReady(name: string, expiresAt: number): string {
  return `Token ready for "${name}": expires ${formatInstant(expiresAt)} (${relative(expiresAt, Date.now())}).`;
}

export async function login(ctx: CliContext, options: LoginOptions): Promise<void> {
  const settings = ctx.core.settings.read();
  const existing = options.profile === undefined ? safeResolve(settings) : findProfile(settings, options.profile);
  const mode: ProfileMode = options.mode ?? existing?.mode ?? 'request-token';
  const [apiKey, apiSecret, secret] = await readCredentials(ctx, mode, options.stdin === true);
  const result = await setUpProfile(
    ctx.core,
    {
      ...(existing ? { profileId: existing.id } : { name: options.profile ?? 'default' }),
      mode,
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      ...(options.totpBaseUrl === undefined ? {} : { totpBaseUrl: options.totpBaseUrl }),
      apiKey,
      apiSecret,
      secret,
    },
    ctx.approver,
    ctx.policy,
    ctx.overrides,
  );
  ctx.info(`Saved credentials for profile "${result.profile.name}" in the system keychain.`);
  if (result.refreshError) throw result.refreshError;
  reportRefresh(ctx, result.profile.name, result.refreshed);
}

function safeResolve(settings: Settings): Profile | undefined {
  try {
    return resolveProfile(settings);
  } catch {
    return undefined;
  }
}

function reportRefresh(ctx: CliContext, name: string, outcome: { meta: { expiresAt: number }; exportErrors: TorusError[]; warnings: string[] }): void {
  ctx.info(tokenReady(name, outcome.meta.expiresAt));
  for (const error of outcome.exportErrors) ctx.info(`torus-token: warning: ${error.message}`);
  for (const warning of outcome.warnings) ctx.info(`torus-token: warning: ${warning}`);
}

/** A fresh request token (pasted, piped, or the redirect URL): saved and exchanged at once, as in the app. */
export async function setRequestToken(ctx: CliContext, options: { profile?: string; print?: boolean }, argument: string | undefined): Promise<void> {
  const profile = profileFor(ctx, options.profile);
  let raw: string;
  if (argument !== undefined) {
    ctx.info('torus-token: warning: a request token passed as an argument is saved in your shell history; prefer piping it on standard input.');
    raw = argument;
  } else if (ctx.io.stdin.isTTY) {
    raw = await promptHidden(ctx.io, 'Request token (or the redirect URL): ');
  } else {
    raw = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/).find((line) => line.trim().length > 0) ?? '';
  }
  const outcome = await acceptRequestToken(ctx.core, profile.id, raw, ctx.overrides);
  reportRefresh(ctx, profile.name, outcome);
  if (options.print) ctx.io.stdout.write(`${outcome.token}\n`);
}

export async function refresh(ctx: CliContext, options: { profile?: string; print?: boolean }): Promise<void> {
  const profile = profileFor(ctx, options.profile);
  const outcome = await refreshToken(ctx.core, profile.id, 'cli', ctx.overrides);
  reportRefresh(ctx, profile.name, outcome);
  if (options.print) ctx.io.stdout.write(`${outcome.token}\n`);
}

async function tokenFor(ctx: CliContext, profile: Profile, refreshIfStale: boolean): Promise<{ token: string; meta: TokenMeta }> {
  if (refreshIfStale) {
    const { token, warnings } = await usableToken(ctx.core, profile.id, ctx.overrides);
    // stderr only: stdout carries the token alone.
    for (const warning of warnings) ctx.info(`torus-token: warning: ${warning}`);
    // The usable token's record, for --json (the keychain item carries it: no extra rule here).
    const found = await lookupToken(ctx.core, profile.id);
    if (found.kind !== 'missing' && found.token === token) return { token, meta: found.meta };
    return tokenFor(ctx, profile, false); // replaced or removed meanwhile by another process: say what is stored now
  }
  const found = await lookupToken(ctx.core, profile.id);
  if (found.kind === 'valid') return found;
  if (found.kind === 'expired') {
    await retractIfExpired(ctx.core, profile.id).catch(() => undefined);
    throw new TorusError(
      'not-configured',
      `The token for "${profile.name}" expired at ${formatInstant(found.meta.expiresAt)}. Run "torus-token refresh", or use --refresh-if-stale.`,
    );
  }
  throw new TorusError('not-configured', `No access token for "${profile.name}" yet. Run "torus-token refresh".`);
}

export interface GetOptions {
  profile?: string;
  refreshIfStale?: boolean;
  json?: boolean;
}

export async function get(ctx: CliContext, options: GetOptions): Promise<void> {
  const profile = profileFor(ctx, options.profile);
  const { token, meta } = await tokenFor(ctx, profile, options.refreshIfStale === true);
  ctx.io.stdout.write(options.json ? tokenJson(token, meta.expiresAt, profile.id) : `${token}\n`);
}

export async function exec(ctx: CliContext, options: { profile?: string }, command: string[]): Promise<number> {
  if (command.length === 0) throw new TorusError('invalid-input', 'Nothing to run. Usage: torus-token exec -- COMMAND [ARGS...]');
  const profile = profileFor(ctx, options.profile);
  const { token } = await tokenFor(ctx, profile, true);
  return runWithToken(command, ctx.io.env, token);
}

export interface WaitOptions {
  profile?: string;
  /** Seconds; absent: as long as it takes. */
  timeout?: string;
}

/** While waiting, these mean "not yet" (no profile, no token, the keychain still locked after boot). */
const NOT_YET = new Set(['not-configured', 'keychain-unavailable', 'filesystem']);
const WAIT_POLL_MS = 1_000;

/**
 * `wait`: for a bot that starts before the trader signs in. Prints nothing until a usable token
 * exists (the app, a `refresh` or another bot got one), then prints it. It never calls Torus
 * itself. Exit 3 when --timeout passes first.
 */
export async function wait(ctx: CliContext, options: WaitOptions): Promise<void> {
  const limitMs = waitLimitMs(options.timeout);
  const deadline = ctx.core.now() + limitMs;
  for (;;) {
    let notYet: string;
    try {
      const settings = ctx.core.settings.read();
      const profile = resolveProfile(settings, options.profile);
      const found = await lookupToken(ctx.core, profile.id, settings);
      if (found.kind === 'valid') {
        ctx.io.stdout.write(`${found.token}\n`);
        return;
      }
      const state =
        found.kind === 'expired'
          ? `the token for "${profile.name}" expired at ${formatInstant(found.meta.expiresAt)}`
          : `there is no access token for "${profile.name}" yet`;
      notYet = `${state}. Sign in to Torus (app: Sign in; CLI: "torus-token request-token"), or run "torus-token refresh"`;
    } catch (error) {
      const e = toTorusError(error);
      if (!NOT_YET.has(e.kind)) throw e;
      notYet = e.message.replace(/\.$/, '');
    }
    const left = deadline - ctx.core.now();
    if (left <= 0) {
      throw new TorusError('not-configured', `No usable token after waiting ${options.timeout} s: ${notYet}.`);
    }
    // A refresh by the app or the CLI writes the settings folder: look again at once then.
    await waitForChange(ctx.core.settings.dir, Math.min(WAIT_POLL_MS, left));
  }
}

function waitLimitMs(value: string | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new TorusError('invalid-input', `wait --timeout must be a number of seconds, 0 or more (got "${value.slice(0, 20)}").`);
  }
  return seconds * 1000;
}

export async function status(ctx: CliContext, options: { profile?: string; json?: boolean }): Promise<void> {
  const settings = ctx.core.settings.read();
  const profile = profileFor(ctx, options.profile, settings);
  const state = profileState(ctx.core, profile.id, settings);
  const vault = ctx.core.vault;
  const credentials = {
    apiKey: await vault.has(profile.id, 'apiKey'),
    apiSecret: await vault.has(profile.id, 'apiSecret'),
    requestToken: await vault.has(profile.id, 'requestToken'),
    totpSecret: await vault.has(profile.id, 'totpSecret'),
  };
  const lastError = state.lastError && {
    kind: state.lastError.kind,
    message: state.lastError.message,
    at: state.lastError.at,
    needsSignIn: state.lastError.needsSignIn,
  };
  if (options.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({
        profile: {
          id: profile.id,
          name: profile.name,
          mode: profile.mode,
          baseUrl: profile.baseUrl,
          totpBaseUrl: profile.totpBaseUrl,
          readyBy: profile.readyBy,
        },
        status: state.status,
        token: state.token && {
          issuedAt: state.token.issuedAt,
          expiresAt: state.token.expiresAt,
          expirySource: state.token.expirySource,
          source: state.token.source,
          fingerprint: state.token.fingerprint,
        },
        lastError,
        refused: state.refusal !== null,
        exportProblem: state.exportIssue?.message ?? null,
        nextRefreshAt: state.nextRefreshAt,
        credentials,
      })}\n`,
    );
    return;
  }
  const now = Date.now();
  const lines = [
    `Profile:  ${profile.name} (${profile.id})${profile.id === settings.activeProfileId ? ' [active]' : ''}`,
    `Mode:     ${profile.mode}`,
    `Base URL: ${profile.mode === 'totp' ? profile.totpBaseUrl : profile.baseUrl}`,
    `Status:   ${state.status}`,
  ];
  if (state.token) {
    lines.push(`Issued:   ${formatInstant(state.token.issuedAt)} (${relative(state.token.issuedAt, now)})`);
    lines.push(
      `Expires:  ${formatInstant(state.token.expiresAt)} (${relative(state.token.expiresAt, now)}, from ${state.token.expirySource === 'jwt' ? 'the token' : 'the daily cutoff'})`,
    );
    lines.push(`Token:    fingerprint ${state.token.fingerprint}`);
  }
  if (state.lastError) lines.push(`Last error (${formatInstant(state.lastError.at)}): ${state.lastError.message}`);
  if (state.refusal) lines.push('Refused:  Torus refused these credentials; they are not sent again until they change.');
  if (state.exportIssue) lines.push(`Export:   ${state.exportIssue.message}`);
  lines.push(`Ready by: ${profile.readyBy} (${settings.refresh.cutoffZone})`);
  if (state.nextRefreshAt !== null)
    lines.push(`Next:     automatic refresh ${formatInstant(state.nextRefreshAt)} (${relative(state.nextRefreshAt, now)}, while the app runs)`);
  const saved = (Object.entries(credentials) as Array<[string, boolean]>).filter(([, has]) => has).map(([name]) => name);
  lines.push(`Keychain: ${saved.length > 0 ? saved.join(', ') : 'nothing saved'}`);
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
}

export async function verify(ctx: CliContext, options: { profile?: string }): Promise<number> {
  const profile = profileFor(ctx, options.profile);
  const result = await verifyToken(ctx.core, profile.id, ctx.overrides);
  if (result.status === 'valid') {
    ctx.info(`Torus accepts the token for "${profile.name}".`);
    return 0;
  }
  if (result.status === 'rejected') throw new TorusError('rejected', result.message);
  throw new TorusError('network', `Could not check the token: ${result.message}`);
}

export async function profiles(ctx: CliContext, options: { json?: boolean; use?: string }): Promise<void> {
  if (options.use !== undefined) {
    const target = profileFor(ctx, options.use);
    await switchProfile(ctx.core, target.id);
    ctx.info(`Active profile is now "${target.name}".`);
  }
  const settings = ctx.core.settings.read();
  const statusOf = (id: string) => profileState(ctx.core, id, settings).status;
  if (options.json) {
    ctx.io.stdout.write(
      `${JSON.stringify(settings.profiles.map((p) => ({ id: p.id, name: p.name, mode: p.mode, active: p.id === settings.activeProfileId, status: statusOf(p.id) })))}\n`,
    );
    return;
  }
  if (settings.profiles.length === 0) {
    ctx.info('No profiles yet. Run "torus-token login" to add one.');
    return;
  }
  for (const p of settings.profiles) {
    ctx.io.stdout.write(`${p.id === settings.activeProfileId ? '*' : ' '} ${p.id}\t${p.name}\t${p.mode}\t${statusOf(p.id)}\n`);
  }
}

export async function logout(ctx: CliContext, options: { profile?: string; removeProfile?: boolean }): Promise<void> {
  const profile = profileFor(ctx, options.profile);
  const { exportErrors, warnings } = await forgetProfile(ctx.core, profile.id, { remove: options.removeProfile === true });
  ctx.info(`Removed the credentials and token of "${profile.name}" from the keychain${options.removeProfile ? ' and deleted the profile' : ''}.`);
  for (const error of exportErrors) ctx.info(`torus-token: warning: ${error.message}`);
  for (const warning of warnings) ctx.info(`torus-token: warning: ${warning}`);
}

export async function loginUrl(ctx: CliContext, options: { profile?: string }): Promise<void> {
  const profile = profileFor(ctx, options.profile);
  ctx.io.stdout.write(`${await profileLoginUrl(ctx.core, profile.id, ctx.overrides.baseUrl)}\n`);
}
