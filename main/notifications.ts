/**
 * System notifications: which to show (pure decisions, tested by tables) and showing them.
 *
 * From state changes, per profile:
 * - sign-in needed: Torus refused the credentials (request token spent); click signs in;
 * - refresh failed, with the reason (once per distinct failure; not while the popover is open,
 *   which shows it itself);
 * - token ready: a token arrived after the profile needed the trader (a sign-in, a fixed
 *   failure); silent;
 * - expiring, and only a sign-in can renew it: a request-token JWT ending mid-day.
 * From the monitor's reminders: at the ready-by time, at login, unlock and wake, a profile
 * that needs sign-in (or whose refresh keeps failing) is announced once per event.
 *
 * Nothing notifies between the daily cutoff and the profile's ready-by time. Every text names
 * the profile and never contains a token or secret (error messages are redacted once more).
 */
import { Notification } from 'electron';
import { attentionNeeded } from './core/domain/token-status.js';
import { formatClock, shortReason } from './tray-menu.js';
import type { Reminder } from './core/use-cases/monitor.js';
import type { AppState, ProfileView } from '../preload/contract.js';

export type NotificationKind = 'sign-in-needed' | 'refresh-failed' | 'token-ready' | 'expiring-needs-sign-in' | 'reminder';

export interface NotificationSpec {
  kind: NotificationKind;
  profileId: string;
  title: string;
  body: string;
  /** What a click does. */
  action: 'sign-in' | 'open';
  silent: boolean;
  /** Identifies what was notified, for "only once" bookkeeping. */
  key: string;
}

export interface NotificationContext {
  /** The popover is open and shows failures itself. */
  popoverVisible: boolean;
  /** Between this profile's daily cutoff and its ready-by time. */
  quiet: (profileId: string) => boolean;
  timeZone?: string;
  /** Keys already shown (a failure is told once, an expiring token once). */
  shown: ReadonlySet<string>;
}

const MAX_BODY = 240;
const clip = (text: string): string => (text.length <= MAX_BODY ? text : `${text.slice(0, MAX_BODY - 1)}…`);
const usable = (p: ProfileView) => p.status === 'fresh' || p.status === 'expiring-soon';
/** An error's first sentence, ending in one full stop ("Is Torus down?" keeps its question mark). */
const reasonOf = (message: string): string => {
  const reason = shortReason(message, 160);
  return /[.?!…]$/.test(reason) ? reason : `${reason}.`;
};
/** The "told once" key of a refresh failure; forgotten when the profile recovers. */
const failureKeyPrefix = (profileId: string): string => `failed:${profileId}:`;

function signInNeeded(p: ProfileView, key: string): NotificationSpec {
  return {
    kind: 'sign-in-needed',
    profileId: p.id,
    title: `Sign in to Torus: ${p.name}`,
    body: `Torus needs a fresh sign-in for "${p.name}" before it issues a new token. Click to sign in.`,
    action: 'sign-in',
    silent: false,
    key,
  };
}

/** What to tell about one profile's change from `before` to `after` (both settled, not refreshing). */
export function notificationFor(before: ProfileView, after: ProfileView, context: NotificationContext): NotificationSpec | null {
  if (context.quiet(after.id)) return null;
  const error = after.lastError;
  const newError = error !== null && (before.lastError?.at !== error.at || before.lastError.message !== error.message) ? error : null;

  if (after.status === 'needs-sign-in' && (before.status !== 'needs-sign-in' || newError)) {
    const key = `sign-in:${after.id}:${error?.at ?? 0}`;
    if (!context.shown.has(key)) return signInNeeded(after, key);
  }
  if (newError && !newError.needsSignIn && !context.popoverVisible) {
    const key = `${failureKeyPrefix(after.id)}${newError.kind}:${newError.message}`;
    if (!context.shown.has(key)) {
      const token = after.token;
      const tail = token && usable(after) ? ` The current token still works until ${formatClock(token.expiresAt, context.timeZone)}.` : '';
      return {
        kind: 'refresh-failed',
        profileId: after.id,
        title: `Token refresh failed: ${after.name}`,
        body: clip(`${reasonOf(newError.message)}${tail}`),
        action: 'open',
        silent: false,
        key,
      };
    }
  }
  const token = after.token;
  // Only after the profile needed the trader (a sign-in, a failure): a routine refresh of an
  // expired token (stale → fresh) is no news.
  if (token && usable(after) && before.token?.fingerprint !== token.fingerprint && attentionNeeded(before.status) !== null) {
    return {
      kind: 'token-ready',
      profileId: after.id,
      title: `Torus token ready: ${after.name}`,
      body: `The token for "${after.name}" works until ${formatClock(token.expiresAt, context.timeZone)}.`,
      action: 'open',
      silent: true,
      key: `ready:${token.fingerprint}`,
    };
  }
  const becameExpiring = before.status !== 'expiring-soon' || before.token?.fingerprint !== token?.fingerprint;
  if (after.mode === 'request-token' && after.status === 'expiring-soon' && token?.expirySource === 'jwt' && becameExpiring) {
    // A daily-cutoff expiry is the normal end of the day: the ready-by reminder covers it.
    const key = `expiring:${token.fingerprint}`;
    if (!context.shown.has(key)) {
      return {
        kind: 'expiring-needs-sign-in',
        profileId: after.id,
        title: `Torus token expires soon: ${after.name}`,
        body: `The token for "${after.name}" expires at ${formatClock(token.expiresAt, context.timeZone)}. Renewing it needs a fresh sign-in to Torus. Click to sign in.`,
        action: 'sign-in',
        silent: false,
        key,
      };
    }
  }
  return null;
}

