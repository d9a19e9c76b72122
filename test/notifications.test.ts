// Notifications: the pure per-profile decisions (tables) and the Notifier against the fake
// Electron Notification (what is shown, what a click does, what is not repeated).
import { describe, it, expect, vi, beforeEach } from 'vitest';
import type { AppState, ProfileView, TokenView } from '../preload/contract.js';
import type { Reminder } from '../main/core/use-cases/monitor.js';
import { mostUrgent } from '../main/core/domain/token-status.js';

const fake = await vi.hoisted(async () => (await import('./helpers/fake-electron.js')).createFakeElectron());
vi.mock('electron', () => fake);

import { notificationFor, reminderFor, Notifier, SAME_MOMENT_MS, type NotificationContext, type NotificationSpec } from '../main/notifications.js';

const NOW = Date.UTC(2025, 5, 10, 9, 0);
const CUTOFF = Date.UTC(2025, 5, 11, 6, 0);
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZw';

function token(over: Partial<TokenView> = {}): TokenView {
  return {
    masked: 'eyJh…Q123',
    fingerprint: '0a1b2c3d',
    issuedAt: NOW - 3_600_000,
    expiresAt: CUTOFF,
    expirySource: 'daily-cutoff',
    source: 'request-token',
    ...over,
  };
}

type Err = NonNullable<ProfileView['lastError']>;
const failure = (message: string, at = NOW - 1000, kind: Err['kind'] = 'network'): Err => ({ kind, message, needsSignIn: false, at });
const refusal = (at = NOW - 1000): Err => ({ kind: 'rejected', message: 'Torus refused the request token. Sign in again.', needsSignIn: true, at });

function profile(over: Partial<ProfileView> = {}): ProfileView {
  return {
    id: 'main',
    name: 'Main',
    mode: 'request-token',
    baseUrl: 'https://connects.torusdigital.com',
    totpBaseUrl: 'https://connects.torusdigital.com',
    exportFilePath: null,
    exportHookCommand: null,
    readyBy: '08:45',
    signInAtReadyBy: false,
    redirectOrigin: null,
    credentials: { apiKey: { saved: true, lastFour: 'abcd' }, apiSecret: { saved: true }, requestToken: { saved: true }, totpSecret: { saved: false } },
    status: 'fresh',
    token: token(),
    lastError: null,
    refused: false,
    exportProblem: null,
    nextRefreshAt: null,
    ...over,
  };
}

// A profile in each situation the decisions care about.
const fresh = (over: Partial<ProfileView> = {}) => profile(over);
const stale = (over: Partial<ProfileView> = {}) => profile({ status: 'stale', token: token({ expiresAt: NOW - 60_000 }), ...over });
const failed = (message = 'Could not reach Torus. Check your connection.', at = NOW - 1000, over: Partial<ProfileView> = {}) =>
  profile({ status: 'failed', token: null, lastError: failure(message, at), ...over });
const needsSignIn = (at = NOW - 1000, over: Partial<ProfileView> = {}) =>
  profile({ status: 'needs-sign-in', token: null, lastError: refusal(at), refused: true, ...over });
const jwtToken = token({ expirySource: 'jwt', expiresAt: Date.UTC(2025, 5, 10, 15, 0), fingerprint: 'feedbeef' });
const expiringJwt = (over: Partial<ProfileView> = {}) => profile({ status: 'expiring-soon', token: jwtToken, ...over });
const refreshing = (over: Partial<ProfileView> = {}) => profile({ status: 'refreshing', ...over });
const newToken = token({ fingerprint: 'ffff0000', issuedAt: NOW });

function state(...profiles: ProfileView[]): AppState {
  return {
    activeProfileId: profiles[0]?.id ?? null,
    profiles,
    status: mostUrgent(profiles.map((p) => p.status)),
    warnings: [],
    platform: 'linux',
  };
}

const ctx = (over: Partial<NotificationContext> = {}): NotificationContext => ({
  popoverVisible: false,
  quiet: () => false,
  timeZone: 'UTC',
  shown: new Set(),
  ...over,
});

/** Nothing a notification says may carry the token, its mask or its fingerprint. */
function expectNoSecret(spec: Pick<NotificationSpec, 'title' | 'body'>, ...tokens: Array<TokenView | null>): void {
  const text = `${spec.title} ${spec.body}`;
  expect(text).not.toContain('eyJ');
  for (const t of tokens) {
    if (!t) continue;
    expect(text).not.toContain(t.masked);
    expect(text).not.toContain(t.fingerprint);
  }
}

