import type { AppState, AttemptView, ProfileView, Result, SettingsPatch, SettingsView, TorusApi, UiError } from '../../../preload/contract.js';

/**
 * The popover's state, as Svelte 5 runes. Everything comes from `window.torus` (the preload's
 * narrow API): the state is pushed by main and applied here; actions return a `Result` that
 * the calling component shows next to the control that caused it.
 */
export type View = 'token' | 'activity' | 'settings';

export const REVEAL_SECONDS = 30;
const TICK_MS = 30_000;

const missingBridge: UiError = {
  kind: 'forbidden',
  message: 'Torus Token could not connect to its main process. Quit and open the app again.',
  needsSignIn: false,
};

function api(): TorusApi | null {
  return typeof window !== 'undefined' && window.torus ? window.torus : null;
}

async function call<T>(fn: (api: TorusApi) => Promise<Result<T>>): Promise<Result<T>> {
  const torus = api();
  if (!torus) return { ok: false, error: missingBridge };
  try {
    return await fn(torus);
  } catch {
    return { ok: false, error: { kind: 'forbidden', message: 'The request did not reach Torus Token. Try again.', needsSignIn: false } };
  }
}

class TorusStore {
  app = $state<AppState | null>(null);
  settings = $state<SettingsView | null>(null);
  history = $state<AttemptView[] | null>(null);
  historyError = $state<string | null>(null);
  bootError = $state<string | null>(null);
  /** The clock the relative times use; ticks every 30 s only while the popover is visible. */
  now = $state(Date.now());
  view = $state<View>('token');
  dismissedWarnings = $state<string[]>([]);

  refreshing = $state(false);
  signingIn = $state(false);
  revealed = $state<{ token: string; profileId: string; fingerprint: string } | null>(null);
  copied = $state<{ clearsInSeconds: number | null } | null>(null);

  /** Guided setup: `adding` is a second profile started from Settings. */
  setup = $state({ active: false, adding: false, dismissed: false });

  activeProfile: ProfileView | null = $derived(this.app?.profiles.find((p) => p.id === this.app?.activeProfileId) ?? null);
  warnings: string[] = $derived((this.app?.warnings ?? []).filter((w) => !this.dismissedWarnings.includes(w)));
  busy: boolean = $derived(this.refreshing || this.signingIn || this.activeProfile?.status === 'refreshing');

  private revealTimer: ReturnType<typeof setTimeout> | undefined;
  private copiedTimer: ReturnType<typeof setTimeout> | undefined;
  private pushed = 0;
  private shownListeners = new Set<() => void>();

