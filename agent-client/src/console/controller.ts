/**
 * The agent console's routing: state selector, offers, queues and "My work", driven by the staff
 * connection's events (staff.setup, agent.state, offer, offer.gone, agent.work) and sending
 * agent.state.set, offer.accept / offer.decline, contact.end and contact.wrapup.
 *
 * Events of the first frame after hello arrive before the connection reports "connected" (they
 * share a frame with the hello reply), so nothing is cleared on connect; lists are replaced by the
 * next agent.work, and the wrap-up forms the agent is typing in survive reconnects.
 */
import {
  checkStateChoice,
  classifyState,
  stateAlertText,
  stateLabel,
  type StateLike,
  type Status,
} from './agent-state';
import { languageName, waitingText, workStateLabel, workTitle } from './format';
import { OfferNotifier } from './notify';
import {
  countdownText,
  offerAnnouncement,
  offerDocumentTitle,
  offerFromEvent,
  offerFromWorkItem,
  offerHeading,
  offerNotificationBody,
  offerWaitedMs,
  type OfferView,
} from './offer';
import { OfferSound } from './sound';
import { TitleAlert } from './title';
import type { ConsoleUI } from './ui';
import { checkWrapup, notesCounterText, wrapupFieldOf, type WrapupField } from './wrapup';
import { everySecond, formatElapsed, monotonicNow, ServerClock, timeOfDay } from '../common/clock';
import { button, choice, el, field, setBusy, setFieldError, setText } from '../common/dom';
import { errorOf, RequestError, type Connection, type ConnectionState } from '../net/connection';
import type { AgentState, AgentWork, HelloReply, StaffSetup, WorkItem } from '../proto/schema.gen';

export interface ConsoleDeps {
  doc?: Document;
  /** Monotonic clock (ms) for countdowns. */
  mono?: () => number;
  /** Wall clock (ms). */
  wall?: () => number;
  sound?: OfferSound;
  notifier?: OfferNotifier;
  title?: TitleAlert;
  /** Whether the page has the keyboard focus (document.hasFocus()). */
  hasFocus?: () => boolean;
  /** Brings the browser window forward (window.focus()). */
  focusWindow?: () => void;
  /** Starts the once-a-second tick; returns the function that stops it. */
  startTicker?: (fn: () => void) => () => void;
  /**
   * An accepted chat: show it and put the keyboard in its message box (the chat panel does it once
   * the chat is open). Without it, the focus goes to the contact's End button in My work.
   */
  openChat?: (contactId: string) => void;
}

/** Whether the console may move the keyboard focus to a new offer's Accept button. */
export function mayTakeFocus(doc: Document, pageHasFocus: boolean): boolean {
  if (!pageHasFocus) return false;
  const a = doc.activeElement;
  if (!a || a === doc.body || a === doc.documentElement) return true;
  if (a instanceof HTMLElement && a.isContentEditable) return false;
  const tag = a.tagName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return false;
  // any control inside a form the agent is filling in (wrap-up, status)
  return a.closest('form') === null;
}

interface WrapupEls {
  form: HTMLFormElement;
  disposition: HTMLSelectElement;
  codes: HTMLFieldSetElement;
  checkboxes: HTMLInputElement[];
  notes: HTMLTextAreaElement;
  counter: HTMLElement;
  errors: Record<WrapupField, HTMLElement>;
  formError: HTMLElement;
  submit: HTMLButtonElement;
  busy: boolean;
}

interface ItemEls {
  item: WorkItem;
  li: HTMLLIElement;
  title: HTMLHeadingElement;
  state: HTMLElement;
  lang: HTMLElement;
  timerLabel: HTMLElement;
  timer: HTMLElement;
  actions: HTMLElement;
  /** "Left at 14:02, can come back until 14:17": the customer's connection closed. */
  away: HTMLElement;
  end: HTMLButtonElement | null;
  endBusy: boolean;
  error: HTMLElement;
  wrapup: WrapupEls | null;
  submitted: boolean;
}

const RECENT_MS = 10_000;

export class ConsoleController {
  private readonly ui: ConsoleUI;
  private readonly doc: Document;
  private readonly mono: () => number;
  private readonly clock: ServerClock;
  private readonly sound: OfferSound;
  private readonly notifier: OfferNotifier;
  private readonly title: TitleAlert;
  private readonly hasFocus: () => boolean;
  private readonly focusWindow: () => void;
  private readonly startTicker: (fn: () => void) => () => void;
  private readonly openChat: ((contactId: string) => void) | null;

  private conn: Connection | null = null;
  private unsubscribe: Array<() => void> = [];
  private stopTicker: (() => void) | null = null;
  private connectedOnce = false;
  /** The clock was synced on the current connection (offers from agent.work need it). */
  private clockFresh = false;
  private setupTimer: ReturnType<typeof setTimeout> | null = null;