beforeEach(() => {
  fake.__test.reset();
});

describe('notificationFor (one profile, settled before → after)', () => {
  interface Row {
    name: string;
    before: ProfileView;
    after: ProfileView;
    context?: Partial<NotificationContext>;
    expected: Pick<NotificationSpec, 'kind' | 'title' | 'body' | 'action' | 'silent'> | null;
  }
  const rows: Row[] = [
    {
      name: 'refresh failed, with the reason',
      before: stale(),
      after: failed(),
      expected: { kind: 'refresh-failed', title: 'Token refresh failed: Main', body: 'Could not reach Torus.', action: 'open', silent: false },
    },
    {
      name: 'refresh failed while the current token still works',
      before: fresh(),
      after: fresh({ lastError: failure('Torus is having problems (HTTP 503).') }),
      expected: {
        kind: 'refresh-failed',
        title: 'Token refresh failed: Main',
        body: 'Torus is having problems (HTTP 503). The current token still works until 06:00.',
        action: 'open',
        silent: false,
      },
    },
    {
      name: 'a reason that is a question keeps its question mark',
      before: stale(),
      after: failed('Is the base URL right? Torus answered with a web page.'),
      expected: { kind: 'refresh-failed', title: 'Token refresh failed: Main', body: 'Is the base URL right?', action: 'open', silent: false },
    },
    {
      name: 'the same failure again (a retry) is told once',
      before: failed('Could not reach Torus.', NOW - 60_000),
      after: failed('Could not reach Torus.', NOW),
      context: { shown: new Set(['failed:main:network:Could not reach Torus.']) },
      expected: null,
    },
    {
      name: 'a different failure is news',
      before: failed('Could not reach Torus.', NOW - 60_000),
      after: failed('Torus did not answer in time.', NOW),
      context: { shown: new Set(['failed:main:network:Could not reach Torus.']) },
      expected: { kind: 'refresh-failed', title: 'Token refresh failed: Main', body: 'Torus did not answer in time.', action: 'open', silent: false },
    },
    { name: 'no failure notice while the popover shows it', before: stale(), after: failed(), context: { popoverVisible: true }, expected: null },
    { name: 'an unchanged failure (a re-published state) is not news', before: failed(), after: failed(), expected: null },
    {
      name: 'sign-in needed: a click signs in to this profile',
      before: stale(),
      after: needsSignIn(),
      expected: {
        kind: 'sign-in-needed',
        title: 'Sign in to Torus: Main',
        body: 'Torus needs a fresh sign-in for "Main" before it issues a new token. Click to sign in.',
        action: 'sign-in',
        silent: false,
      },
    },
    { name: 'still needing sign-in is not news', before: needsSignIn(), after: needsSignIn(), expected: null },
    {
      name: 'refused again after another try: told again',
      before: needsSignIn(NOW - 60_000),
      after: needsSignIn(NOW),
      expected: {
        kind: 'sign-in-needed',
        title: 'Sign in to Torus: Main',
        body: 'Torus needs a fresh sign-in for "Main" before it issues a new token. Click to sign in.',
        action: 'sign-in',
        silent: false,
      },
    },
    { name: 'quiet hours: no sign-in notice', before: stale(), after: needsSignIn(), context: { quiet: (id) => id === 'main' }, expected: null },
    { name: 'quiet hours: no failure notice', before: stale(), after: failed(), context: { quiet: () => true }, expected: null },
    {
      name: 'quiet hours of another profile do not matter',
      before: stale(),
      after: needsSignIn(),
      context: { quiet: (id) => id === 'paper' },
      expected: {
        kind: 'sign-in-needed',
        title: 'Sign in to Torus: Main',
        body: 'Torus needs a fresh sign-in for "Main" before it issues a new token. Click to sign in.',
        action: 'sign-in',
        silent: false,
      },
    },
    {
      name: 'token ready after a sign-in (silent)',
      before: needsSignIn(),
      after: fresh({ token: newToken }),
      expected: { kind: 'token-ready', title: 'Torus token ready: Main', body: 'The token for "Main" works until 06:00.', action: 'open', silent: true },
    },
    {
      name: 'token ready after a failure was fixed',
      before: failed(),
      after: fresh({ token: newToken }),
      expected: { kind: 'token-ready', title: 'Torus token ready: Main', body: 'The token for "Main" works until 06:00.', action: 'open', silent: true },
    },
    { name: 'a routine refresh of an expired token is no news', before: stale(), after: fresh({ token: newToken }), expected: null },
    { name: 'a scheduled refresh of a good token is no news', before: fresh(), after: fresh({ token: newToken }), expected: null },
    {
      name: 'the first token after setting up is no news',
      before: profile({ status: 'none', token: null }),
      after: fresh({ token: newToken }),
      expected: null,
    },
    { name: 'quiet hours: no token-ready notice', before: needsSignIn(), after: fresh({ token: newToken }), context: { quiet: () => true }, expected: null },
    {
      name: 'a request-token JWT expiring mid-day warns: only a sign-in renews it',
      before: fresh({ token: jwtToken }),
      after: expiringJwt(),
      expected: {
        kind: 'expiring-needs-sign-in',
        title: 'Torus token expires soon: Main',
        body: 'The token for "Main" expires at 15:00. Renewing it needs a fresh sign-in to Torus. Click to sign in.',
        action: 'sign-in',
        silent: false,
      },
    },
    {
      name: 'expiring: once per token',
      before: fresh({ token: jwtToken }),
      after: expiringJwt(),
      context: { shown: new Set(['expiring:feedbeef']) },
      expected: null,
    },
    { name: 'expiring: still expiring (a re-published state) is not news', before: expiringJwt(), after: expiringJwt(), expected: null },
    {
      name: 'expiring at the daily cutoff: the ready-by reminder covers it',
      before: fresh(),
      after: profile({ status: 'expiring-soon', token: token({ expiresAt: NOW + 20 * 60_000 }) }),
      expected: null,
    },
    {
      name: 'expiring in TOTP mode renews silently: no notice',
      before: fresh({ mode: 'totp', token: jwtToken }),
      after: expiringJwt({ mode: 'totp' }),
      expected: null,
    },
    {
      name: 'a token-shaped string in an error never reaches the text',
      before: stale(),
      after: failed(`Unexpected reply ${JWT}`),
      expected: { kind: 'refresh-failed', title: 'Token refresh failed: Main', body: 'Unexpected reply [redacted].', action: 'open', silent: false },
    },
  ];

  it.each(rows)('$name', ({ before, after, context, expected }) => {
    const spec = notificationFor(before, after, ctx(context));
    if (expected === null) {
      expect(spec).toBeNull();
      return;
    }
    expect(spec).toMatchObject(expected);
    expect(spec!.profileId).toBe('main');
    expect(`${spec!.title} ${spec!.body}`).toContain('Main');
    expectNoSecret(spec!, before.token, after.token);
  });

  it('names the profile it is about, and keeps long reasons short', () => {
    const paper = (p: ProfileView): ProfileView => ({ ...p, id: 'paper', name: 'Paper desk' });
    const spec = notificationFor(paper(stale()), paper(failed(`${'A very long reason without a full stop '.repeat(12)}`)), ctx())!;
    expect(spec.profileId).toBe('paper');
    expect(spec.title).toBe('Token refresh failed: Paper desk');
    expect(spec.body.length).toBeLessThanOrEqual(160);
    expect(spec.body.endsWith('…')).toBe(true);
  });
});

