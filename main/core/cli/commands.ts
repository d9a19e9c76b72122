import { spawn } from 'node:child_process';
import { TorusError } from '../errors.js';
import { addProfile, findProfile, removeProfile, resolveProfile, uniqueProfileId } from '../profiles.js';
import { parseRequestTokenInput } from '../request-token.js';
import { normalizeBaseUrl } from '../base-url.js';
import { normalizeTotpSecret } from '../totp.js';
import { SessionClient } from '../session-client.js';
import type { Profile, ProfileMode } from '../settings-schema.js';
import type { CliContext } from './context.js';
import { promptHidden, readAllStdin } from './io.js';
import { formatInstant, relative } from './format.js';
import { checkCredential } from '../credential-input.js';

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

export async function login(ctx: CliContext, options: LoginOptions): Promise<void> {
  const existing = options.profile === undefined ? safeResolve(ctx) : findProfile(ctx.settings.get(), options.profile);
  const mode: ProfileMode = options.mode ?? existing?.mode ?? 'request-token';
  const baseUrl = options.baseUrl === undefined ? undefined : normalizeBaseUrl(options.baseUrl);
  const totpBaseUrl = options.totpBaseUrl === undefined ? undefined : normalizeBaseUrl(options.totpBaseUrl, 'TOTP base URL');

  const [rawKey, rawSecret, rawLast] = await readCredentials(ctx, mode, options.stdin === true);
  const apiKey = checkCredential(rawKey, 'The API key');
  const apiSecret = checkCredential(rawSecret, 'The API secret');
  const last = mode === 'totp' ? normalizeTotpSecret(rawLast) : parseRequestTokenInput(rawLast);

  // Validate everything, write the keychain (all or nothing), and only then the profile:
  // without a keychain nothing at all is saved.
  const profileId = existing?.id ?? uniqueProfileId(ctx.settings.get(), options.profile ?? 'default');
  const secrets: Parameters<typeof ctx.vault.setMany>[1] = [
    ['apiKey', apiKey],
    ['apiSecret', apiSecret],
    [mode === 'totp' ? 'totpSecret' : 'requestToken', last],
  ];
  await ctx.vault.setMany(profileId, secrets);
  let profile: Profile | undefined;
  ctx.settings.update((draft) => {
    let target = existing ? draft.profiles.find((p) => p.id === existing.id) : undefined;
    if (!target) target = addProfile(draft, { name: options.profile ?? 'default', mode });
    target.mode = mode;
    if (baseUrl) target.baseUrl = baseUrl;
    // One server for everything (the simulator) unless a TOTP server is named.
    if (totpBaseUrl ?? (mode === 'totp' ? baseUrl : undefined)) target.totpBaseUrl = (totpBaseUrl ?? baseUrl)!;
    profile = { ...target };
  });
  if (!profile) throw new TorusError('not-configured', 'The profile could not be saved.');
  if (profile.id !== profileId) {
    // Another login took that id meanwhile (rare): move the secrets to the profile's id.
    await ctx.vault.setMany(profile.id, secrets);
    await ctx.vault.deleteProfile(profileId).catch(() => undefined);
  }
  ctx.info(
    `Saved credentials for profile "${profile.name}" in the system keychain. Next: torus-token refresh${profile.id === ctx.settings.get().activeProfileId ? '' : ` --profile ${profile.id}`}`,
  );
}

function safeResolve(ctx: CliContext): Profile | undefined {
  try {
    return resolveProfile(ctx.settings.get());
  } catch {
    return undefined;
  }
}

export async function setRequestToken(ctx: CliContext, options: { profile?: string }, argument: string | undefined): Promise<void> {
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  let raw: string;
  if (argument !== undefined) {
    ctx.info('torus-token: warning: a request token passed as an argument is saved in your shell history; prefer piping it on standard input.');
    raw = argument;
  } else if (ctx.io.stdin.isTTY) {
    raw = await promptHidden(ctx.io, 'Request token (or the redirect URL): ');
  } else {
    raw = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/).find((line) => line.trim().length > 0) ?? '';
  }
  const token = parseRequestTokenInput(raw);
  await ctx.vault.set(profile.id, 'requestToken', token);
  ctx.info(`Saved a new request token for profile "${profile.name}". Next: torus-token refresh`);
}

export async function refresh(ctx: CliContext, options: { profile?: string; print?: boolean }): Promise<void> {
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  const outcome = await ctx.service.refresh(profile.id, 'cli', ctx.overrides);
  const now = Date.now();
  ctx.info(
    `Refreshed "${profile.name}": issued ${formatInstant(outcome.meta.issuedAt)}, expires ${formatInstant(outcome.meta.expiresAt)} (${relative(outcome.meta.expiresAt, now)}).`,
  );
  for (const error of outcome.exportErrors) ctx.info(`torus-token: warning: ${error.message}`);
  for (const warning of outcome.warnings) ctx.info(`torus-token: warning: ${warning}`);
  if (options.print) ctx.io.stdout.write(`${outcome.token}\n`);
}

async function usableToken(ctx: CliContext, profile: Profile, refreshIfStale: boolean): Promise<string> {
  if (refreshIfStale) return ctx.service.usableToken(profile.id, ctx.overrides);
  const valid = await ctx.service.validStoredToken(profile.id);
  if (valid) return valid;
  const meta = ctx.settings.get().tokens[profile.id];
  if (meta && (await ctx.service.storedToken(profile.id))) {
    throw new TorusError(
      'not-configured',
      `The token for "${profile.name}" expired at ${formatInstant(meta.expiresAt)}. Run "torus-token refresh", or use --refresh-if-stale.`,
    );
  }
  throw new TorusError('not-configured', `No access token for "${profile.name}" yet. Run "torus-token refresh".`);
}

