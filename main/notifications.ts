/**
 * System notifications: which one to show for a state change (a pure decision, tested by a
 * table) and showing it. Four cases:
 *
 * - sign-in needed: Torus refused the request token; clicking opens the sign-in window;
 * - refresh failed, with the reason (once per distinct reason, so retries with backoff do
 *   not repeat it; not while the popover is open, which shows the error itself);
 * - refreshed at login: the first new token of a run that was started at login;
 * - expiring with no silent way to refresh: request-token mode, status expiring-soon, once
 *   per token (by fingerprint); clicking opens the sign-in window.
 *
 * Texts never contain a token or secret: they use the profile name, clock times and the error
 * message (already secret-free, and redacted once more here).
 */
import { Notification } from 'electron';
import { formatClock, formatUntil, shortReason } from './tray-icons.js';
import type { AppState } from '../preload/contract.js';

export type NotificationKind = 'sign-in-needed' | 'refresh-failed' | 'refreshed-at-login' | 'expiring-no-silent-refresh';

export interface NotificationSpec {
  kind: NotificationKind;
  title: string;
  body: string;
  action?: 'sign-in';
  /** Identifies what was notified, for "only once" bookkeeping. */
  key: string;
}

export interface NotificationContext {
  /** This run was started at login (`--hidden`). */
  launchedAtLogin: boolean;
  /** "Refreshed at login" was already shown in this run. */
  loginRefreshNotified?: boolean;
  /** Token fingerprints already warned about expiring. */
  expiringNotified?: ReadonlySet<string>;
  /** The key of the last failure notified; the same failure again is not repeated. */
  lastFailureKey?: string | null;
  /** The popover is open and shows failures itself. */
  popoverVisible?: boolean;
  now?: number;
  timeZone?: string;
}

const MAX_BODY = 240;
const clip = (text: string): string => (text.length <= MAX_BODY ? text : `${text.slice(0, MAX_BODY - 1)}…`);

/** The notification for the change from `prev` (null: the first state of this run) to `next`. */
export function notificationFor(prev: AppState | null, next: AppState, context: NotificationContext): NotificationSpec | null {
  // Switching profiles is the user's own act, made in the popover or menu: nothing to tell.
  if (prev && prev.activeProfileId !== next.activeProfileId) return null;
  const profile = next.profiles.find((p) => p.id === next.activeProfileId);
  if (!profile) return null;
  // The first state of a normal start: the user is looking at the app. At login, nobody is.
  if (!prev && !context.launchedAtLogin && next.status !== 'expiring-soon') return null;

  const now = context.now ?? Date.now();
  const tz = context.timeZone;
  const forProfile = next.profiles.length > 1 ? ` for ${profile.name}` : '';
  const error = next.lastError;
  const newError = error !== null && (prev?.lastError?.at !== error.at || prev.lastError.message !== error.message) ? error : null;

  // 1. Sign-in needed.
  if (next.status === 'needs-sign-in' && (prev?.status !== 'needs-sign-in' || newError)) {
    const key = `sign-in:${profile.id}`;
    if (context.lastFailureKey !== key) {
      return {
        kind: 'sign-in-needed',
        title: 'Sign in to Torus',
        body: `Torus needs a fresh sign-in${forProfile} before it issues a new token. Click to sign in.`,
        action: 'sign-in',
        key,
      };
    }
  }

  // 2. Refresh failed (not a sign-in problem; those are case 1 or shown when they matter).
  if (newError && !newError.needsSignIn && !context.popoverVisible && next.status !== 'refreshing') {
    const key = `failed:${profile.id}:${newError.kind}:${newError.message}`;
    if (context.lastFailureKey !== key) {
      const token = next.token;
      const stillGood = token !== null && token.expiresAt > now && (next.status === 'fresh' || next.status === 'expiring-soon');
      const tail = stillGood ? ` The current token still works until ${formatClock(token.expiresAt, tz)}.` : '';
      return {
        kind: 'refresh-failed',
        title: `Token refresh failed${forProfile}`,
        body: clip(`${shortReason(newError.message, 160)}.${tail}`),
        key,
      };
    }
  }

  // 3. Refreshed at login: the first new token of a run started at login.
  const token = next.token;
  if (context.launchedAtLogin && !context.loginRefreshNotified && prev && token && (next.status === 'fresh' || next.status === 'expiring-soon')) {
    const before = prev.token;
    if (!before || before.fingerprint !== token.fingerprint || before.issuedAt !== token.issuedAt) {
      return {
        kind: 'refreshed-at-login',
        title: 'Torus token ready',
        body: `Today's token${forProfile} was refreshed at login. It expires at ${formatClock(token.expiresAt, tz)} (${formatUntil(token.expiresAt, now)}).`,
        key: `login:${token.fingerprint}`,
      };
    }
  }

  // 4. Expiring, and only a sign-in can renew it (request-token mode).
  if (profile.mode === 'request-token' && next.status === 'expiring-soon' && token && !context.expiringNotified?.has(token.fingerprint)) {
    return {
      kind: 'expiring-no-silent-refresh',
      title: 'Torus token expires soon',
      body: `The token${forProfile} expires at ${formatClock(token.expiresAt, tz)} (${formatUntil(token.expiresAt, now)}). Renewing it needs a fresh sign-in to Torus. Click to sign in.`,
      action: 'sign-in',
      key: `expiring:${token.fingerprint}`,
    };
  }
  return null;
}

