import { tick } from 'svelte';
import type { AppState, AttemptView, ProfileView, Result, SettingsPatch, SettingsView, TorusApi } from '../../../preload/contract.js';
import { errorTitle, expiryPhrase, statusInfo } from './format.js';

/**
 * The popover's state, as Svelte 5 runes. Everything comes from `window.torus` (the preload's
 * narrow API): the state is pushed by main and applied here; actions return a `Result` that
 * the calling component shows next to the control that caused it.
 */
export type View = 'token' | 'activity' | 'settings';

export const REVEAL_SECONDS = 30;

const failed = (message: string): Result<never> => ({ ok: false, error: { kind: 'forbidden', message, needsSignIn: false } });
const NO_BRIDGE = 'Torus Token could not connect to its main process. Quit and open the app again.';

/** One call through the bridge; never throws. */
export async function call<T>(fn: (api: TorusApi) => Promise<Result<T>>): Promise<Result<T>> {
  const torus = window.torus;
  if (!torus) return failed(NO_BRIDGE);
  try {
    return await fn(torus);
  } catch {
    return failed('The request did not reach Torus Token. Try again.');
  }
}

/** The message of a failed call, or null. */
export const failure = (result: Result<unknown>): string | null => (result.ok ? null : result.error.message);

const FOCUSABLE = '.panel :is(button, input, select, textarea, summary, [tabindex="0"]):not(:disabled)';

/**
 * Puts focus back on a sensible control when the focused one went away (a step of the setup
 * done, a card that closed): the control an action asked for (`store.nextFocus`), else the one
 * with the given id (one that took the place of the lost one), else the first control of the
 * panel, else the selected tab.
 */
export function rescueFocus(previousId = ''): void {
  const byId = (id: string) => document.getElementById(id);
  const target = byId(store.nextFocus ?? '') ?? byId(previousId) ?? document.querySelector<HTMLElement>(FOCUSABLE) ?? byId(`tab-${store.view}`);
  store.nextFocus = null;
  target?.focus();
}

/** Focuses the element with `id` once the DOM has caught up with the state (if it is not there, as `rescueFocus`). */
export const focusSoon = (id: string): void => void tick().then(() => rescueFocus(id));

/** The view main asks for in the page's address (`#settings`, `#activity`: the tray menu's items), else the token. */
const hashView = (): View => (['activity', 'settings'] as const).find((v) => location.hash === `#${v}`) ?? 'token';

class TorusStore {
  app = $state.raw<AppState | null>(null);
  settings = $state.raw<SettingsView | null>(null);
  history = $state.raw<AttemptView[] | null>(null);
  historyError = $state<string | null>(null);
  bootError = $state<string | null>(null);
  /** The clock the relative times use; ticks only while the popover is visible. */
  now = $state(Date.now());
  view = $state<View>(hashView());
  dismissedWarnings = $state.raw<string[]>([]);

  /** A call the trader waits for: a refresh, or a sign-in (window or pasted request token). */
  working = $state<'refresh' | 'sign-in' | null>(null);
  revealed = $state.raw<{ token: string; profileId: string; fingerprint: string } | null>(null);
  copied = $state<number | null | undefined>(undefined);

  /**
   * The popover's one status region: what the last action came to, for screen readers. `shown`
   * puts it on screen too (the question asked when Esc would drop unsaved text).
   */
  notice = $state.raw({ id: 0, text: '', shown: false });
  /** The control to focus once the focused one goes away (see `rescueFocus`). */
  nextFocus: string | null = null;
  /** Until when state changes are the outcome of a call, which the action announces itself. */
  quietUntil = 0;

  /** Guided setup: `adding` is a second profile started from Settings. */
  setup = $state({ active: false, adding: false, dismissed: false });

  activeProfile: ProfileView | null = $derived(this.app?.profiles.find((p) => p.id === this.app?.activeProfileId) ?? null);
  warnings: string[] = $derived((this.app?.warnings ?? []).filter((w) => !this.dismissedWarnings.includes(w)));

  private revealTimer: ReturnType<typeof setTimeout> | undefined;
  private copiedTimer: ReturnType<typeof setTimeout> | undefined;

  /** Connects to main: state pushes, the popover being shown, and the clock while visible. */
  start(): void {
    const torus = window.torus;
    if (!torus) {
      this.bootError = NO_BRIDGE;
      return;
    }
    let pushed = false;
    torus.onState((state) => {
      pushed = true;
      this.apply(state);
    });
    torus.onPopoverShown(() => {
      this.now = Date.now();
      if ((document.activeElement ?? document.body) === document.body) focusSoon(`tab-${this.view}`);
    });
    void call((t) => t.getState()).then((result) => {
      // A state pushed meanwhile is newer than this answer.
      if (!result.ok) this.bootError = result.error.message;
      else if (!pushed) this.apply(result.value);
    });
    void this.loadSettings();
    // The countdown ticks only while the popover is on screen: a hidden popover costs nothing.
    let ticking: ReturnType<typeof setInterval> | undefined;
    const onVisibility = (): void => {
      clearInterval(ticking);
      if (document.visibilityState === 'visible') {
        this.now = Date.now();
        ticking = setInterval(() => (this.now = Date.now()), 30_000);
      } else {
        // A revealed token does not stay on screen behind a hidden popover.
        this.hideToken();
      }
    };
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    // Main asks for another view by changing the hash (no reload: typed text stays).
    addEventListener('hashchange', () => this.setView(hashView()));
  }