export async function get(ctx: CliContext, options: { profile?: string; refreshIfStale?: boolean }): Promise<void> {
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  const token = await usableToken(ctx, profile, options.refreshIfStale === true);
  ctx.io.stdout.write(`${token}\n`);
}

export async function exec(ctx: CliContext, options: { profile?: string }, command: string[]): Promise<number> {
  if (command.length === 0) throw new TorusError('invalid-input', 'Nothing to run. Usage: torus-token exec -- COMMAND [ARGS...]');
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  const token = await usableToken(ctx, profile, true);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...ctx.io.env, TORUS_ACCESS_TOKEN: token } });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    };
    child.on('error', (error) => {
      cleanup();
      const code = (error as NodeJS.ErrnoException).code;
      reject(new TorusError('invalid-input', code === 'ENOENT' ? `Command not found: ${command[0]}` : `Could not run ${command[0]} (${code ?? 'error'}).`));
    });
    child.on('close', (code, signal) => {
      cleanup();
      resolve(code ?? (signal ? 128 + signalNumber(signal) : 1));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return map[signal] ?? 1;
}

export async function status(ctx: CliContext, options: { profile?: string; json?: boolean }): Promise<void> {
  const settings = ctx.settings.get();
  const profile = resolveProfile(settings, options.profile);
  const state = ctx.service.state(profile.id, settings);
  const credentials = {
    apiKey: await ctx.vault.has(profile.id, 'apiKey'),
    apiSecret: await ctx.vault.has(profile.id, 'apiSecret'),
    requestToken: await ctx.vault.has(profile.id, 'requestToken'),
    totpSecret: await ctx.vault.has(profile.id, 'totpSecret'),
  };
  if (options.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({
        profile: { id: profile.id, name: profile.name, mode: profile.mode, baseUrl: profile.baseUrl, totpBaseUrl: profile.totpBaseUrl },
        status: state.status,
        token: state.token,
        lastError: state.lastError,
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
  if (state.nextRefreshAt !== null)
    lines.push(`Next:     automatic refresh ${formatInstant(state.nextRefreshAt)} (${relative(state.nextRefreshAt, now)}, while the app runs)`);
  const saved = (Object.entries(credentials) as Array<[string, boolean]>).filter(([, has]) => has).map(([name]) => name);
  lines.push(`Keychain: ${saved.length > 0 ? saved.join(', ') : 'nothing saved'}`);
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
}

export async function verify(ctx: CliContext, options: { profile?: string }): Promise<number> {
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  const token = await ctx.service.storedToken(profile.id);
  if (!token) throw new TorusError('not-configured', `No access token for "${profile.name}" yet. Run "torus-token refresh".`);
  const client = new SessionClient({ log: ctx.log, ...(ctx.overrides.timeoutMs === undefined ? {} : { timeoutMs: ctx.overrides.timeoutMs }) });
  const result = await client.verify(normalizeBaseUrl(ctx.overrides.baseUrl ?? profile.baseUrl), token);
  if (result.status === 'valid') {
    ctx.info(`Torus accepts the token for "${profile.name}".`);
    return 0;
  }
  if (result.status === 'rejected') throw new TorusError('rejected', result.message);
  throw new TorusError('network', `Could not check the token: ${result.message}`);
}

export function profiles(ctx: CliContext, options: { json?: boolean; use?: string }): void {
  if (options.use !== undefined) {
    const target = resolveProfile(ctx.settings.get(), options.use);
    ctx.settings.update((draft) => {
      draft.activeProfileId = target.id;
    });
    ctx.info(`Active profile is now "${target.name}".`);
  }
  const settings = ctx.settings.get();
  if (options.json) {
    ctx.io.stdout.write(
      `${JSON.stringify(settings.profiles.map((p) => ({ id: p.id, name: p.name, mode: p.mode, active: p.id === settings.activeProfileId, status: ctx.service.state(p.id, settings).status })))}\n`,
    );
    return;
  }
  if (settings.profiles.length === 0) {
    ctx.info('No profiles yet. Run "torus-token login" to add one.');
    return;
  }
  for (const p of settings.profiles) {
    ctx.io.stdout.write(`${p.id === settings.activeProfileId ? '*' : ' '} ${p.id}\t${p.name}\t${p.mode}\t${ctx.service.state(p.id, settings).status}\n`);
  }
}

export async function logout(ctx: CliContext, options: { profile?: string; removeProfile?: boolean }): Promise<void> {
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  await ctx.vault.deleteProfile(profile.id);
  ctx.settings.update((draft) => {
    delete draft.tokens[profile.id];
    // A fresh start: old failures would otherwise still show as "failed" with a retry planned.
    delete draft.history[profile.id];
    if (options.removeProfile) removeProfile(draft, profile.id);
  });
  ctx.info(`Removed the credentials and token of "${profile.name}" from the keychain${options.removeProfile ? ' and deleted the profile' : ''}.`);
}

export async function loginUrl(ctx: CliContext, options: { profile?: string }): Promise<void> {
  const profile = resolveProfile(ctx.settings.get(), options.profile);
  const apiKey = await ctx.vault.get(profile.id, 'apiKey');
  if (!apiKey) throw new TorusError('not-configured', `No API key saved for "${profile.name}". Run "torus-token login".`);
  const base = normalizeBaseUrl(ctx.overrides.baseUrl ?? profile.baseUrl);
  ctx.io.stdout.write(`${base}/connect/login/${encodeURIComponent(apiKey)}\n`);
}
