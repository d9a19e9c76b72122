import type { ErrorKind, TokenStatus, TokenView, UiError } from '../../../preload/contract.js';

/** Formatting helpers for the popover: plain words, local 24-hour clock times. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Plain, English, 24-hour formatting without Intl: creating the first Intl formatter in a
// fresh renderer loads ICU data and costs tens of milliseconds of first render.
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

function hhmm(at: number, withSeconds: boolean): string {
  const d = new Date(at);
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return withSeconds ? `${time}:${two(d.getSeconds())}` : time;
}

function dayMonth(at: number): string {
  const d = new Date(at);
  return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** "08:31" today, "yesterday 08:31", "tomorrow 06:00", "Mon 08:31" within a week, else "12 Mar 08:31". */
export function clockTime(at: number, now: number, withSeconds = false): string {
  const time = hhmm(at, withSeconds);
  const days = Math.round((startOfDay(at) - startOfDay(now)) / DAY);
  if (days === 0) return time;
  if (days === -1) return `yesterday ${time}`;
  if (days === 1) return `tomorrow ${time}`;
  if (Math.abs(days) < 7) return `${WEEKDAYS[new Date(at).getDay()]} ${time}`;
  return `${dayMonth(at)} ${time}`;
}

/** Full local date and time, for tooltips: "Tue 25 Nov 2025, 08:31:05". */
export function fullTime(at: number): string {
  const d = new Date(at);
  return `${WEEKDAYS[d.getDay()]} ${dayMonth(at)} ${d.getFullYear()}, ${hhmm(at, true)}`;
}

/** A rounded-down span in words: "21 h", "1 h 20 min", "45 min", "less than a minute", "3 days". */
export function span(ms: number): string {
  const abs = Math.max(0, ms);
  if (abs < MINUTE) return 'less than a minute';
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < 3 * HOUR) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  if (abs < 2 * DAY) return `${Math.floor(abs / HOUR)} h`;
  return `${Math.floor(abs / DAY)} days`;
}

/** "expires in 21 h" or "expired 3 h ago". */
export function expiryPhrase(expiresAt: number, now: number): string {
  return expiresAt > now ? `expires in ${span(expiresAt - now)}` : `expired ${span(now - expiresAt)} ago`;
}

export interface TokenTimes {
  issued: string;
  issuedIso: string;
  issuedFull: string;
  expiry: string;
  expiresFull: string;
  expired: boolean;
}

export function tokenTimes(token: TokenView, now: number): TokenTimes {
  return {
    issued: clockTime(token.issuedAt, now),
    issuedIso: new Date(token.issuedAt).toISOString(),
    issuedFull: fullTime(token.issuedAt),
    expiry: expiryPhrase(token.expiresAt, now),
    expiresFull: fullTime(token.expiresAt),
    expired: token.expiresAt <= now,
  };
}

export type Tone = 'ok' | 'warn' | 'bad' | 'busy' | 'idle';

export interface StatusInfo {
  label: string;
  tone: Tone;
  /** One sentence for screen readers and tooltips. */
  detail: string;
}

const STATUSES: Record<TokenStatus, [label: string, tone: Tone, detail: string]> = {
  fresh: ['Fresh', 'ok', "Today's token is ready to use."],
  'expiring-soon': ['Expiring soon', 'warn', 'The token expires soon; refresh to get a new one.'],
  stale: ['Stale', 'warn', 'The token has expired; refresh to get a new one.'],
  refreshing: ['Refreshing…', 'busy', 'Getting a new token from Torus.'],
  failed: ['Failed', 'bad', 'The last refresh failed.'],
  'needs-sign-in': ['Sign-in needed', 'bad', 'Torus needs you to sign in again.'],
  none: ['No token', 'idle', 'There is no token yet.'],
};

export function statusInfo(status: TokenStatus): StatusInfo {
  const [label, tone, detail] = STATUSES[status];
  return { label, tone, detail };
}

/** A short heading for an error; the message itself already names the next step. */
export function errorTitle(error: Pick<UiError, 'kind' | 'needsSignIn'>): string {
  if (error.needsSignIn) return 'Sign in to Torus again';
  const titles: Record<ErrorKind, string> = {
    rejected: 'Torus refused the credentials',
    'rate-limited': 'Torus is busy',
    'server-error': 'Torus had a problem',
    network: "Can't reach Torus",
    timeout: "Torus didn't answer in time",
    'invalid-response': 'Unexpected answer from Torus',
    'not-configured': 'Setup is not finished',
    'keychain-unavailable': 'The system keychain is not available',
    'invalid-input': 'Check what you entered',
    cancelled: 'Cancelled',
    'export-failed': 'The token could not be exported',
    filesystem: 'The settings folder cannot be written',
    unexpected: 'Something went wrong',
    forbidden: 'Request refused',
  };
  return titles[error.kind];
}

/** Errors worth simply trying again. */
export function isTransient(kind: ErrorKind): boolean {
  return kind === 'network' || kind === 'timeout' || kind === 'server-error' || kind === 'rate-limited' || kind === 'invalid-response';
}

export function latency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

const REASONS: Record<string, string> = {
  manual: 'Manual',
  cli: 'Command line',
  login: 'At login',
  scheduled: 'Scheduled',
  resume: 'After sleep',
  online: 'Back online',
  'sign-in': 'Sign-in',
  retry: 'Retry',
  unlock: 'After unlock',
  stale: 'Token expired',
};

export function reasonLabel(reason: string): string {
  return REASONS[reason] ?? reason;
}

/** "····1234" or a plain "saved" when the value is too short to show any of it. */
export function savedHint(presence: { saved: boolean; lastFour?: string }): string {
  if (!presence.saved) return 'not saved';
  return presence.lastFour ? `saved ····${presence.lastFour}` : 'saved';
}