describe('reminderFor (from the monitor: ready-by, login, wake, unlock)', () => {
  const events: Array<Reminder['event']> = ['ready-by', 'login', 'resume', 'unlock'];
  it.each(events)('sign-in needed at %s: a click signs in to that profile', (event) => {
    const spec = reminderFor({ profileId: 'main', need: 'sign-in', event }, needsSignIn());
    expect(spec).toMatchObject({
      kind: 'sign-in-needed',
      profileId: 'main',
      title: 'Sign in to Torus: Main',
      body: 'Torus needs a fresh sign-in for "Main" before it issues a new token. Click to sign in.',
      action: 'sign-in',
      silent: false,
    });
  });

  it.each(events)('still failing at %s: names the profile and the reason, a click opens the app', (event) => {
    const spec = reminderFor({ profileId: 'main', need: 'failed', event }, failed(`Could not reach Torus. ${JWT}`));
    expect(spec).toMatchObject({
      kind: 'reminder',
      profileId: 'main',
      title: 'Torus token not ready: Main',
      body: 'Could not reach Torus. Click to open Torus Token.',
      action: 'open',
      silent: false,
    });
    expectNoSecret(spec);
  });

  it('without a recorded error it still says what to do', () => {
    expect(reminderFor({ profileId: 'main', need: 'failed', event: 'login' }, failed('x', NOW, { lastError: null })).body).toBe('Click to open Torus Token.');
  });
});