  private setup: StaffSetup | null = null;
  private state: StateLike | null = null;
  private requested: { state: StateLike; at: number } | null = null;
  private lastExpiryAt = -Infinity;
  private stateBusy = false;

  private offer: OfferView | null = null;
  private offerBusy = false;
  private lastChimeAt = 0;
  /** Offers already dealt with: a late agent.work never brings their card back. */
  private readonly finishedOffers = new Set<number>();

  private work: WorkItem[] = [];
  private lastWork: AgentWork | null = null;
  private readonly items = new Map<string, ItemEls>();
  private pendingFocus: { contactId: string; target: 'end' | 'wrapup' } | null = null;

  constructor(ui: ConsoleUI, deps: ConsoleDeps = {}) {
    this.ui = ui;
    this.doc = deps.doc ?? document;
    this.mono = deps.mono ?? monotonicNow;
    this.clock = new ServerClock(deps.wall ?? (() => Date.now()));
    this.sound = deps.sound ?? new OfferSound();
    this.notifier = deps.notifier ?? new OfferNotifier();
    this.title = deps.title ?? new TitleAlert(this.doc);
    this.hasFocus = deps.hasFocus ?? (() => this.doc.hasFocus());
    this.focusWindow =
      deps.focusWindow ??
      (() => {
        window.focus();
      });
    this.startTicker = deps.startTicker ?? everySecond;
    this.openChat = deps.openChat ?? null;
    this.wireControls();
  }

  // ----------------------------------------------------------------------------------------------
  // lifecycle

  /** Follows a (new) staff connection; call before it starts so the first events are seen. */
  attach(conn: Connection): void {
    this.detach();
    this.conn = conn;
    this.ui.settings.hidden = false;
    this.unsubscribe = [
      conn.onState((s) => {
        this.onConnState(s);
      }),
      conn.on('staff.setup', (b) => {
        this.onSetup(b);
      }),
      conn.on('agent.state', (b) => {
        this.onAgentState(b);
      }),
      conn.on('offer', (b) => {
        this.clock.sync(b.deadline_ms - b.remaining_ms);
        this.showOffer(offerFromEvent(b, this.mono));
      }),
      conn.on('offer.gone', (b) => {
        if (b.reason === 'expired') this.lastExpiryAt = this.mono();
        if (this.offer?.offerId === b.offer_id)
          this.removeOffer(b.reason === 'expired' ? 'Offer expired' : 'The customer left', 'assertive');
        this.finishedOffers.add(b.offer_id);
      }),
      conn.on('agent.work', (b) => {
        this.onWork(b);
      }),
    ];
    this.stopTicker ??= this.startTicker(() => {
      this.tick();
    });
  }

  /** After every hello reply. */
  connected(hello: HelloReply): void {
    this.clock.sync(hello.server_time_ms);
    this.clockFresh = true;
    this.connectedOnce = true;
    if (this.lastWork) this.reconcileOffer(this.lastWork.items);
    this.tick();
    if (this.setupTimer !== null) clearTimeout(this.setupTimer);
    if (this.setup === null) {
      this.setupTimer = setTimeout(() => {
        this.setupTimer = null;
        if (this.setup === null)
          setText(this.ui.setupNote, 'Your account serves no queues, so no contacts are offered to you.');
      }, 2000);
    }
  }

  /** The login form replaced the app: forget everything. */
  signedOut(): void {
    this.detach();
    this.stopTicker?.();
    this.stopTicker = null;
    this.ui.settings.hidden = true;
    this.connectedOnce = false;
    this.setup = null;
    this.state = null;
    this.requested = null;
    this.hideOfferCard();
    this.ui.offerResult.hidden = true;
    this.finishedOffers.clear();
    this.work = [];
    this.lastWork = null;
    for (const e of this.items.values()) e.li.remove();
    this.items.clear();
    this.ui.stale.hidden = true;
    this.ui.workNotice.hidden = true;
    setText(this.ui.waiting, '');
    setText(this.ui.queueList, '');
    setText(this.ui.stateCurrent, 'Status not known yet.');
    this.ui.stateAlert.hidden = true;
    setText(this.ui.setupNote, 'Loading your queues…');
    this.ui.setupNote.hidden = false;
    this.ui.stateFieldset.disabled = true;
    this.ui.stateSubmit.disabled = true;
    this.renderWorkEmpty();
  }

