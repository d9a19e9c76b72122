/**
 * Typing the fake against Electron's own declarations (node_modules/electron/electron.d.ts).
 *
 * `class FakeTray implements Mirror<Electron.Tray, FakeTray>` makes every member the fake shares
 * by name with the real class carry Electron's signature: when Electron changes one (a
 * parameter, a return type, a sync API turning async), `tsc` fails here instead of a test
 * passing against an API that no longer exists. Members only the fake has are the test's
 * controls (`click()`, `navigate()`, …) and are not checked.
 *
 * Two kinds of member are left out of the automatic check, on purpose:
 * - the event-emitter methods: Electron declares one overload per event, which a generic
 *   emitter cannot implement; the app's listeners are typed by the real declarations anyway,
 *   because the app compiles against `electron.d.ts`, not against the fake;
 * - members whose value is another Electron object (a window's `webContents`, a menu item's
 *   `submenu`): the fake holds a fake there. They are named in `Fakes` with the fake that
 *   stands in, and a method returning one keeps Electron's parameters (`Returning`).
 */

export type EmitterKey =
  | 'on'
  | 'once'
  | 'off'
  | 'addListener'
  | 'removeListener'
  | 'removeAllListeners'
  | 'emit'
  | 'listenerCount'
  | 'listeners'
  | 'rawListeners'
  | 'eventNames'
  | 'prependListener'
  | 'prependOnceListener'
  | 'setMaxListeners'
  | 'getMaxListeners';

/** A function type with Electron's parameters and the fake's return type. */
export type Returning<F, R> = F extends (...args: infer A) => unknown ? (...args: A) => R : never;

type Substituted<Real, K extends keyof Real, Fakes> = K extends keyof Fakes
  ? Real[K] extends (...args: never[]) => unknown
    ? Returning<Real[K], Fakes[K]>
    : Fakes[K]
  : Real[K];

/** What a fake (`Self`) must implement of the real Electron type (`Real`); see above. */
export type Mirror<Real, Self, Fakes extends { [K in keyof Real]?: unknown } = object> = {
  [K in Exclude<Extract<keyof Self, keyof Real>, EmitterKey>]: Substituted<Real, K, Fakes>;
};