  start(): () => void {
    const torus = api();
    if (!torus) {
      this.bootError = missingBridge.message;
      return () => undefined;
    }
    const offState = torus.onState((state) => {
      this.pushed++;
      this.apply(state);
    });
    const offShown = torus.onPopoverShown(() => {
      this.now = Date.now();
      for (const listener of this.shownListeners) listener();
    });
    const before = this.pushed;
    void call((t) => t.getState()).then((result) => {
      if (!result.ok) {
        this.bootError = result.error.message;
        return;
      }
      // A state pushed meanwhile is newer than this answer.
      if (this.pushed === before || this.app === null) this.apply(result.value);
    });
    void this.loadSettings();
    // The countdown ticks only while the popover is on screen: a hidden popover costs nothing.
    let tick: ReturnType<typeof setInterval> | undefined;
    const onVisible = (): void => {
      clearInterval(tick);
      tick = undefined;
      if (document.visibilityState === 'visible') {
        this.now = Date.now();
        tick = setInterval(() => (this.now = Date.now()), TICK_MS);
      } else {
        // A revealed token does not stay on screen behind a hidden popover.
        this.hideToken();
      }
    };
    onVisible();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      offState();
      offShown();
      clearInterval(tick);
      document.removeEventListener('visibilitychange', onVisible);
      this.hideToken();
    };
  }

  onShown(listener: () => void): () => void {
    this.shownListeners.add(listener);
    return () => this.shownListeners.delete(listener);
  }

  apply(state: AppState): void {
    this.app = state;
    const revealed = this.revealed;
    const active = state.profiles.find((p) => p.id === state.activeProfileId);
    if (revealed && (revealed.profileId !== state.activeProfileId || revealed.fingerprint !== active?.token?.fingerprint)) this.hideToken();
    if (this.view === 'activity') void this.loadHistory();
  }

  private applyResult(result: Result<AppState>): void {
    if (result.ok) this.apply(result.value);
  }

  setView(view: View): void {
    this.view = view;
    if (view === 'activity') void this.loadHistory();
    if (view === 'settings') void this.loadSettings();
  }

  dismissWarning(message: string): void {
    this.dismissedWarnings = [...this.dismissedWarnings, message];
  }

  async loadSettings(): Promise<void> {
    const result = await call((t) => t.getSettings());
    if (result.ok) this.settings = result.value;
  }

  async loadHistory(): Promise<void> {
    const result = await call((t) => t.getHistory());
    if (result.ok) {
      this.history = result.value;
      this.historyError = null;
    } else {
      this.historyError = result.error.message;
    }
  }

  async refresh(): Promise<Result<AppState>> {
    this.refreshing = true;
    try {
      return await this.change((t) => t.refresh());
    } finally {
      this.refreshing = false;
    }
  }

  async reveal(): Promise<Result<{ token: string }>> {
    const profileId = this.app?.activeProfileId;
    const fingerprint = this.activeProfile?.token?.fingerprint;
    const result = await call((t) => t.revealToken());
    if (result.ok && profileId && fingerprint) {
      this.revealed = { token: result.value.token, profileId, fingerprint };
      clearTimeout(this.revealTimer);
      this.revealTimer = setTimeout(() => this.hideToken(), REVEAL_SECONDS * 1000);
    }
    return result;
  }

  hideToken(): void {
    clearTimeout(this.revealTimer);
    this.revealTimer = undefined;
    this.revealed = null;
  }

  async copy(): Promise<Result<{ clearsInSeconds: number | null }>> {
    const result = await call((t) => t.copyToken());
    clearTimeout(this.copiedTimer);
    if (result.ok) {
      this.copied = { clearsInSeconds: result.value.clearsInSeconds };
      const showFor = (result.value.clearsInSeconds ?? 4) * 1000;
      this.copiedTimer = setTimeout(() => (this.copied = null), showFor);
    } else {
      this.copied = null;
    }
    return result;
  }

  /** Opens the Torus sign-in window; a plain-words message when nothing was captured. */
  async signIn(): Promise<Result<string | null>> {
    this.signingIn = true;
    try {
      const result = await call((t) => t.signIn());
      if (!result.ok) return result;
      const outcome = result.value.outcome;
      if (outcome === 'closed')
        return { ok: true, value: 'The sign-in window was closed before Torus sent a request token. Nothing changed; sign in again when you are ready.' };
      if (outcome === 'timeout') return { ok: true, value: 'Sign-in took too long and was stopped. Nothing changed; try again.' };
      return { ok: true, value: null };
    } finally {
      this.signingIn = false;
    }
  }

  async setRequestToken(input: string): Promise<Result<AppState>> {
    this.signingIn = true;
    try {
      return await this.change((t) => t.setRequestToken(input));
    } finally {
      this.signingIn = false;
    }
  }

  /** Any call that answers with the new state (save, add, update, remove, switch): applied at once. */
  async change(fn: (api: TorusApi) => Promise<Result<AppState>>): Promise<Result<AppState>> {
    const result = await call(fn);
    this.applyResult(result);
    return result;
  }

  async switchProfile(profileId: string): Promise<Result<AppState>> {
    const result = await this.change((t) => t.switchProfile(profileId));
    if (result.ok) {
      this.history = null;
      if (this.view === 'activity') void this.loadHistory();
    }
    return result;
  }

  async updateSettings(patch: SettingsPatch): Promise<Result<SettingsView>> {
    const result = await call((t) => t.updateSettings(patch));
    if (result.ok) this.settings = result.value;
    else void this.loadSettings(); // show the real values again
    return result;
  }

  startAddingProfile(): void {
    this.setup = { active: true, adding: true, dismissed: false };
  }

  finishSetup(dismissed: boolean): void {
    this.setup = { active: false, adding: false, dismissed };
    this.view = 'token';
  }

  hidePopover(): void {
    void call((t) => t.hidePopover());
  }

  quit(): void {
    void call((t) => t.quit());
  }
}

export const store = new TorusStore();