  private detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.conn = null;
    if (this.setupTimer !== null) clearTimeout(this.setupTimer);
    this.setupTimer = null;
  }

  private onConnState(s: ConnectionState): void {
    if (s.status !== 'connected') this.clockFresh = false;
    this.ui.stale.hidden = s.status === 'connected' || !this.connectedOnce;
  }

  /** Once a second: countdown, timers, repeated chime while the page is in the background. */
  tick(): void {
    const o = this.offer;
    if (o) {
      setText(this.ui.offerCountdown, countdownText(o));
      this.ui.offerProgress.max = Math.max(1, Math.ceil(o.countdown.totalMs / 1000));
      this.ui.offerProgress.value = o.countdown.secondsLeft();
      this.ui.offerCard.classList.toggle('offer-urgent', o.countdown.secondsLeft() <= 10);
      setText(this.ui.offerWaited, formatElapsed(offerWaitedMs(o)));
      if (!o.countdown.expired && !this.hasFocus() && this.mono() - this.lastChimeAt >= 10_000) {
        this.sound.chime();
        this.lastChimeAt = this.mono();
      }
    }
    for (const e of this.items.values()) this.renderTimer(e);
  }

  // ----------------------------------------------------------------------------------------------
  // header controls and keyboard

  private wireControls(): void {
    const ui = this.ui;
    if (this.sound.storedPreference()) {
      this.sound.enableLater();
      ui.soundToggle.checked = true;
      this.showSoundNote();
      const unlock = (): void => {
        void this.sound.unlock().then(() => {
          this.showSoundNote();
        });
      };
      this.doc.addEventListener('pointerdown', unlock, { once: true });
      this.doc.addEventListener('keydown', unlock, { once: true });
    }
    ui.soundToggle.addEventListener('change', () => {
      if (ui.soundToggle.checked) {
        void this.sound.enable().then(() => {
          this.showSoundNote();
        });
      } else {
        this.sound.disable();
        this.showSoundNote();
      }
    });
    this.renderNotifyControls();
    ui.notifyButton.addEventListener('click', () => {
      void this.notifier.request().then(() => {
        this.renderNotifyControls();
      });
    });

    ui.offerAccept.addEventListener('click', () => {
      this.accept();
    });
    ui.offerDecline.addEventListener('click', () => {
      this.decline();
    });
    this.doc.addEventListener('keydown', (ev) => {
      if (ev.altKey && ev.shiftKey && !ev.ctrlKey && !ev.metaKey && ev.code === 'KeyO' && this.offer) {
        ev.preventDefault();
        ui.offerAccept.focus();
      }
    });

    for (const r of Object.values(ui.stateRadios)) {
      r.addEventListener('change', () => {
        this.renderReasonField();
      });
    }
    ui.stateForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submitState();
    });
  }

  private showSoundNote(): void {
    const note = this.sound.enabled
      ? this.sound.blocked
        ? 'Sound starts after your next click or key press on this page.'
        : ''
      : '';
    setText(this.ui.soundNote, note);
    this.ui.soundNote.hidden = note === '';
  }

  private renderNotifyControls(): void {
    const p = this.notifier.permission;
    this.ui.notifyButton.hidden = p !== 'default';
    const text =
      p === 'granted'
        ? 'Desktop notifications on'
        : p === 'denied'
          ? 'Desktop notifications are blocked in this browser'
          : '';
    setText(this.ui.notifyStatus, text);
    this.ui.notifyStatus.hidden = text === '';
  }

  private announce(text: string, how: 'polite' | 'assertive'): void {
    const region = how === 'assertive' ? this.ui.assertive : this.ui.polite;
    // clearing first makes a repeated message be announced again
    region.textContent = '';
    region.textContent = text;
  }

  // ----------------------------------------------------------------------------------------------
  // setup and agent state

  private onSetup(s: StaffSetup): void {
    this.setup = s;
    if (this.setupTimer !== null) clearTimeout(this.setupTimer);
    this.setupTimer = null;
    const select = this.ui.reasonSelect;
    const chosen = select.value;
    const placeholder = el('option', { text: 'Choose a reason', attrs: { value: '' } }, this.doc);
    select.replaceChildren(
      placeholder,
      ...s.away_reasons.map((r) => el('option', { text: r, attrs: { value: r } }, this.doc)),
    );
    select.value = s.away_reasons.includes(chosen) ? chosen : '';
    this.ui.stateFieldset.disabled = false;
    this.ui.stateSubmit.disabled = false;
    this.ui.setupNote.hidden = true;
    setText(
      this.ui.queueList,
      s.queues.length > 0 ? `Your queues: ${s.queues.map((q) => q.name || q.id).join(', ')}` : '',
    );
    this.syncStateForm();
    this.renderWork();
  }

  private onAgentState(b: AgentState): void {
    const next: StateLike = { status: b.status, reason: b.reason };
    const requested =
      this.requested && this.mono() - this.requested.at < RECENT_MS ? this.requested.state : null;
    const origin = classifyState({
      next,
      previous: this.state,
      requested,
      recentExpiry: this.mono() - this.lastExpiryAt < RECENT_MS,
    });
    this.state = next;
    if (origin === 'self') this.requested = null;
    const since = timeOfDay(this.clock.toLocalDate(b.since_ms));
    setText(this.ui.stateCurrent, `You are ${stateLabel(next)} (since ${since}).`);
    this.ui.stateCurrent.dataset.status = next.status;
    const alert = stateAlertText(origin, next);
    if (alert !== null) {
      setText(this.ui.stateAlert, alert);
      this.ui.stateAlert.hidden = false;
    } else if (origin === 'self' || next.status === 'available') {
      this.ui.stateAlert.hidden = true;
    }
    this.syncStateForm();
  }

  /** Shows the current state in the form, unless the agent is busy with the form. */
  private syncStateForm(): void {
    const s = this.state;
    if (!s || this.ui.stateForm.contains(this.doc.activeElement)) return;
    this.ui.stateRadios[s.status].checked = true;
    if (s.status === 'away' && s.reason !== undefined && this.setup?.away_reasons.includes(s.reason))
      this.ui.reasonSelect.value = s.reason;
    this.renderReasonField();
  }

  private chosenStatus(): Status | '' {
    for (const [k, r] of Object.entries(this.ui.stateRadios)) if (r.checked) return k as Status;
    return '';
  }

  private renderReasonField(): void {
    this.ui.reasonField.hidden = this.chosenStatus() !== 'away';
  }

  private showStateError(message: string, invalidReason: boolean): void {
    setText(this.ui.stateError, message);
    if (invalidReason) this.ui.reasonSelect.setAttribute('aria-invalid', 'true');
    else this.ui.reasonSelect.removeAttribute('aria-invalid');
  }

  private submitState(): void {
    if (this.stateBusy) return;
    const check = checkStateChoice(
      this.chosenStatus(),
      this.ui.reasonSelect.value,
      this.setup?.away_reasons ?? [],
    );
    if (!check.ok) {
      this.showStateError(check.message, check.field === 'reason');
      if (check.field === 'reason') this.ui.reasonSelect.focus();
      else this.ui.stateRadios.available.focus();
      return;
    }
    this.showStateError('', false);
    const conn = this.conn;
    if (!conn) return;
    this.stateBusy = true;
    setBusy(this.ui.stateSubmit, true, 'Setting status…');
    const wanted: StateLike = { status: check.body.status, reason: check.body.reason };
    this.requested = { state: wanted, at: this.mono() };
    conn
      .request('agent.state.set', check.body)
      .then(
        (rep) => {
          this.announce(`Status set: ${stateLabel({ status: rep.status, reason: rep.reason })}.`, 'polite');
          this.ui.stateAlert.hidden = true;
        },
        (e: unknown) => {
          this.requested = null;
          const err = errorOf(e);
          if (err.code === 'BAD_FIELD' && err.field === 'reason')
            this.showStateError('Choose one of the listed reasons for Away.', true);
          else if (err.code === 'FORBIDDEN')
            this.showStateError('Your account takes no contacts, so it has no status to set.', false);
          else this.showStateError(this.failure('Could not change your status', err), false);
        },
      )
      .finally(() => {
        this.stateBusy = false;
        setBusy(this.ui.stateSubmit, false, 'Set status');
      });
  }

  /** "Could not …: why. Try again." for an error the agent can do something about. */
  private failure(what: string, err: RequestError): string {
    switch (err.code) {
      case 'NOT_CONNECTED':
      case 'DISCONNECTED':
        return `${what}: not connected. Try again once the console has reconnected.`;
      case 'TIMEOUT':
        return `${what}: the server did not answer. Try again.`;
      case 'RATE_LIMITED':
        return `${what}: too many requests. Wait a moment and try again.`;
      default:
        return err.retryable
          ? `${what}: the server is busy (${err.message}). Try again in a moment.`
          : `${what}: ${err.message}.`;
    }
  }

  // ----------------------------------------------------------------------------------------------
  // offers

  private showOffer(o: OfferView): void {
    if (this.finishedOffers.has(o.offerId)) return;
    if (this.offer?.offerId === o.offerId) return;
    const ui = this.ui;
    this.offer = o;
    this.offerBusy = false;
    setText(ui.offerTitle, offerHeading(o.channel));
    setText(ui.offerQueue, o.queueName || o.queue);
    setText(ui.offerLanguage, languageName(o.language));
    setText(ui.offerError, '');
    setBusy(ui.offerAccept, false, 'Accept');
    setBusy(ui.offerDecline, false, 'Decline');
    ui.offerCard.dataset.offerId = String(o.offerId);
    ui.offerCard.dataset.channel = o.channel;
    ui.offerResult.hidden = true;
    ui.offerCard.hidden = false;
    this.tick();
    this.title.show(offerDocumentTitle(o.channel));
    this.announce(offerAnnouncement(o), 'assertive');
    this.sound.chime();
    this.lastChimeAt = this.mono();
    if (!this.hasFocus()) {
      this.notifier.show(String(o.offerId), offerHeading(o.channel), offerNotificationBody(o), () => {
        this.focusWindow();
        ui.offerAccept.focus();
      });
    }
    if (mayTakeFocus(this.doc, this.hasFocus())) ui.offerAccept.focus();
  }

  private hideOfferCard(): boolean {
    const hadFocus = this.ui.offerCard.contains(this.doc.activeElement);
    if (this.offer) this.finishedOffers.add(this.offer.offerId);
    this.offer = null;
    this.offerBusy = false;
    this.ui.offerCard.hidden = true;
    delete this.ui.offerCard.dataset.offerId;
    this.title.restore();
    this.notifier.close();
    return hadFocus;
  }

  /** Takes the card away and says why (visibly, and to screen readers). */
  private removeOffer(
    message: string,
    how: 'polite' | 'assertive',
    focusContact?: string,
    focusChat?: () => void,
  ): void {
    const hadFocus = this.hideOfferCard();
    const ui = this.ui;
    setText(ui.offerResult, `${message} (${timeOfDay(new Date(this.clock.now()))})`);
    ui.offerResult.dataset.result = message;
    ui.offerResult.hidden = false;
    this.announce(message, how);
    if (!hadFocus) return;
    if (focusChat) {
      // the result keeps the focus until the chat is open
      ui.offerResult.focus();
      focusChat();
    } else if (focusContact !== undefined) {
      this.pendingFocus = { contactId: focusContact, target: 'end' };
      this.applyPendingFocus();
    } else {
      ui.offerResult.focus();
    }
  }

  private setOfferBusy(which: 'accept' | 'decline' | null): void {
    const ui = this.ui;
    this.offerBusy = which !== null;
    // both wait for the answer; the one pressed says so
    setBusy(ui.offerAccept, which !== null, which === 'accept' ? 'Accepting…' : 'Accept');
    setBusy(ui.offerDecline, which !== null, which === 'decline' ? 'Declining…' : 'Decline');
  }

  private accept(): void {
    const o = this.offer;
    const conn = this.conn;
    if (!o || !conn || this.offerBusy) return;
    this.setOfferBusy('accept');
    setText(this.ui.offerError, '');
    conn.request('offer.accept', { offer_id: o.offerId }).then(
      (rep) => {
        if (this.offer?.offerId !== o.offerId) return;
        const openChat = this.openChat;
        const toChat = o.channel === 'chat' && openChat !== null;
        this.removeOffer(
          toChat
            ? `Accepted: the chat (${o.queueName || o.queue}) is open in Chats`
            : `Accepted: ${workTitle({ channel: o.channel, queue: o.queue, queue_name: o.queueName })} is in My work`,
          'polite',
          rep.contact_id,
          toChat
            ? () => {
                openChat(rep.contact_id);
              }
            : undefined,
        );
      },
      (e: unknown) => {
        if (this.offer?.offerId !== o.offerId) return;
        this.offerRefused(errorOf(e), 'Could not accept');
      },
    );
  }

  private decline(): void {
    const o = this.offer;
    const conn = this.conn;
    if (!o || !conn || this.offerBusy) return;
    this.setOfferBusy('decline');
    setText(this.ui.offerError, '');
    conn.request('offer.decline', { offer_id: o.offerId }).then(
      () => {
        if (this.offer?.offerId !== o.offerId) return;
        this.removeOffer('Offer declined', 'polite');
      },
      (e: unknown) => {
        if (this.offer?.offerId !== o.offerId) return;
        this.offerRefused(errorOf(e), 'Could not decline');
      },
    );
  }

  private offerRefused(err: RequestError, what: string): void {
    switch (err.code) {
      case 'OFFER_EXPIRED':
        this.lastExpiryAt = this.mono();
        this.removeOffer('Offer expired', 'assertive');
        return;
      case 'OFFER_WITHDRAWN':
        this.removeOffer('The customer left', 'assertive');
        return;
      case 'NOT_FOUND':
      case 'CONFLICT':
      case 'FORBIDDEN':
        this.removeOffer('This offer is no longer available', 'assertive');
        return;
      default:
        this.setOfferBusy(null);
        setText(this.ui.offerError, this.failure(what, err));
    }
  }

  /** agent.work is the truth: an offer it no longer lists is gone; one it lists is shown. */
  private reconcileOffer(items: readonly WorkItem[]): void {
    const o = this.offer;
    if (o && !this.offerBusy && !items.some((i) => i.state === 'offered' && i.offer_id === o.offerId)) {
      this.removeOffer('This offer is no longer available', 'polite');
    }
    if (!this.offer && this.clockFresh) {
      for (const i of items) {
        if (i.state !== 'offered' || i.offer_id === undefined || this.finishedOffers.has(i.offer_id))
          continue;
        const v = offerFromWorkItem(i, this.clock.now(), this.mono);
        if (v) this.showOffer(v);
        break;
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // my work

  private onWork(b: AgentWork): void {
    this.lastWork = b;
    this.work = b.items;
    setText(this.ui.waiting, waitingText(b.waiting));
    this.ui.waiting.dataset.waiting = String(b.waiting);
    this.renderWork();
    this.reconcileOffer(b.items);
  }

  private renderWorkEmpty(): void {
    this.ui.workEmpty.hidden = this.items.size > 0;
  }

  private renderWork(): void {
    const list = this.ui.workList;
    const active = this.doc.activeElement;
    const keep = new Set(this.work.map((i) => i.contact_id));
    for (const [id, e] of [...this.items]) {
      if (keep.has(id)) continue;
      this.itemGone(e);
      this.items.delete(id);
    }
    this.work.forEach((item, index) => {
      let e = this.items.get(item.contact_id);
      if (!e) {
        e = this.createItem(item);
        this.items.set(item.contact_id, e);
      }
      this.updateItem(e, item);
      if (list.children[index] !== e.li) {
        const refocus = e.li.contains(active) ? active : null;
        list.insertBefore(e.li, list.children[index] ?? null);
        if (refocus instanceof HTMLElement) refocus.focus();
      }
    });
    this.renderWorkEmpty();
    this.applyPendingFocus();
  }

  private itemGone(e: ItemEls): void {
    const hadFocus = e.li.contains(this.doc.activeElement);
    const title = workTitle(e.item);
    // what can take a contact away today: the wrap-up time limit, or a disconnection longer
    // than the grace period (routing.md, "Agents who disconnect")
    if (e.item.state === 'wrapping' && !e.submitted) {
      this.workNotice(
        `${title}: the wrap-up closed before you submitted it (its time limit passed, or the console was disconnected for too long); Switchboard completed it with the default code.`,
      );
    } else if (e.item.state === 'assigned') {
      this.workNotice(
        `${title} is no longer yours: it went back to the queue while the console was disconnected.`,
      );
    }
    e.li.remove();
    if (hadFocus) this.ui.workHeading.focus();
  }

  private workNotice(text: string): void {
    setText(this.ui.workNotice, text);
    this.ui.workNotice.hidden = false;
    this.announce(text, 'polite');
  }

  private createItem(item: WorkItem): ItemEls {
    const d = this.doc;
    const li = el(
      'li',
      {
        id: `work-${item.contact_id}`,
        className: 'work-item',
        attrs: { 'data-contact-id': item.contact_id },
      },
      d,
    );
    const title = el('h3', { id: `work-${item.contact_id}-title`, className: 'work-title' }, d);
    li.setAttribute('aria-labelledby', title.id);
    const meta = el('p', { className: 'work-meta' }, d);
    const state = el('span', { className: 'work-state' }, d);
    const lang = el('span', { className: 'work-lang' }, d);
    const timerLabel = el('span', {}, d);
    const timer = el('span', { className: 'work-timer' }, d);
    const stateBox = el('span', {}, d);
    stateBox.append(el('span', { className: 'meta-label', text: 'State: ' }, d), state);
    const langBox = el('span', {}, d);
    langBox.append(el('span', { className: 'meta-label', text: 'Language: ' }, d), lang);
    const timeBox = el('span', {}, d);
    timeBox.append(timerLabel, timer);
    meta.append(stateBox, langBox, timeBox);
    const actions = el('div', { className: 'work-actions' }, d);
    const away = el('p', { id: `work-${item.contact_id}-away`, className: 'work-away' }, d);
    away.hidden = true;
    const error = el(
      'p',
      { id: `work-${item.contact_id}-error`, className: 'form-error', attrs: { role: 'alert' } },
      d,
    );
    li.append(title, meta, away, actions, error);
    return {
      item,
      li,
      title,
      state,
      lang,
      timerLabel,
      timer,
      actions,
      away,
      end: null,
      endBusy: false,
      error,
      wrapup: null,
      submitted: false,
    };
  }

  private updateItem(e: ItemEls, item: WorkItem): void {
    const stateChanged = e.item.state !== item.state;
    const leftBefore = e.item.customer_left_ms;
    e.item = item;
    this.renderAway(e, leftBefore);
    e.li.dataset.state = item.state;
    setText(e.title, workTitle(item));
    setText(e.state, workStateLabel(item.state));
    setText(e.lang, languageName(item.language));
    if (stateChanged) setText(e.error, '');
    // End for an assigned contact
    if (item.state === 'assigned' && !e.end) {
      const b = button(
        {
          id: `work-${item.contact_id}-end`,
          className: 'button work-end',
          text: 'End',
          attrs: { 'aria-describedby': e.title.id },
        },
        this.doc,
      );
      b.addEventListener('click', () => {
        this.endContact(e);
      });
      e.actions.append(b);
      e.end = b;
    } else if (item.state !== 'assigned' && e.end) {
      e.end.remove();
      e.end = null;
    }
    // the wrap-up form for a contact in wrap-up
    if (item.state === 'wrapping' && !e.wrapup && this.setup) {
      e.wrapup = this.createWrapup(e, this.setup);
      e.li.append(e.wrapup.form);
    } else if (item.state !== 'wrapping' && e.wrapup) {
      e.wrapup.form.remove();
      e.wrapup = null;
    }
    this.renderTimer(e);
  }

  /** The customer of an answered contact is disconnected: when, and until when they can come
   * back; the chat can be ended now (End stays). Announced once when it happens. */
  private renderAway(e: ItemEls, leftBefore: number | undefined): void {
    const i = e.item;
    const left = i.state === 'assigned' ? i.customer_left_ms : undefined;
    if (left === undefined || i.customer_back_by_ms === undefined) {
      e.away.hidden = true;
      setText(e.away, '');
      return;
    }
    const at = timeOfDay(this.clock.toLocalDate(left));
    const until = timeOfDay(this.clock.toLocalDate(i.customer_back_by_ms));
    const text = `Customer left at ${at}; they can come back until ${until}. You can end the chat now.`;
    setText(e.away, text);
    e.away.hidden = false;
    if (leftBefore !== left) this.announce(`${workTitle(i)}: the customer left at ${at}.`, 'polite');
  }

  private renderTimer(e: ItemEls): void {
    const i = e.item;
    const label =
      i.state === 'offered' ? 'Customer waiting: ' : i.state === 'wrapping' ? 'In wrap-up for ' : 'For ';
    const from = i.state === 'offered' ? i.enqueued_ms : i.since_ms;
    setText(e.timerLabel, label);
    setText(e.timer, formatElapsed(this.clock.since(from)));
  }

  private applyPendingFocus(): void {
    const p = this.pendingFocus;
    if (!p) return;
    const e = this.items.get(p.contactId);
    if (!e) return;
    if (p.target === 'end' && e.end) {
      e.end.focus();
      this.pendingFocus = null;
    } else if (e.wrapup) {
      e.wrapup.disposition.focus();
      this.pendingFocus = null;
    } else if (p.target === 'end' && e.item.state !== 'assigned') {
      this.pendingFocus = null;
    }
  }

  private endContact(e: ItemEls): void {
    const conn = this.conn;
    const b = e.end;
    if (!conn || !b || e.endBusy) return;
    e.endBusy = true;
    setBusy(b, true, 'Ending…');
    setText(e.error, '');
    const hadFocus = this.doc.activeElement === b;
    conn
      .request('contact.end', { contact_id: e.item.contact_id })
      .then(
        () => {
          this.announce(`${workTitle(e.item)} ended. Fill in the wrap-up.`, 'polite');
          if (hadFocus) {
            this.pendingFocus = { contactId: e.item.contact_id, target: 'wrapup' };
            this.applyPendingFocus();
          }
        },
        (err: unknown) => {
          const x = errorOf(err);
          setText(
            e.error,
            x.code === 'CONFLICT' || x.code === 'NOT_FOUND'
              ? 'This contact cannot be ended now; the list will update.'
              : this.failure('Could not end', x),
          );
        },
      )
      .finally(() => {
        e.endBusy = false;
        if (e.end) setBusy(e.end, false, 'End');
      });
  }

  // ----------------------------------------------------------------------------------------------
  // wrap-up

  private createWrapup(e: ItemEls, setup: StaffSetup): WrapupEls {
    const d = this.doc;
    const base = `wrapup-${e.item.contact_id}`;
    const form = el(
      'form',
      { id: base, className: 'wrapup-form', attrs: { novalidate: '', 'aria-labelledby': `${base}-heading` } },
      d,
    );
    const heading = el('h4', { id: `${base}-heading`, className: 'wrapup-heading', text: 'Wrap-up' }, d);
    // only a queue with a wrap-up time limit has one (its deadline is after the wrap-up began)
    const limitMs = (e.item.deadline_ms ?? 0) - e.item.since_ms;
    const hint = el(
      'p',
      {
        id: `${base}-hint`,
        className: 'muted',
        text:
          limitMs > 0
            ? `You have ${formatElapsed(limitMs)} for the wrap-up; when the time is up, Switchboard completes the contact with the default code.`
            : 'Submitting the wrap-up frees this contact’s slot for new work.',
      },
      d,
    );
    const errorEl = (field: string): HTMLElement =>
      el('p', { id: `${base}-${field}-error`, className: 'field-error' }, d);

    // disposition
    const disposition = el(
      'select',
      { id: `${base}-disposition`, attrs: { name: 'disposition', required: '' } },
      d,
    );
    disposition.append(
      el('option', { text: 'Choose a disposition', attrs: { value: '' } }, d),
      ...setup.dispositions.map((c) =>
        el('option', { text: c.label || c.code, attrs: { value: c.code } }, d),
      ),
    );
    const dispError = errorEl('disposition');
    disposition.setAttribute('aria-describedby', dispError.id);
    const dispField = field('Disposition (required)', disposition, { after: [dispError] }, d);

    // service codes
    const codes = el('fieldset', { id: `${base}-codes`, className: 'codes' }, d);
    codes.append(el('legend', { text: 'Service codes (choose all that apply)' }, d));
    const codesError = errorEl('codes');
    codes.setAttribute('aria-describedby', codesError.id);
    const grid = el('div', { className: 'codes-grid' }, d);
    const checkboxes = setup.service_codes.map((c) => {
      const cb = el(
        'input',
        { id: `${base}-code-${c.code}`, attrs: { type: 'checkbox', name: 'service_codes', value: c.code } },
        d,
      );
      grid.append(choice(cb, el('label', { text: c.label || c.code }, d), 'choice', d));
      return cb;
    });
    if (checkboxes.length === 0)
      grid.append(el('p', { className: 'muted', text: 'No service codes are configured.' }, d));
    codes.append(grid, codesError);

    // notes
    const notes = el('textarea', { id: `${base}-notes`, attrs: { name: 'notes', rows: '3' } }, d);
    const counter = el(
      'p',
      { id: `${base}-notes-counter`, className: 'muted counter', text: notesCounterText('') },
      d,
    );
    const notesError = errorEl('notes');
    notes.setAttribute('aria-describedby', `${counter.id} ${notesError.id}`);
    notes.addEventListener('input', () => {
      setText(counter, notesCounterText(notes.value));
    });
    const notesField = field('Notes (optional)', notes, { after: [counter, notesError] }, d);

    const formError = el('p', { id: `${base}-error`, className: 'form-error', attrs: { role: 'alert' } }, d);
    const submit = button(
      { id: `${base}-submit`, className: 'button', text: 'Submit wrap-up', type: 'submit' },
      d,
    );
    form.append(heading, hint, dispField, codes, notesField, formError, submit);

    const w: WrapupEls = {
      form,
      disposition,
      codes,
      checkboxes,
      notes,
      counter,
      errors: { disposition: dispError, service_codes: codesError, notes: notesError },
      formError,
      submit,
      busy: false,
    };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submitWrapup(e, w);
    });
    return w;
  }

  private showWrapupErrors(
    w: WrapupEls,
    errors: ReadonlyArray<{ field: WrapupField; message: string }>,
  ): void {
    const targets: Record<WrapupField, HTMLElement> = {
      disposition: w.disposition,
      service_codes: w.codes,
      notes: w.notes,
    };
    for (const f of ['disposition', 'service_codes', 'notes'] as const) {
      const err = errors.find((x) => x.field === f);
      setFieldError(targets[f], w.errors[f], err ? err.message : '');
    }
  }

  private submitWrapup(e: ItemEls, w: WrapupEls): void {
    const conn = this.conn;
    if (w.busy || !this.setup) return;
    const check = checkWrapup(
      {
        contactId: e.item.contact_id,
        disposition: w.disposition.value,
        serviceCodes: w.checkboxes.filter((c) => c.checked).map((c) => c.value),
        notes: w.notes.value,
      },
      this.setup,
    );
    setText(w.formError, '');
    if (!check.ok) {
      this.showWrapupErrors(w, check.errors);
      setText(w.formError, 'Check the fields marked above.');
      const first = check.errors[0]?.field;
      if (first === 'disposition') w.disposition.focus();
      else if (first === 'service_codes') (w.checkboxes[0] ?? w.codes).focus();
      else if (first === 'notes') w.notes.focus();
      return;
    }
    this.showWrapupErrors(w, []);
    if (!conn) {
      setText(
        w.formError,
        'Could not save the wrap-up: not connected. Try again once the console has reconnected.',
      );
      return;
    }
    w.busy = true;
    // the agent.work that drops the item may come before the reply: the item left as submitted
    e.submitted = true;
    setBusy(w.submit, true, 'Saving…');
    conn
      .request('contact.wrapup', check.body)
      .then(
        () => {
          this.announce(`Wrap-up saved for ${workTitle(e.item)}.`, 'polite');
        },
        (err: unknown) => {
          e.submitted = false;
          const x = errorOf(err);
          const field = x.code === 'BAD_FIELD' ? wrapupFieldOf(x.field) : null;
          if (field) {
            this.showWrapupErrors(w, [{ field, message: `The server refused this: ${x.message}.` }]);
            setText(w.formError, 'Check the fields marked above.');
            (field === 'disposition'
              ? w.disposition
              : field === 'notes'
                ? w.notes
                : (w.checkboxes[0] ?? w.codes)
            ).focus();
          } else if (x.code === 'NOT_FOUND' || x.code === 'CONFLICT' || x.code === 'FORBIDDEN') {
            setText(w.formError, 'This contact is no longer in wrap-up; the list will update.');
          } else {
            setText(w.formError, this.failure('Could not save the wrap-up', x));
          }
        },
      )
      .finally(() => {
        w.busy = false;
        setBusy(w.submit, false, 'Submit wrap-up');
      });
  }
}
