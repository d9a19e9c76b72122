import { TorusError, toTorusError } from './errors.js';
import { lastFour, maskToken } from './redact.js';
import { parseRequestTokenInput } from './request-token.js';
import { isTrustedTorusUrl, normalizeBaseUrl } from './base-url.js';
import { checkCredential } from './credential-input.js';
import { normalizeTotpSecret } from './totp.js';
import { addProfile, checkProfileName, removeProfile, resolveProfile } from './profiles.js';
import { realTimers, type TimerApi } from './schedule.js';
import { expandHome } from './token-export.js';
import { isAbsolute } from 'node:path';
import type { TokenService } from './token-service.js';
import type { Profile, Settings } from './settings-schema.js';
import type {
  AppState,
  AttemptView,
  CredentialPresence,
  CredentialsInput,
  LoginItemView,
  NewProfile,
  ProfilePatch,
  ProfileTarget,
  ProfileView,
  SettingsPatch,
  SettingsView,
  SignInOutcome,
  UiError,
} from '../../preload/contract.js';

/**
 * Everything the popover can ask for, in plain TypeScript: no Electron here. The Electron
 * glue supplies the few things only Electron can do (clipboard, windows, login items) as
 * ports; the browser tests supply test doubles for exactly those ports and nothing else.
 */
export interface AppPorts {
  clipboard: { writeText(text: string): void; readText(): string };
  /** Opens the Torus sign-in page and resolves with the captured request token, if any. */
  signIn(loginUrl: string): Promise<{ requestToken: string } | { outcome: 'closed' | 'timeout' }>;
  loginItem: { get(): LoginItemView; set(enabled: boolean): LoginItemView };
  /** Registers the copy shortcut; returns a user-facing problem or null. */
  applyShortcut(accelerator: string | null): string | null;
  hidePopover(): void;
  quit(): void;
  /**
   * Asks the user, outside the popover (a native dialog), to approve a change that a
   * compromised popover could abuse: sending credentials to another server, writing the
   * token to a file, running a command. Resolves true only on an explicit "Allow".
   */
  confirm(request: { message: string; detail: string }): Promise<boolean>;
  platform: AppState['platform'];
}

/** A token file path: absolute or under ~ (a relative one would land wherever the app was started). */
function exportFilePath(raw: string | null): string | null {
  const path = raw?.trim() ?? '';
  if (path === '') return null;
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new TorusError('invalid-input', 'The token file path contains control characters.');
  if (!isAbsolute(expandHome(path))) throw new TorusError('invalid-input', 'The token file path must be a full path (for example ~/torus/token.txt).');
  return path;
}

export function toUiError(error: unknown): UiError {
  const e = toTorusError(error);
  return { kind: e.kind, message: e.message, needsSignIn: e.needsSignIn };
}

export class AppController {
  private readonly listeners = new Set<(state: AppState) => void>();
  private readonly presence = new Map<string, CredentialPresence>();
  private clearTimer: unknown = undefined;
  private readonly extraWarnings: string[] = [];
  private publishSequence = 0;

  constructor(
    private readonly service: TokenService,
    private readonly ports: AppPorts,
    private readonly timers: TimerApi = realTimers,
  ) {
    service.onState(() => void this.publish());
    for (const warning of service.settings.warnings) this.extraWarnings.push(warning.message);
  }

  private get settings(): Settings {
    return this.service.settings.get();
  }