  apply(state: AppState): void {
    if (state.activeProfileId !== this.app?.activeProfileId) this.history = null;
    const known = this.app?.warnings;
    const before = this.activeProfile;
    this.app = state;
    const profile = this.activeProfile;
    const revealed = this.revealed;
    if (revealed && (revealed.profileId !== state.activeProfileId || revealed.fingerprint !== profile?.token?.fingerprint)) this.hideToken();
    if (this.view === 'activity') void this.loadHistory();
    // What changes by itself while the popover is open is said too: a new notice, or a
    // scheduled refresh that failed. (An action announces its own outcome.)
    const fresh = known && state.warnings.filter((w) => !known.includes(w));
    const error = profile?.lastError;
    if (fresh?.[0]) this.announce(`Notice: ${fresh.join(' ')}`);
    else if (error && before?.id === profile.id && before.lastError?.at !== error.at && Date.now() > this.quietUntil)
      this.announce(`${errorTitle(error)}: ${error.message}`);
  }

  setView(view: View): void {
    this.view = view;
    if (view === 'activity') void this.loadHistory();
    if (view === 'settings') void this.loadSettings();
  }

  async loadSettings(): Promise<void> {
    const result = await call((t) => t.getSettings());
    if (result.ok) this.settings = result.value;
  }

  async loadHistory(): Promise<void> {
    const result = await call((t) => t.getHistory());
    this.historyError = result.ok ? null : result.error.message;
    if (result.ok) this.history = result.value;
  }

  /** Any call that answers with the new state (refresh, save, add, update, remove, switch): applied at once. */
  async change(fn: (api: TorusApi) => Promise<Result<AppState>>, working: TorusStore['working'] = null): Promise<Result<AppState>> {
    const result = await this.run(fn, working);
    if (result.ok) this.apply(result.value);
    return result;
  }

  /** A call with `working` set while it runs. */
  async run<T>(fn: (api: TorusApi) => Promise<Result<T>>, working: TorusStore['working']): Promise<Result<T>> {
    if (working) this.working = working;
    this.quietUntil = Infinity;
    const result = await call(fn);
    // The states pushed right after a call are its outcome too.
    this.quietUntil = Date.now() + 2000;
    if (working) this.working = null;
    return result;
  }

  /** Says `text` through the status region (`shown`: on screen too). */
  announce(text: string, shown = false): void {
    this.notice = { id: this.notice.id + 1, text, shown };
  }

  /** Announces what a call came to: `done` when it worked, else its error. */
  report<T extends Result<unknown>>(result: T, done: string): T {
    this.announce(result.ok ? done : result.error.message);
    return result;
  }

  /**
   * A failed call's message (`failure`), unless the active profile's error panel says the same:
   * use it in a `$derived`, as the state that shows the panel may arrive after the answer.
   */
  problem(message: string | null): string | null {
    return message === this.activeProfile?.lastError?.message ? null : message;
  }

  /** Shows another profile, and says which and how it is. */
  async switchTo(profileId: string): Promise<void> {
    const result = await this.change((t) => t.switchProfile(profileId));
    this.report(result, `Showing “${this.activeProfile?.name}”: ${statusInfo(this.activeProfile?.status ?? 'none').detail}`);
  }

  async refresh(): Promise<Result<AppState>> {
    const result = await this.change((t) => t.refresh(), 'refresh');
    const token = this.activeProfile?.token;
    return this.report(result, `Refreshed. The new token ${token ? expiryPhrase(token.expiresAt, Date.now()) : 'is ready'}.`);
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
    return this.report(result, `Token shown. It hides again in ${REVEAL_SECONDS} s.`);
  }

  hideToken(): void {
    clearTimeout(this.revealTimer);
    this.revealed = null;
  }

  /** Copies the token in main; `copied` holds when the clipboard clears (null: it does not) while the note shows. */
  async copy(): Promise<Result<{ clearsInSeconds: number | null }>> {
    const result = await call((t) => t.copyToken());
    clearTimeout(this.copiedTimer);
    this.copied = result.ok ? result.value.clearsInSeconds : undefined;
    if (result.ok) this.copiedTimer = setTimeout(() => (this.copied = undefined), (result.value.clearsInSeconds ?? 4) * 1000);
    return this.report(result, copiedText(this.copied));
  }

  async updateSettings(patch: SettingsPatch): Promise<Result<SettingsView>> {
    const result = await call((t) => t.updateSettings(patch));
    if (result.ok) this.settings = result.value;
    else void this.loadSettings(); // show the real values again
    return result;
  }

  startAddingProfile(): void {
    this.setup = { active: true, adding: true, dismissed: false };
    this.announce('Add a profile. Step 1 of 3: Profile.');
  }

  finishSetup(dismissed: boolean): void {
    this.setup = { active: false, adding: false, dismissed };
    this.view = 'token';
  }
}

/** "Copied — clears in 30 s", or "Copied to the clipboard." when it does not clear. */
export const copiedText = (clears: number | null | undefined): string => (clears ? `Copied — clears in ${clears} s` : 'Copied to the clipboard.');

export const store = new TorusStore();
