/** `Notification`: shown notifications are recorded; tests click them as the user would. */
import type * as Electron from 'electron';
import { FakeEmitter, fakeEvent } from './emitter.js';
import type { Mirror } from './mirror.js';
import type { FakeWorld } from './world.js';

export type FakeNotificationOptions = Electron.NotificationConstructorOptions;

export class FakeNotification extends FakeEmitter implements Mirror<Electron.Notification, FakeNotification> {
  readonly options: FakeNotificationOptions;
  shown = false;
  closed = false;

  constructor(
    private readonly world: FakeWorld,
    options: FakeNotificationOptions = {},
  ) {
    super();
    this.options = { ...options };
    world.notifications.push(this);
  }
  get title(): string {
    return this.options.title ?? '';
  }
  get body(): string {
    return this.options.body ?? '';
  }
  get silent(): boolean {
    return this.options.silent ?? false;
  }
  show(): void {
    this.shown = true;
    this.world.shownNotifications.push({ notification: this, title: this.title, body: this.body });
    this.emit('show', fakeEvent());
  }
  close(): void {
    this.closed = true;
    this.emit('close', fakeEvent({ reason: 'unknown' }));
  }
  /** The user clicks the notification. */
  click(): void {
    this.emit('click', fakeEvent());
  }
}

export function createNotificationClass(world: FakeWorld) {
  return class Notification extends FakeNotification {
    constructor(options: FakeNotificationOptions = {}) {
      super(world, options);
    }
    static isSupported(): boolean {
      return world.notificationsSupported;
    }
  } satisfies Pick<typeof Electron.Notification, 'isSupported'> & (new (options?: Electron.NotificationConstructorOptions) => FakeNotification);
}