  onState(listener: (state: AppState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addWarning(message: string): void {
    if (!this.extraWarnings.includes(message)) this.extraWarnings.push(message);
    void this.publish();
  }

  /**
   * Computes and delivers the current state. Publishes overlap (computing a state reads the
   * keychain), so an older one can finish after a newer one; only the newest is delivered,
   * or a late "refreshing" could overwrite "fresh" and stay on screen.
   */
  async publish(): Promise<AppState> {
    const sequence = ++this.publishSequence;
    const state = await this.getState();
    if (sequence === this.publishSequence) for (const listener of this.listeners) listener(state);
    return state;
  }

  private profileFor(target: ProfileTarget = {}): Profile {
    return resolveProfile(this.settings, target.profileId);
  }

  private async credentialPresence(profileId: string): Promise<CredentialPresence> {
    const cached = this.presence.get(profileId);
    if (cached) return cached;
    const vault = this.service.vault;
    const apiKey = await vault.get(profileId, 'apiKey');
    const apiSecret = await vault.get(profileId, 'apiSecret');
    const presence: CredentialPresence = {
      apiKey: { saved: apiKey !== null, lastFour: apiKey ? lastFour(apiKey) : '' },
      apiSecret: { saved: apiSecret !== null, lastFour: apiSecret ? lastFour(apiSecret) : '' },
      requestToken: { saved: await vault.has(profileId, 'requestToken') },
      totpSecret: { saved: await vault.has(profileId, 'totpSecret') },
    };
    this.presence.set(profileId, presence);
    return presence;
  }

  async getState(): Promise<AppState> {
    const settings = this.settings;
    const profiles: ProfileView[] = [];
    for (const p of settings.profiles) {
      profiles.push({
        id: p.id,
        name: p.name,
        mode: p.mode,
        baseUrl: p.baseUrl,
        totpBaseUrl: p.totpBaseUrl,
        exportFilePath: p.export.filePath,
        exportHookCommand: p.export.hookCommand,
        status: this.service.state(p.id, settings).status,
        credentials: await this.credentialPresence(p.id),
      });
    }
    const active = settings.profiles.find((p) => p.id === settings.activeProfileId) ?? settings.profiles[0];
    const base: AppState = {
      activeProfileId: active?.id ?? null,
      profiles,
      status: 'none',
      token: null,
      lastError: null,
      nextRefreshAt: null,
      warnings: [...this.extraWarnings],
      platform: this.ports.platform,
    };
    if (!active) return base;
    const state = this.service.state(active.id, settings);
    let masked = '';
    if (state.token) {
      const stored = await this.service.storedToken(active.id).catch(() => null);
      masked = stored ? maskToken(stored) : '••••••••';
    }
    return {
      ...base,
      status: state.status,
      token: state.token ? { ...state.token, masked } : null,
      lastError: state.lastError
        ? { kind: state.lastError.kind, message: state.lastError.message, needsSignIn: state.lastError.needsSignIn, at: state.lastError.at }
        : null,
      nextRefreshAt: state.nextRefreshAt,
    };
  }

  async refresh(target: ProfileTarget = {}, reason: 'manual' | 'login' | 'sign-in' = 'manual'): Promise<AppState> {
    const profile = this.profileFor(target);
    await this.service.refresh(profile.id, reason);
    return this.getState();
  }

  /** A token good to hand out: the stored one while it is valid, else a fresh one. */
  private async usableToken(target: ProfileTarget): Promise<string> {
    return this.service.usableToken(this.profileFor(target).id);
  }

  async copyToken(target: ProfileTarget = {}): Promise<{ clearsInSeconds: number | null }> {
    const token = await this.usableToken(target);
    this.ports.clipboard.writeText(token);
    if (this.clearTimer !== undefined) this.timers.clearTimeout(this.clearTimer);
    this.clearTimer = undefined;
    const seconds = this.settings.clipboard.autoClearSeconds;
    if (seconds <= 0) return { clearsInSeconds: null };
    this.clearTimer = this.timers.setTimeout(() => {
      this.clearTimer = undefined;
      // Only clear what we put there: the user may have copied something else since.
      if (this.ports.clipboard.readText() === token) this.ports.clipboard.writeText('');
    }, seconds * 1000);
    return { clearsInSeconds: seconds };
  }

  async revealToken(target: ProfileTarget = {}): Promise<{ token: string }> {
    const profile = this.profileFor(target);
    const token = await this.service.storedToken(profile.id);
    if (!token) throw new TorusError('not-configured', 'There is no token yet. Press Refresh to get one.');
    return { token };
  }

  async loginUrl(target: ProfileTarget = {}): Promise<string> {
    const profile = this.profileFor(target);
    const apiKey = await this.service.vault.get(profile.id, 'apiKey');
    if (!apiKey) throw new TorusError('not-configured', 'Save your API key in Settings first; the sign-in page needs it.');
    return `${normalizeBaseUrl(profile.baseUrl)}/connect/login/${encodeURIComponent(apiKey)}`;
  }

  async signIn(target: ProfileTarget = {}): Promise<{ outcome: SignInOutcome }> {
    const profile = this.profileFor(target);
    const result = await this.ports.signIn(await this.loginUrl({ profileId: profile.id }));
    if ('outcome' in result) return { outcome: result.outcome };
    const token = parseRequestTokenInput(result.requestToken);
    // The sign-in window can stay open for minutes: the profile may have been removed meanwhile.
    if (!this.settings.profiles.some((p) => p.id === profile.id)) {
      throw new TorusError('not-configured', `Profile "${profile.name}" was removed during sign-in; the request token was discarded.`);
    }
    await this.service.vault.set(profile.id, 'requestToken', token);
    this.presence.delete(profile.id);
    await this.service.refresh(profile.id, 'sign-in');
    return { outcome: 'refreshed' };
  }

  async setRequestToken(input: string, target: ProfileTarget = {}): Promise<AppState> {
    const profile = this.profileFor(target);
    const token = parseRequestTokenInput(input);
    await this.service.vault.set(profile.id, 'requestToken', token);
    this.presence.delete(profile.id);
    await this.service.refresh(profile.id, 'sign-in');
    return this.getState();
  }

  async saveCredentials(input: CredentialsInput): Promise<AppState> {
    const profile = this.profileFor({ profileId: input.profileId });
    // Validate all before writing any, so a bad field changes nothing.
    const writes: Array<['apiKey' | 'apiSecret' | 'totpSecret', string]> = [];
    if (input.apiKey !== undefined) writes.push(['apiKey', checkCredential(input.apiKey, 'The API key')]);
    if (input.apiSecret !== undefined) writes.push(['apiSecret', checkCredential(input.apiSecret, 'The API secret')]);
    if (input.totpSecret !== undefined) writes.push(['totpSecret', normalizeTotpSecret(input.totpSecret)]);
    if (writes.length === 0) throw new TorusError('invalid-input', 'Nothing to save.');
    try {
      // All or nothing: a keychain failure part-way restores the values written so far.
      await this.service.vault.setMany(profile.id, writes);
    } finally {
      this.presence.delete(profile.id);
    }
    return this.publish();
  }

  getSettings(): SettingsView {
    const s = this.settings;
    return {
      refreshAtLogin: s.refresh.atLogin,
      dailyRefreshTime: s.refresh.dailyRefreshTime,
      cutoffTime: s.refresh.cutoffTime,
      cutoffZone: s.refresh.cutoffZone,
      timeoutSeconds: s.refresh.timeoutSeconds,
      clipboardAutoClearSeconds: s.clipboard.autoClearSeconds,
      copyShortcut: s.app.copyShortcut,
      startAtLogin: this.ports.loginItem.get(),
    };
  }

  updateSettings(patch: SettingsPatch): SettingsView {
    if (patch.copyShortcut !== undefined) {
      const problem = this.ports.applyShortcut(patch.copyShortcut);
      if (problem) throw new TorusError('invalid-input', problem);
    }
    if (patch.startAtLogin !== undefined) {
      const view = this.ports.loginItem.set(patch.startAtLogin);
      if (patch.startAtLogin && !view.enabled && view.note) throw new TorusError('invalid-input', view.note);
    }
    this.updateSettingsFile((draft) => {
      if (patch.refreshAtLogin !== undefined) draft.refresh.atLogin = patch.refreshAtLogin;
      if (patch.dailyRefreshTime !== undefined) draft.refresh.dailyRefreshTime = patch.dailyRefreshTime;
      if (patch.cutoffTime !== undefined) draft.refresh.cutoffTime = patch.cutoffTime;
      if (patch.cutoffZone !== undefined) draft.refresh.cutoffZone = patch.cutoffZone;
      if (patch.timeoutSeconds !== undefined) draft.refresh.timeoutSeconds = patch.timeoutSeconds;
      if (patch.clipboardAutoClearSeconds !== undefined) draft.clipboard.autoClearSeconds = patch.clipboardAutoClearSeconds;
      if (patch.copyShortcut !== undefined) draft.app.copyShortcut = patch.copyShortcut;
      if (patch.startAtLogin !== undefined) draft.app.startAtLogin = patch.startAtLogin;
    });
    void this.publish();
    return this.getSettings();
  }

  /** Settings writes that fail validation become a clear invalid-input error. */
  private updateSettingsFile(mutate: (draft: Settings) => void): void {
    try {
      this.service.settings.update(mutate);
    } catch (error) {
      if (error instanceof TorusError) throw error;
      const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
      const first = issues?.[0];
      throw new TorusError('invalid-input', first ? `${first.path.map(String).join('.')} ${first.message}.` : 'That setting is not valid.');
    }
  }

  /** Collects what in a change needs the user's approval, and asks once for all of it. */
  private async confirmSensitive(
    profileName: string,
    change: {
      baseUrl?: string | undefined;
      totpBaseUrl?: string | undefined;
      exportFilePath?: string | null | undefined;
      exportHookCommand?: string | null | undefined;
    },
    current?: Profile,
  ): Promise<void> {
    const asks: string[] = [];
    for (const [key, label] of [
      ['baseUrl', 'Base URL'],
      ['totpBaseUrl', 'TOTP base URL'],
    ] as const) {
      const raw = change[key];
      if (raw === undefined) continue;
      const url = normalizeBaseUrl(raw, label);
      if (url !== current?.[key] && !isTrustedTorusUrl(url))
        asks.push(`Send your API key${key === 'baseUrl' ? ' and secret' : ''} to ${new URL(url).origin}, which is not a Torus server.`);
    }
    const file = change.exportFilePath === undefined ? undefined : exportFilePath(change.exportFilePath);
    if (file && file !== current?.export.filePath) asks.push(`Write the access token to the file ${file} after each refresh.`);
    const hook = change.exportHookCommand?.trim();
    if (hook && hook !== current?.export.hookCommand) asks.push(`Run this command after each refresh, with the token on its input:\n${hook}`);
    if (asks.length === 0) return;
    const allowed = await this.ports.confirm({ message: `Allow this change to "${profileName}"?`, detail: asks.join('\n\n') });
    if (!allowed) throw new TorusError('invalid-input', 'The change was not confirmed, so nothing was changed.');
  }

  async addProfile(input: NewProfile): Promise<AppState> {
    await this.confirmSensitive(input.name, { baseUrl: input.baseUrl, totpBaseUrl: input.totpBaseUrl });
    this.updateSettingsFile((draft) => {
      const created = addProfile(draft, input);
      draft.activeProfileId = created.id;
    });
    return this.publish();
  }

  async updateProfile(patch: ProfilePatch): Promise<AppState> {
    const profile = this.profileFor({ profileId: patch.profileId });
    await this.confirmSensitive(profile.name, patch, profile);
    this.updateSettingsFile((draft) => {
      const target = draft.profiles.find((p) => p.id === profile.id)!;
      if (patch.name !== undefined) {
        const name = checkProfileName(patch.name);
        if (draft.profiles.some((p) => p.id !== profile.id && p.name.toLowerCase() === name.toLowerCase())) {
          throw new TorusError('invalid-input', `A profile named "${name}" already exists.`);
        }
        target.name = name;
      }
      if (patch.mode !== undefined) target.mode = patch.mode;
      if (patch.baseUrl !== undefined) target.baseUrl = normalizeBaseUrl(patch.baseUrl);
      if (patch.totpBaseUrl !== undefined) target.totpBaseUrl = normalizeBaseUrl(patch.totpBaseUrl, 'TOTP base URL');
      if (patch.exportFilePath !== undefined) target.export.filePath = exportFilePath(patch.exportFilePath);
      if (patch.exportHookCommand !== undefined)
        target.export.hookCommand = patch.exportHookCommand === null || patch.exportHookCommand.trim() === '' ? null : patch.exportHookCommand.trim();
    });
    return this.publish();
  }

  async removeProfile(profileId: string): Promise<AppState> {
    const profile = this.profileFor({ profileId });
    // A refresh that is still running would store its token after the secrets were deleted.
    await this.service.settled(profile.id);
    await this.service.vault.deleteProfile(profile.id);
    this.presence.delete(profile.id);
    this.updateSettingsFile((draft) => removeProfile(draft, profile.id));
    // A refresh that started meanwhile now finds no profile and discards its token; one that
    // got past that check before the profile went is waited for, and its token removed.
    await this.service.settled(profile.id);
    await this.service.vault.delete(profile.id, 'accessToken');
    return this.publish();
  }

  async switchProfile(profileId: string): Promise<AppState> {
    const profile = this.profileFor({ profileId });
    this.updateSettingsFile((draft) => {
      draft.activeProfileId = profile.id;
    });
    return this.publish();
  }

  getHistory(target: ProfileTarget = {}): AttemptView[] {
    const profile = this.profileFor(target);
    return [...(this.settings.history[profile.id] ?? [])].reverse().map((a) => ({
      at: a.at,
      reason: a.reason,
      outcome: a.outcome,
      ok: a.outcome === 'success',
      message: a.message,
      latencyMs: a.latencyMs,
    }));
  }

  hidePopover(): null {
    this.ports.hidePopover();
    return null;
  }

  quit(): null {
    this.ports.quit();
    return null;
  }

  dispose(): void {
    if (this.clearTimer !== undefined) this.timers.clearTimeout(this.clearTimer);
    this.listeners.clear();
  }
}
