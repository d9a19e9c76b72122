import { mostUrgent } from '../core/domain/token-status.js';
import { lastFour, maskToken } from '../core/domain/redact.js';
import { lookupToken, profileState } from '../core/use-cases/tokens.js';
import type { Core } from '../core/use-cases/core.js';
import type { Profile, Settings, TokenMeta } from '../core/domain/settings-schema.js';
import type { AppState, AttemptView, CredentialPresence, ProfileView, TokenView } from '../../preload/contract.js';

/**
 * Turns the core's state into what the popover and the tray show (the contract's view types).
 * It never puts a secret into a view: credentials become "saved (…a1b2)", the token its mask.
 * Keychain reads are cached per profile until that profile changes.
 */
export class AppView {
  private readonly tokens = new Map<string, { meta: TokenMeta; masked: string } | null>();
  private readonly presence = new Map<string, CredentialPresence>();
  /**
   * Bumped by every `forget`: a keychain read that started before it must not put its (now
   * stale) answer into the cache when it finishes after it.
   */
  private readonly generation = new Map<string, number>();
  private epoch = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: Core,
    private readonly platform: AppState['platform'],
    /** Warnings from the app itself (a shortcut that could not be registered…). */
    private readonly appWarnings: () => readonly string[] = () => [],
  ) {
    this.unsubscribe = core.onChange((profileId) => this.forget(profileId));
  }

  /** Drops cached keychain facts (credentials or token changed). */
  forget(profileId: string | null): void {
    if (profileId === null) this.epoch++;
    else this.generation.set(profileId, (this.generation.get(profileId) ?? 0) + 1);
    if (profileId === null) {
      this.tokens.clear();
      this.presence.clear();
    } else {
      this.tokens.delete(profileId);
      this.presence.delete(profileId);
    }
  }

  async state(): Promise<AppState> {
    const settings = this.core.settings.read();
    const profiles = await Promise.all(settings.profiles.map((p) => this.profileView(p, settings)));
    const active = settings.profiles.find((p) => p.id === settings.activeProfileId) ?? settings.profiles[0];
    return {
      activeProfileId: active?.id ?? null,
      profiles,
      status: mostUrgent(profiles.map((p) => p.status)),
      warnings: this.warnings(),
      platform: this.platform,
    };
  }

  history(profileId: string): AttemptView[] {
    return [...(this.core.settings.read().history[profileId] ?? [])].reverse().map((a) => ({
      at: a.at,
      reason: a.reason,
      outcome: a.outcome,
      ok: a.outcome === 'success',
      message: a.message,
      latencyMs: a.latencyMs,
    }));
  }

  dispose(): void {
    this.unsubscribe();
  }

  private warnings(): string[] {
    const all = [...this.core.settings.warnings.map((w) => w.message)];
    for (const problem of [this.core.settings.readProblem, this.core.settings.writeProblem])
      if (problem && !all.includes(problem.message)) all.push(problem.message);
    for (const warning of this.appWarnings()) if (!all.includes(warning)) all.push(warning);
    return all;
  }

  private async profileView(profile: Profile, settings: Settings): Promise<ProfileView> {
    const token = await this.token(profile.id, settings);
    const state = profileState(this.core, profile.id, settings, token?.meta ?? null);
    const tokenView: TokenView | null =
      token && state.token
        ? {
            masked: token.masked,
            fingerprint: state.token.fingerprint,
            issuedAt: state.token.issuedAt,
            expiresAt: state.token.expiresAt,
            expirySource: state.token.expirySource,
            source: state.token.source,
          }
        : null;
    return {
      id: profile.id,
      name: profile.name,
      mode: profile.mode,
      baseUrl: profile.baseUrl,
      totpBaseUrl: profile.totpBaseUrl,
      exportFilePath: profile.export.filePath,
      exportHookCommand: profile.export.hookCommand,
      readyBy: profile.readyBy,
      signInAtReadyBy: profile.signInAtReadyBy,
      redirectOrigin: profile.redirectOrigin,
      credentials: await this.credentials(profile.id),
      status: state.status,
      token: tokenView,
      lastError: state.lastError && {
        kind: state.lastError.kind,
        message: state.lastError.message,
        needsSignIn: state.lastError.needsSignIn,
        at: state.lastError.at,
      },
      refused: state.refusal !== null,
      exportProblem: state.exportIssue?.message ?? null,
      nextRefreshAt: state.nextRefreshAt,
    };
  }

  /**
   * The token as the keychain has it: usually what the settings say, but after a refresh on a
   * full disk the keychain holds a newer token than the settings could record.
   */
  private async token(profileId: string, settings: Settings): Promise<{ meta: TokenMeta; masked: string } | null> {
    const cached = this.tokens.get(profileId);
    const recorded = settings.tokens[profileId];
    if (cached !== undefined && (cached === null ? recorded === undefined : cached.meta.fingerprint === recorded?.fingerprint)) {
      // The settings may carry newer details for the same token (a changed cutoff, a retraction).
      return cached && recorded ? { meta: recorded, masked: cached.masked } : cached;
    }
    const stamp = this.stamp(profileId);
    let found: { meta: TokenMeta; masked: string } | null = null;
    try {
      const lookup = await lookupToken(this.core, profileId, settings);
      if (lookup.kind !== 'missing') found = { meta: lookup.meta, masked: maskToken(lookup.token) };
    } catch {
      // Keychain locked: show what the settings know, masked completely.
      found = recorded ? { meta: recorded, masked: '••••••••' } : null;
      return found;
    }
    if (stamp === this.stamp(profileId)) this.tokens.set(profileId, found);
    return found;
  }

  private stamp(profileId: string): string {
    return `${this.epoch}:${this.generation.get(profileId) ?? 0}`;
  }

  private async credentials(profileId: string): Promise<CredentialPresence> {
    const cached = this.presence.get(profileId);
    if (cached) return cached;
    const vault = this.core.vault;
    const stamp = this.stamp(profileId);
    const none: CredentialPresence = {
      apiKey: { saved: false, lastFour: '' },
      apiSecret: { saved: false },
      requestToken: { saved: false },
      totpSecret: { saved: false },
    };
    let presence = none;
    try {
      const apiKey = await vault.get(profileId, 'apiKey');
      presence = {
        apiKey: { saved: apiKey !== null, lastFour: apiKey ? lastFour(apiKey) : '' },
        // Never any part of the API secret: only whether it is saved.
        apiSecret: { saved: await vault.has(profileId, 'apiSecret') },
        requestToken: { saved: await vault.has(profileId, 'requestToken') },
        totpSecret: { saved: await vault.has(profileId, 'totpSecret') },
      };
    } catch {
      return none; // not cached: the keychain may come back
    }
    if (stamp === this.stamp(profileId)) this.presence.set(profileId, presence);
    return presence;
  }
}
