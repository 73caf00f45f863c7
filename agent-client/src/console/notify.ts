/**
 * Desktop notifications for offers, for the agent whose console sits in a background tab. The
 * permission is asked only when the agent presses the button (browsers ignore or penalise asking
 * on load); a notification is shown only when permission was granted and the page is not in focus.
 */

export interface NotificationLike {
  onclick: ((ev: unknown) => void) | null;
  close(): void;
}

export interface NotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): NotificationLike;
}

function defaultApi(): NotificationApi | null {
  return (globalThis as { Notification?: NotificationApi }).Notification ?? null;
}

export class OfferNotifier {
  private readonly api: NotificationApi | null;
  private current: { key: string; n: NotificationLike } | null = null;

  constructor(api: NotificationApi | null = defaultApi()) {
    this.api = api;
  }

  get supported(): boolean {
    return this.api !== null;
  }

  /** 'unsupported' when the browser has no Notification API. */
  get permission(): NotificationPermission | 'unsupported' {
    return this.api ? this.api.permission : 'unsupported';
  }

  /** Asks for permission (call from a click). */
  async request(): Promise<NotificationPermission | 'unsupported'> {
    if (!this.api) return 'unsupported';
    try {
      return await this.api.requestPermission();
    } catch {
      return this.api.permission;
    }
  }

  /** Shows a notification (replacing the previous one) when permission was granted. */
  show(key: string, title: string, body: string, onClick: () => void): boolean {
    if (this.api?.permission !== 'granted') return false;
    this.close();
    try {
      const n = new this.api(title, { body, tag: 'switchboard-offer', requireInteraction: true });
      n.onclick = () => {
        onClick();
        n.close();
      };
      this.current = { key, n };
      return true;
    } catch {
      // some browsers allow notifications only from a service worker
      return false;
    }
  }

  /** Closes the notification shown for `key` (or any, without a key). */
  close(key?: string): void {
    if (!this.current || (key !== undefined && this.current.key !== key)) return;
    try {
      this.current.n.close();
    } catch {
      // already gone
    }
    this.current = null;
  }
}