describe('Notifier', () => {
  function setup(over: { quiet?: (id: string) => boolean; popoverVisible?: () => boolean; holdUntilStarted?: boolean } = {}) {
    let now = NOW;
    const onSignIn = vi.fn<(profileId: string) => void>();
    const onOpen = vi.fn<() => void>();
    const notifier = new Notifier({
      holdUntilStarted: over.holdUntilStarted ?? false,
      onSignIn,
      onOpen,
      isQuiet: over.quiet ?? (() => false),
      isPopoverVisible: over.popoverVisible ?? (() => false),
      now: () => now,
      timeZone: 'UTC',
    });
    const shown = () => fake.__test.notifications.map((n) => n.title);
    return {
      notifier,
      onSignIn,
      onOpen,
      shown,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('never notifies about the first state of a run, then tells what changes', () => {
    const { notifier, shown } = setup();
    const paper = (p: ProfileView): ProfileView => ({ ...p, id: 'paper', name: 'Paper' });
    expect(notifier.update(state(needsSignIn(), paper(refreshing())))).toEqual([]);
    // Paper first appeared mid-refresh: its first settled state is its first state.
    expect(notifier.update(state(needsSignIn(), paper(failed())))).toEqual([]);
    expect(shown()).toEqual([]);
    expect(notifier.update(state(needsSignIn(), paper(needsSignIn()))).map((s) => [s.profileId, s.kind])).toEqual([['paper', 'sign-in-needed']]);
    expect(shown()).toEqual(['Sign in to Torus: Paper']);
  });

  it('while the app starts, its own start-up check changes states silently (its reminders speak); afterwards changes notify', () => {
    const { notifier, shown } = setup({ holdUntilStarted: true });
    notifier.update(state(fresh()));
    // The start-up check: the refresh at start is refused.
    expect(notifier.update(state(needsSignIn()))).toEqual([]);
    expect(shown()).toEqual([]);
    notifier.startupDone();
    notifier.update(state(fresh()));
    expect(notifier.update(state(needsSignIn())).map((s) => s.kind)).toEqual(['sign-in-needed']);
  });

  it('a sign-in notice opens sign-in for the profile it names; other notices open the app', () => {
    const { notifier, onSignIn, onOpen, shown } = setup();
    const paper = (p: ProfileView): ProfileView => ({ ...p, id: 'paper', name: 'Paper' });
    notifier.update(state(fresh(), paper(stale())));
    notifier.update(state(fresh(), paper(refreshing())));
    expect(notifier.update(state(fresh(), paper(needsSignIn()))).map((s) => s.kind)).toEqual(['sign-in-needed']);
    expect(shown()).toEqual(['Sign in to Torus: Paper']);
    fake.__test.lastNotification().click();
    expect(onSignIn).toHaveBeenCalledWith('paper');
    expect(onOpen).not.toHaveBeenCalled();

    notifier.update(state(refreshing(), paper(needsSignIn())));
    notifier.update(state(failed(), paper(needsSignIn())));
    expect(shown()).toEqual(['Sign in to Torus: Paper', 'Token refresh failed: Main']);
    fake.__test.lastNotification().click();
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(onSignIn).toHaveBeenCalledTimes(1);
  });

  it('tells a failure once while retries keep failing, and again after a recovery', () => {
    const { notifier, shown, advance } = setup();
    notifier.update(state(stale()));
    notifier.update(state(refreshing()));
    expect(notifier.update(state(failed('Could not reach Torus.', NOW))).map((s) => s.kind)).toEqual(['refresh-failed']);
    for (let i = 1; i <= 3; i++) {
      advance(5 * 60_000);
      notifier.update(state(refreshing()));
      expect(notifier.update(state(failed('Could not reach Torus.', NOW + i * 300_000)))).toEqual([]);
    }
    // It works again…
    advance(5 * 60_000);
    notifier.update(state(fresh({ token: newToken })));
    // …and a day later the same failure is news again.
    advance(24 * 3_600_000);
    notifier.update(state(refreshing()));
    expect(notifier.update(state(failed('Could not reach Torus.', NOW + 2 * 86_400_000))).map((s) => s.kind)).toEqual(['refresh-failed']);
    expect(shown()).toEqual(['Token refresh failed: Main', 'Torus token ready: Main', 'Token refresh failed: Main']);
  });

  it('no failure notice while the popover is open (it shows the failure itself)', () => {
    let visible = true;
    const { notifier, shown } = setup({ popoverVisible: () => visible });
    notifier.update(state(stale()));
    expect(notifier.update(state(failed()))).toEqual([]);
    visible = false;
    expect(notifier.update(state(failed('Torus did not answer in time.', NOW)))).toHaveLength(1);
    expect(shown()).toEqual(['Token refresh failed: Main']);
  });

  it('"token ready" is silent, and a sign-in notice is not', () => {
    const { notifier } = setup();
    notifier.update(state(stale()));
    notifier.update(state(needsSignIn()));
    notifier.update(state(fresh({ token: newToken })));
    expect(fake.__test.notifications.map((n) => [n.title, n.notification.options.silent])).toEqual([
      ['Sign in to Torus: Main', false],
      ['Torus token ready: Main', true],
    ]);
  });

  it('warns once per token about a request-token JWT expiring mid-day; a click signs in', () => {
    const { notifier, onSignIn, shown, advance } = setup();
    notifier.update(state(fresh({ token: jwtToken })));
    expect(notifier.update(state(expiringJwt())).map((s) => s.kind)).toEqual(['expiring-needs-sign-in']);
    fake.__test.lastNotification().click();
    expect(onSignIn).toHaveBeenCalledWith('main');
    advance(2 * SAME_MOMENT_MS);
    expect(notifier.update(state(expiringJwt({ nextRefreshAt: NOW + 1 })))).toEqual([]);
    // A new JWT that is soon expiring too: told again.
    const next = token({ expirySource: 'jwt', expiresAt: Date.UTC(2025, 5, 10, 16, 0), fingerprint: 'cafe0001' });
    notifier.update(state(fresh({ token: next })));
    expect(notifier.update(state(profile({ status: 'expiring-soon', token: next })))).toHaveLength(1);
    expect(shown()).toEqual(['Torus token expires soon: Main', 'Torus token expires soon: Main']);
    expect(fake.__test.lastNotification().body).toContain('16:00');
  });

  it('a token already expiring at start-up is not announced by the next unrelated update', () => {
    const { notifier, shown } = setup();
    notifier.update(state(expiringJwt(), { ...fresh(), id: 'paper', name: 'Paper' }));
    notifier.update(state(expiringJwt(), { ...refreshing(), id: 'paper', name: 'Paper' }));
    notifier.update(state(expiringJwt(), { ...fresh({ token: newToken }), id: 'paper', name: 'Paper' }));
    expect(shown()).toEqual([]);
  });

  it('stays quiet between the cutoff and the ready-by time: no state change, no reminder', () => {
    let quiet = true;
    const { notifier, shown } = setup({ quiet: (id) => quiet && id === 'main' });
    notifier.update(state(stale()));
    expect(notifier.update(state(needsSignIn()))).toEqual([]);
    expect(notifier.remind({ profileId: 'main', need: 'sign-in', event: 'resume' }, state(needsSignIn()))).toBeNull();
    expect(shown()).toEqual([]);
    quiet = false;
    expect(notifier.remind({ profileId: 'main', need: 'sign-in', event: 'ready-by' }, state(needsSignIn()))?.kind).toBe('sign-in-needed');
    expect(shown()).toEqual(['Sign in to Torus: Main']);
  });

  it('a reminder and a state change of the same kind within 60 s are one notification', () => {
    const { notifier, shown, advance } = setup();
    notifier.update(state(stale()));
    // The login check: the refresh is refused (state change), then the login reminder.
    expect(notifier.update(state(needsSignIn()))).toHaveLength(1);
    advance(2_000);
    expect(notifier.remind({ profileId: 'main', need: 'sign-in', event: 'login' }, state(needsSignIn()))).toBeNull();
    expect(shown()).toEqual(['Sign in to Torus: Main']);
    // The other order: a wake reminder first, then the state change.
    advance(SAME_MOMENT_MS);
    expect(notifier.remind({ profileId: 'main', need: 'sign-in', event: 'resume' }, state(needsSignIn()))?.kind).toBe('sign-in-needed');
    advance(1_000);
    notifier.update(state(refreshing()));
    expect(notifier.update(state(needsSignIn(NOW + SAME_MOMENT_MS)))).toEqual([]);
    expect(shown()).toEqual(['Sign in to Torus: Main', 'Sign in to Torus: Main']);
    // A failure reminder and a failure notice: the same.
    advance(SAME_MOMENT_MS);
    notifier.update(state(stale()));
    expect(notifier.remind({ profileId: 'main', need: 'failed', event: 'unlock' }, state(failed()))?.kind).toBe('reminder');
    expect(notifier.update(state(failed()))).toEqual([]);
    expect(shown()).toEqual(['Sign in to Torus: Main', 'Sign in to Torus: Main', 'Torus token not ready: Main']);
  });

  it('dedupes by profile and kind: another profile, or another kind, is still told', () => {
    const { notifier, shown, advance } = setup();
    const paper = (p: ProfileView): ProfileView => ({ ...p, id: 'paper', name: 'Paper' });
    notifier.update(state(fresh({ token: jwtToken }), paper(stale())));
    // Main: told that its JWT expires (a sign-in request); Paper: refused at the same moment.
    expect(notifier.update(state(expiringJwt(), paper(needsSignIn()))).map((s) => [s.profileId, s.kind])).toEqual([
      ['main', 'expiring-needs-sign-in'],
      ['paper', 'sign-in-needed'],
    ]);
    advance(5_000);
    // Main: a failure in between (another kind) is told…
    expect(notifier.update(state(expiringJwt({ lastError: failure('Torus did not answer in time.', NOW + 5_000) }), paper(needsSignIn())))).toHaveLength(1);
    advance(5_000);
    // …and does not make a sign-in request of the same moment news again.
    expect(notifier.update(state(needsSignIn(NOW + 10_000, { token: jwtToken }), paper(needsSignIn())))).toEqual([]);
    expect(shown()).toEqual(['Torus token expires soon: Main', 'Sign in to Torus: Paper', 'Token refresh failed: Main']);
  });

  it('a reminder follows the state it finds: nothing when the trader already acted, the current need otherwise', () => {
    const { notifier, shown, onSignIn } = setup();
    expect(notifier.remind({ profileId: 'main', need: 'sign-in', event: 'ready-by' }, state(fresh({ token: newToken })))).toBeNull();
    expect(notifier.remind({ profileId: 'main', need: 'sign-in', event: 'ready-by' }, state(refreshing()))).toBeNull();
    expect(notifier.remind({ profileId: 'gone', need: 'sign-in', event: 'ready-by' }, state(needsSignIn()))).toBeNull();
    expect(shown()).toEqual([]);
    // Reminded of a failure, but Torus has since refused: ask for the sign-in.
    expect(notifier.remind({ profileId: 'main', need: 'failed', event: 'login' }, state(needsSignIn()))?.kind).toBe('sign-in-needed');
    fake.__test.lastNotification().click();
    expect(onSignIn).toHaveBeenCalledWith('main');
  });

  it('decides but shows nothing where notifications are unsupported', () => {
    fake.__test.world.notificationsSupported = false;
    const { notifier } = setup();
    notifier.update(state(stale()));
    expect(notifier.update(state(failed())).map((s) => s.kind)).toEqual(['refresh-failed']);
    expect(fake.__test.notifications).toHaveLength(0);
  });

  it('dispose closes what is still on screen', () => {
    const { notifier } = setup();
    notifier.update(state(stale(), { ...stale(), id: 'paper', name: 'Paper' }));
    notifier.update(state(needsSignIn(), { ...failed(), id: 'paper', name: 'Paper' }));
    const shown = fake.__test.notifications.map((n) => n.notification);
    expect(shown).toHaveLength(2);
    shown[0]!.click();
    notifier.dispose();
    expect(shown.map((n) => n.closed)).toEqual([false, true]);
  });

  it('no text of any notification carries a token, its mask or its fingerprint', () => {
    const { notifier, advance } = setup();
    const sequence = [stale(), needsSignIn(), fresh({ token: newToken }), failed(`Bad reply ${JWT}`, NOW + 1), fresh({ token: jwtToken }), expiringJwt()];
    for (const p of sequence) {
      notifier.update(state(p));
      advance(SAME_MOMENT_MS);
    }
    notifier.remind({ profileId: 'main', need: 'failed', event: 'login' }, state(failed(`Bad reply ${JWT}`)));
    expect(fake.__test.notifications.length).toBeGreaterThanOrEqual(5);
    for (const shown of fake.__test.notifications) expectNoSecret(shown, token(), newToken, jwtToken);
  });
});