/** The reminder for a profile that needs the trader (ready-by time, login, unlock, wake). */
export function reminderFor(reminder: Reminder, profile: ProfileView): NotificationSpec {
  if (reminder.need === 'sign-in') return signInNeeded(profile, `reminder:${profile.id}:${reminder.event}`);
  const reason = profile.lastError ? `${reasonOf(profile.lastError.message)} ` : '';
  return {
    kind: 'reminder',
    profileId: profile.id,
    title: `Torus token not ready: ${profile.name}`,
    body: clip(`${reason}Click to open Torus Token.`),
    action: 'open',
    silent: false,
    key: `reminder:${profile.id}:${reminder.event}`,
  };
}

export interface NotifierOptions {
  /** Hold state-change notices until `startupDone()` (the app's start-up check reminds instead). */
  holdUntilStarted?: boolean;
  onSignIn: (profileId: string) => void;
  onOpen: () => void;
  isPopoverVisible?: () => boolean;
  isQuiet: (profileId: string) => boolean;
  now?: () => number;
  timeZone?: string;
}

/** A reminder and a state change of the same family about the same profile within this long are one notification. */
export const SAME_MOMENT_MS = 60_000;

/** Notifications that say the same thing to the trader: a sign-in request (however it came), a failure, a new token. */
type Family = 'sign-in' | 'refresh-failed' | 'token-ready';
const familyOf = (spec: NotificationSpec): Family =>
  spec.action === 'sign-in' ? 'sign-in' : spec.kind === 'reminder' || spec.kind === 'refresh-failed' ? 'refresh-failed' : 'token-ready';

/** Feeds states and reminders to the decisions above and shows the result. */
export class Notifier {
  private readonly settled = new Map<string, ProfileView>();
  private readonly shownKeys = new Set<string>();
  /** When each profile + family was last shown, for the "same moment" dedupe. */
  private readonly lastShown = new Map<string, number>();
  /** Shown notifications are kept referenced until closed, or their click handler is lost. */
  private readonly live = new Set<Notification>();
  /** Everything shown and when, newest last (tests, diagnostics). */
  readonly history: Array<NotificationSpec & { at: number }> = [];
  /**
   * While the app starts, its state changes (the start-up check) are told only through the
   * start-up reminders, never twice; `startupDone` ends that.
   */
  private starting: boolean;

  constructor(private readonly options: NotifierOptions) {
    this.starting = options.holdUntilStarted === true;
  }

  /** The start-up check is over: from now on state changes notify. */
  startupDone(): void {
    this.starting = false;
  }

  /** Decides on each profile's change since its last settled state; returns what was shown. */
  update(next: AppState): NotificationSpec[] {
    const shown: NotificationSpec[] = [];
    const context: NotificationContext = {
      popoverVisible: this.options.isPopoverVisible?.() ?? false,
      quiet: this.options.isQuiet,
      shown: this.shownKeys,
      ...(this.options.timeZone ? { timeZone: this.options.timeZone } : {}),
    };
    const seen = new Set<string>();
    for (const profile of next.profiles) {
      seen.add(profile.id);
      // Decide on settled states only: mid-refresh states come and go.
      if (profile.status === 'refreshing') continue;
      // Recovered: the same failure on another day is news again.
      if (profile.lastError === null) this.forget(failureKeyPrefix(profile.id));
      const before = this.settled.get(profile.id);
      this.settled.set(profile.id, profile);
      if (!before || this.starting) continue; // the first state of this run, or the start-up check: the start-up reminders cover it
      const spec = notificationFor(before, profile, context);
      if (spec && this.show(spec)) shown.push(spec);
    }
    for (const id of [...this.settled.keys()]) if (!seen.has(id)) this.settled.delete(id);
    return shown;
  }

  /**
   * A reminder from the monitor. Shown only while the profile still needs the trader (the
   * state is read after the reminder was sent) and never in its quiet hours.
   */
  remind(reminder: Reminder, state: AppState): NotificationSpec | null {
    const profile = state.profiles.find((p) => p.id === reminder.profileId);
    if (!profile || this.options.isQuiet(profile.id)) return null;
    const need = attentionNeeded(profile.status);
    if (!need) return null;
    const spec = reminderFor({ ...reminder, need }, profile);
    return this.show(spec) ? spec : null;
  }

  private forget(prefix: string): void {
    for (const key of [...this.shownKeys]) if (key.startsWith(prefix)) this.shownKeys.delete(key);
  }

  private show(spec: NotificationSpec): boolean {
    const now = (this.options.now ?? Date.now)();
    // Told (now, or by the other notification of the same moment): not again.
    this.shownKeys.add(spec.key);
    const family = `${spec.profileId}\u0000${familyOf(spec)}`;
    const last = this.lastShown.get(family);
    if (last !== undefined && now - last >= 0 && now - last < SAME_MOMENT_MS) return false;
    this.lastShown.set(family, now);
    this.history.push({ ...spec, at: now });
    if (!Notification.isSupported()) return true;
    const notification = new Notification({ title: spec.title, body: spec.body, silent: spec.silent });
    this.live.add(notification);
    const release = (): void => void this.live.delete(notification);
    notification.on('click', () => {
      release();
      if (spec.action === 'sign-in') this.options.onSignIn(spec.profileId);
      else this.options.onOpen();
    });
    notification.on('close', release);
    notification.show();
    return true;
  }

  dispose(): void {
    for (const notification of this.live) notification.close();
    this.live.clear();
  }
}