export interface NotifierOptions {
  launchedAtLogin: boolean;
  /** Called when a notification with the 'sign-in' action is clicked. */
  onSignIn: () => void;
  isPopoverVisible?: () => boolean;
  now?: () => number;
  timeZone?: string;
}

/** Feeds each new state to `notificationFor` and shows the result. */
export class Notifier {
  private prev: AppState | null = null;
  private loginRefreshNotified = false;
  private readonly expiringNotified = new Set<string>();
  private lastFailureKey: string | null = null;
  /** Shown notifications are kept referenced until closed, or their click handler is lost. */
  private readonly live = new Set<Notification>();

  constructor(private readonly options: NotifierOptions) {}

  /** Decides and shows; returns what was decided (also when notifications are unsupported). */
  update(next: AppState): NotificationSpec | null {
    // Decide on settled states only: a state published mid-refresh can already carry the
    // new token, and comparing against it would hide the change.
    if (next.status === 'refreshing') {
      this.prev ??= next;
      return null;
    }
    const spec = notificationFor(this.prev, next, {
      launchedAtLogin: this.options.launchedAtLogin,
      loginRefreshNotified: this.loginRefreshNotified,
      expiringNotified: this.expiringNotified,
      lastFailureKey: this.lastFailureKey,
      popoverVisible: this.options.isPopoverVisible?.() ?? false,
      now: (this.options.now ?? Date.now)(),
      ...(this.options.timeZone ? { timeZone: this.options.timeZone } : {}),
    });
    // A success (no error any more) or a profile switch ends the "same failure" suppression.
    if (next.lastError === null || (this.prev && this.prev.activeProfileId !== next.activeProfileId)) this.lastFailureKey = null;
    this.prev = next;
    if (!spec) return null;
    if (spec.kind === 'sign-in-needed' || spec.kind === 'refresh-failed') this.lastFailureKey = spec.key;
    if (spec.kind === 'refreshed-at-login') this.loginRefreshNotified = true;
    if (spec.kind === 'expiring-no-silent-refresh' && next.token) this.expiringNotified.add(next.token.fingerprint);
    this.show(spec);
    return spec;
  }

  private show(spec: NotificationSpec): void {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: spec.title, body: spec.body, silent: spec.kind === 'refreshed-at-login' });
    this.live.add(notification);
    const release = (): void => void this.live.delete(notification);
    notification.on('click', () => {
      release();
      if (spec.action === 'sign-in') this.options.onSignIn();
    });
    notification.on('close', release);
    notification.show();
  }

  dispose(): void {
    for (const notification of this.live) notification.close();
    this.live.clear();
  }
}
