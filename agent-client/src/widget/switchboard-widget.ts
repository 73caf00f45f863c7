/**
 * <switchboard-chat>: the customer chat widget, one ES module that a host page loads with
 *
 *   <script type="module" src="https://SWITCHBOARD/widget/switchboard-widget.js"></script>
 *   <switchboard-chat lang="es"></switchboard-chat>
 *
 * Attributes:
 *   server  base URL of the Switchboard server ("https://chat.example.gov"); the widget connects to
 *           ws(s)://that host/ws/customer. Default: the origin this script was loaded from.
 *   lang    en or es (default: the page's language if Spanish, else English).
 *
 * Everything lives in an open shadow root, styled by a constructable stylesheet (no <style>
 * element, no style attributes: a strict CSP with style-src 'self' allows it). The resume token
 * from the hello reply is kept in sessionStorage ("switchboard.resume") and presented on reconnect
 * and after a reload, when the widget also reopens by itself.
 *
 * Views, after connecting: the pre-chat form (topic and language from customer.setup, then
 * contact.request), the waiting view (place in line and expected wait from contact.status, a polite
 * live region that speaks only when its text changes; "Leave the line" with a confirmation), and the
 * ended view (why, in the widget's language, beside the server's own message). A resumed customer
 * whose hello reply names an open contact goes straight to the waiting view.
 */
import css from './widget.css?inline';
import { customerSocketUrl } from './server-url';
import {
  applyStatus,
  initialModel,
  isFinal,
  requestErrorText,
  waitFor,
  type ContactModel,
} from './contact-view';
import {
  STRINGS,
  closedText,
  endText,
  languageName,
  languageOptionLabel,
  pickLang,
  pickLocale,
  queuedText,
  topicLabel,
  topicLanguages,
  type WidgetLang,
  type WidgetStrings,
} from './strings';
import { sessionTokenStore } from './token-store';
import { CLIENT_VERSION } from '../common/version';
import { Connection, RequestError, type ConnectionState, type TokenStore } from '../net/connection';
import type { CustomerSetup, ServerNotice, Topic } from '../proto/schema.gen';

export const TAG = 'switchboard-chat';

const MAX_NOTICES = 5;

let sharedSheet: CSSStyleSheet | null = null;

function styleSheet(): CSSStyleSheet {
  if (!sharedSheet) {
    sharedSheet = new CSSStyleSheet();
    sharedSheet.replaceSync(css);
  }
  return sharedSheet;
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  className = '',
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

type Tone = 'connecting' | 'connected' | 'reconnecting' | 'ended';

/** What the panel says for a connection state: status text, its tone, and the action offered. */
export function widgetStatus(
  s: ConnectionState,
  t: WidgetStrings,
): { text: string; tone: Tone; action: string | null } {
  switch (s.status) {
    case 'idle':
    case 'connecting':
      return { text: t.connecting, tone: 'connecting', action: null };
    case 'connected':
      return { text: t.connected, tone: 'connected', action: null };
    case 'reconnecting':
      return { text: t.reconnecting, tone: 'reconnecting', action: null };
    case 'closed':
      switch (s.reason) {
        case 'signed-out':
          return { text: t.ended, tone: 'ended', action: t.startNew };
        case 'replaced':
          return { text: t.replaced, tone: 'ended', action: t.continueHere };
        case 'error':
        case 'client':
          return { text: t.unavailable, tone: 'ended', action: t.tryAgain };
      }
  }
}

export class SwitchboardChat extends HTMLElement {
  static readonly observedAttributes = ['lang', 'server'];

  private readonly wrapper: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly intro: HTMLParagraphElement;
  private readonly status: HTMLParagraphElement;
  private readonly statusText: HTMLSpanElement;
  private readonly action: HTMLButtonElement;
  private readonly notices: HTMLUListElement;

  // pre-chat form
  private readonly prechat: HTMLElement;
  private readonly prechatTitle: HTMLHeadingElement;
  private readonly loading: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly closedAll: HTMLParagraphElement;
  private readonly topicSet: HTMLFieldSetElement;
  private readonly topicLegend: HTMLLegendElement;
  private readonly topicList: HTMLDivElement;
  private readonly topicNote: HTMLParagraphElement;
  private readonly languageLabel: HTMLLabelElement;
  private readonly languageSelect: HTMLSelectElement;
  private readonly languageNote: HTMLParagraphElement;
  private readonly prechatError: HTMLParagraphElement;
  private readonly startButton: HTMLButtonElement;

  // waiting
  private readonly waiting: HTMLElement;
  private readonly waitingTitle: HTMLHeadingElement;
  private readonly queueLine: HTMLParagraphElement;
  private readonly waitStatus: HTMLParagraphElement;
  private readonly waitNotice: HTMLParagraphElement;
  private readonly keepOpen: HTMLParagraphElement;
  private readonly leaveButton: HTMLButtonElement;
  private readonly leaveConfirm: HTMLDivElement;
  private readonly leaveQuestion: HTMLParagraphElement;
  private readonly leaveYes: HTMLButtonElement;
  private readonly leaveNo: HTMLButtonElement;
  private readonly leaveError: HTMLParagraphElement;

  // ended
  private readonly endedView: HTMLElement;
  private readonly endedTitle: HTMLHeadingElement;
  private readonly endReason: HTMLParagraphElement;
  private readonly endMessage: HTMLParagraphElement;
  private readonly newChat: HTMLButtonElement;

  private readonly tokens: TokenStore = sessionTokenStore();
  private conn: Connection | null = null;
  private connState: ConnectionState = { status: 'idle' };
  private uiLang: WidgetLang = 'en';

  private setup: CustomerSetup | null = null;
  /** setup and language the topic list was built for. */
  private builtFor: { setup: CustomerSetup; lang: WidgetLang } | null = null;
  private topicInputs: Array<{ topic: Topic; input: HTMLInputElement; suffix: HTMLSpanElement }> = [];
  private model: ContactModel = initialModel();
  private readonly finished = new Set<string>();
  /** A contact.status arrived on the current connection (it may come before the hello reply is handled). */
  private statusSeen = false;
  private requestBusy = false;
  private leaveBusy = false;
  private prechatErrorText = '';
  private prechatErrorTopic: string | null = null;
  private leaveErrorText = '';
  /** The customer picked a language themselves (else the widget's language is preferred). */
  private languageChosen = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styleSheet()];

    this.wrapper = make('div', {}, 'sb');
    this.panel = make(
      'section',
      { id: 'sb-panel', role: 'dialog', 'aria-labelledby': 'sb-title', tabindex: '-1' },
      'panel',
    );
    this.panel.hidden = true;
    const header = make('div', {}, 'panel-header');
    this.heading = make('h2', { id: 'sb-title' }, 'title');
    this.closeButton = make('button', { id: 'sb-close', type: 'button' }, 'close');
    const cross = make('span', { 'aria-hidden': 'true' });
    cross.textContent = '×';
    this.closeButton.append(cross);
    header.append(this.heading, this.closeButton);

    const body = make('div', {}, 'panel-body');
    this.intro = make('p', { id: 'sb-intro' }, 'intro');
    this.status = make(
      'p',
      { id: 'sb-status', role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' },
      'status',
    );
    const dot = make('span', { 'aria-hidden': 'true' }, 'dot');
    this.statusText = make('span', { id: 'sb-status-text' });
    this.status.append(dot, this.statusText);
    this.action = make('button', { id: 'sb-action', type: 'button' }, 'action');
    this.action.hidden = true;

    // --- pre-chat form -------------------------------------------------------------------------
    this.prechat = make('section', { id: 'sb-prechat', 'aria-labelledby': 'sb-prechat-title' }, 'view');
    this.prechat.hidden = true;
    this.prechatTitle = make('h3', { id: 'sb-prechat-title', tabindex: '-1' }, 'view-title');
    this.loading = make('p', { id: 'sb-prechat-loading' }, 'note');
    this.form = make('form', { id: 'sb-prechat-form', novalidate: '' }, 'form');
    this.closedAll = make('p', { id: 'sb-closed-all' }, 'note note-closed');
    this.closedAll.hidden = true;
    this.topicSet = make('fieldset', { id: 'sb-topics' }, 'topics');
    this.topicLegend = make('legend', {}, 'legend');
    this.topicList = make('div', {}, 'choices');
    this.topicNote = make('p', { id: 'sb-topic-note', role: 'status' }, 'note note-closed');
    this.topicSet.append(this.topicLegend, this.topicList, this.topicNote);
    const langField = make('div', {}, 'field');
    this.languageLabel = make('label', { for: 'sb-language' }, 'label');
    this.languageSelect = make(
      'select',
      { id: 'sb-language', name: 'lang', 'aria-describedby': 'sb-language-note' },
      'select',
    );
    this.languageNote = make('p', { id: 'sb-language-note' }, 'note');
    langField.append(this.languageLabel, this.languageSelect, this.languageNote);
    this.prechatError = make('p', { id: 'sb-prechat-error', role: 'alert' }, 'error');
    this.startButton = make('button', { id: 'sb-start', type: 'submit' }, 'action');
    this.form.append(this.closedAll, this.topicSet, langField, this.prechatError, this.startButton);
    this.prechat.append(this.prechatTitle, this.loading, this.form);

    // --- waiting -------------------------------------------------------------------------------
    this.waiting = make('section', { id: 'sb-waiting', 'aria-labelledby': 'sb-waiting-title' }, 'view');
    this.waiting.hidden = true;
    this.waitingTitle = make('h3', { id: 'sb-waiting-title', tabindex: '-1' }, 'view-title');
    this.queueLine = make('p', { id: 'sb-queue-name' }, 'note');
    this.waitStatus = make(
      'p',
      { id: 'sb-wait-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' },
      'wait-status',
    );
    this.waitNotice = make(
      'p',
      { id: 'sb-wait-notice', role: 'status', 'aria-atomic': 'true' },
      'wait-notice',
    );
    this.keepOpen = make('p', { id: 'sb-keep-open' }, 'note');
    this.leaveButton = make('button', { id: 'sb-leave', type: 'button' }, 'secondary');
    this.leaveConfirm = make(
      'div',
      { id: 'sb-leave-confirm', role: 'group', 'aria-labelledby': 'sb-leave-question' },
      'confirm',
    );
    this.leaveConfirm.hidden = true;
    this.leaveQuestion = make('p', { id: 'sb-leave-question' }, 'confirm-question');
    this.leaveYes = make('button', { id: 'sb-leave-yes', type: 'button' }, 'action');
    this.leaveNo = make('button', { id: 'sb-leave-no', type: 'button' }, 'secondary');
    const confirmButtons = make('div', {}, 'buttons');
    confirmButtons.append(this.leaveYes, this.leaveNo);
    this.leaveConfirm.append(this.leaveQuestion, confirmButtons);
    this.leaveError = make('p', { id: 'sb-leave-error', role: 'alert' }, 'error');
    this.waiting.append(
      this.waitingTitle,
      this.queueLine,
      this.waitStatus,
      this.waitNotice,
      this.keepOpen,
      this.leaveButton,
      this.leaveConfirm,
      this.leaveError,
    );

    // --- ended ---------------------------------------------------------------------------------
    this.endedView = make('section', { id: 'sb-ended', 'aria-labelledby': 'sb-ended-title' }, 'view');
    this.endedView.hidden = true;
    this.endedTitle = make('h3', { id: 'sb-ended-title', tabindex: '-1' }, 'view-title');
    this.endReason = make('p', { id: 'sb-end-reason', role: 'status', 'aria-atomic': 'true' }, 'end-reason');
    this.endMessage = make('p', { id: 'sb-end-message' }, 'note');
    this.newChat = make('button', { id: 'sb-new-chat', type: 'button' }, 'action');
    this.endedView.append(this.endedTitle, this.endReason, this.endMessage, this.newChat);

    const log = make('div', { role: 'log', 'aria-live': 'polite' }, 'log');
    this.notices = make('ul', { id: 'sb-notices' }, 'notices');
    log.append(this.notices);
    body.append(this.intro, this.status, this.action, this.prechat, this.waiting, this.endedView, log);
    this.panel.append(header, body);

    this.launcher = make(
      'button',
      { id: 'sb-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sb-panel' },
      'launcher',
    );
    this.wrapper.append(this.panel, this.launcher);
    root.append(this.wrapper);

    this.launcher.addEventListener('click', () => {
      if (this.panel.hidden) this.openPanel(true);
      else this.closePanel();
    });
    this.closeButton.addEventListener('click', () => {
      this.closePanel();
    });
    this.wrapper.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape' || this.panel.hidden) return;
      ev.stopPropagation();
      if (!this.leaveConfirm.hidden) {
        this.hideLeaveConfirm(true);
        return;
      }
      this.closePanel();
    });
    this.action.addEventListener('click', () => {
      this.conn?.start();
    });
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.startChat();
    });
    this.languageSelect.addEventListener('change', () => {
      this.languageChosen = true;
    });
    this.topicList.addEventListener('change', () => {
      this.prechatErrorText = '';
      this.renderPrechatDetails();
    });
    this.leaveButton.addEventListener('click', () => {
      this.leaveErrorText = '';
      this.leaveConfirm.hidden = false;
      this.leaveButton.hidden = true;
      this.renderWaiting();
      this.leaveNo.focus();
    });
    this.leaveNo.addEventListener('click', () => {
      this.hideLeaveConfirm(true);
    });
    this.leaveYes.addEventListener('click', () => {
      this.leave();
    });
    this.newChat.addEventListener('click', () => {
      this.model = initialModel();
      this.prechatErrorText = '';
      this.languageChosen = false;
      this.render();
      (
        this.topicInputs.find((x) => x.input.checked)?.input ??
        this.topicInputs[0]?.input ??
        this.prechatTitle
      ).focus();
    });
  }

  connectedCallback(): void {
    this.renderStrings();
    // a conversation was going on before the page was reloaded: pick it up again
    if (this.tokens.get() !== null && this.panel.hidden) this.openPanel(false);
  }

  disconnectedCallback(): void {
    this.conn?.close();
    this.conn = null;
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue) return;
    if (name === 'lang') this.renderStrings();
    if (name === 'server' && this.conn) {
      this.conn.close();
      this.conn = null;
      if (!this.panel.hidden) this.connect();
    }
  }

  /** Whether the chat panel is showing. */
  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  private strings(): WidgetStrings {
    return STRINGS[this.uiLang];
  }

  private locale(): string {
    return pickLocale(this.uiLang, typeof navigator !== 'undefined' ? navigator.languages : []);
  }

  /** Whether the keyboard focus is inside the widget (so moving it within is no surprise). */
  private focusInside(): boolean {
    return (this.shadowRoot?.activeElement ?? null) !== null;
  }

  private renderStrings(): void {
    this.uiLang = pickLang(this.getAttribute('lang'), document.documentElement.lang);
    const t = this.strings();
    this.wrapper.lang = this.uiLang;
    this.launcher.textContent = t.launcher;
    this.heading.textContent = t.title;
    this.closeButton.setAttribute('aria-label', t.close);
    this.intro.textContent = t.intro;
    this.prechatTitle.textContent = t.prechatHeading;
    this.loading.textContent = t.loadingTopics;
    this.topicLegend.textContent = t.topicLegend;
    this.languageLabel.textContent = t.languageLabel;
    this.keepOpen.textContent = t.keepOpen;
    this.leaveYes.textContent = t.leaveYes;
    this.leaveNo.textContent = t.leaveNo;
    this.endedTitle.textContent = t.endedHeading;
    this.newChat.textContent = t.startNew;
    this.renderState(this.connState);
  }

  private renderState(s: ConnectionState): void {
    this.connState = s;
    const v = widgetStatus(s, this.strings());
    this.status.dataset.state = v.tone;
    if (this.statusText.textContent !== v.text) this.statusText.textContent = v.text;
    this.action.hidden = v.action === null;
    if (v.action !== null) this.action.textContent = v.action;
    this.render();
  }

  // ----------------------------------------------------------------------------------------------
  // views

  private render(): void {
    const closed = this.connState.status === 'closed';
    const phase = this.model.phase;
    this.intro.hidden = phase !== 'prechat';
    this.prechat.hidden =
      closed || phase !== 'prechat' || (this.setup === null && this.connState.status !== 'connected');
    this.waiting.hidden = closed || phase !== 'waiting';
    this.endedView.hidden = closed || phase !== 'ended';
    this.panel.dataset.view = closed ? 'closed' : phase;
    if (!this.prechat.hidden) this.renderPrechat();
    if (!this.waiting.hidden) this.renderWaiting();
    if (!this.endedView.hidden) this.renderEnded();
  }

  /** Builds the topic radios (again only when the topics or the language changed). */
  private renderPrechat(): void {
    const t = this.strings();
    const setup = this.setup;
    this.loading.hidden = setup !== null;
    this.form.hidden = setup === null;
    if (!setup) return;
    if (this.builtFor?.setup !== setup || this.builtFor.lang !== this.uiLang) {
      const chosen = this.chosenTopic()?.id ?? null;
      const hadFocus = this.topicInputs.some((x) => x.input === this.shadowRoot?.activeElement);
      this.topicInputs = setup.topics
        .filter((tp) => tp.channels.includes('chat'))
        .map((topic) => {
          const input = make('input', {
            type: 'radio',
            name: 'topic',
            id: `sb-topic-${topic.id}`,
            value: topic.id,
          });
          input.checked = topic.id === chosen;
          const suffix = make('span', {}, 'topic-closed');
          return { topic, input, suffix };
        });
      this.topicList.replaceChildren(
        ...this.topicInputs.map(({ topic, input, suffix }) => {
          const row = make('div', {}, 'choice');
          const label = make('label', { for: input.id });
          const text = make('span');
          text.textContent = topicLabel(topic, this.uiLang);
          label.append(text, suffix);
          row.append(input, label);
          return row;
        }),
      );
      this.builtFor = { setup, lang: this.uiLang };
      if (hadFocus)
        (this.topicInputs.find((x) => x.input.checked)?.input ?? this.topicInputs[0]?.input)?.focus();
    }
    if (this.topicInputs.length === 0) {
      this.form.hidden = true;
      this.loading.hidden = false;
      this.loading.textContent = t.noTopics;
      return;
    }
    this.loading.textContent = t.loadingTopics;
    for (const { topic, suffix } of this.topicInputs) {
      const text = topic.open ? '' : ` — ${t.closedNow}`;
      if (suffix.textContent !== text) suffix.textContent = text;
    }
    const openTopics = this.topicInputs.filter((x) => x.topic.open);
    if (openTopics.length === 0) {
      const next = this.topicInputs
        .map((x) => x.topic.next_open_ms)
        .filter((n): n is number => n !== undefined)
        .sort((a, b) => a - b)[0];
      this.closedAll.textContent = closedText(t, next, this.locale());
      this.closedAll.hidden = false;
    } else {
      this.closedAll.hidden = true;
    }
    this.renderPrechatDetails();
  }

  private chosenTopic(): Topic | null {
    return this.topicInputs.find((x) => x.input.checked)?.topic ?? null;
  }

  /** The parts of the form that follow the chosen topic: its note, its languages, errors. */
  private renderPrechatDetails(): void {
    const t = this.strings();
    const setup = this.setup;
    if (!setup) return;
    const topic = this.chosenTopic();
    // closed topic: when it opens, and that a message will be possible
    if (topic && !topic.open) {
      this.topicNote.textContent = `${closedText(t, topic.next_open_ms, this.locale())} ${t.leaveMessageLater}`;
      this.topicNote.hidden = false;
    } else {
      this.topicNote.textContent = '';
      this.topicNote.hidden = true;
    }
    // languages of the topic (all offered languages before a topic is chosen)
    const langs = topic ? topicLanguages(topic, setup.languages) : [...setup.languages];
    const current = this.languageSelect.value;
    const key = `${this.uiLang}|${langs.join(',')}`;
    if (this.languageSelect.dataset.key !== key) {
      this.languageSelect.replaceChildren(
        ...langs.map((code) => {
          const o = make('option', { value: code });
          o.textContent = languageOptionLabel(code, this.uiLang);
          return o;
        }),
      );
      this.languageSelect.dataset.key = key;
      const pick =
        this.languageChosen && langs.includes(current)
          ? current
          : langs.includes(this.uiLang)
            ? this.uiLang
            : langs[0];
      if (pick !== undefined) this.languageSelect.value = pick;
    }
    // the customer's language is not offered for this topic: say where it is
    let note = '';
    if (topic && !langs.includes(this.uiLang)) {
      const where = this.topicInputs
        .filter((x) => topicLanguages(x.topic, setup.languages).includes(this.uiLang))
        .map((x) => topicLabel(x.topic, this.uiLang));
      const name = languageName(this.uiLang, this.uiLang);
      note =
        where.length > 0 ? t.languageNotOffered(name, where.join('; ')) : t.languageNotOfferedAnywhere(name);
    }
    this.languageNote.textContent = note;
    this.languageNote.hidden = note === '';
    const errorNow =
      this.prechatErrorTopic === null || this.prechatErrorTopic === (topic?.id ?? null)
        ? this.prechatErrorText
        : '';
    if (this.prechatError.textContent !== errorNow) this.prechatError.textContent = errorNow;
    this.startButton.textContent = this.requestBusy ? t.starting : t.start;
    if (this.requestBusy) this.startButton.setAttribute('aria-disabled', 'true');
    else this.startButton.removeAttribute('aria-disabled');
  }

  private renderWaiting(): void {
    const t = this.strings();
    const m = this.model;
    const assigned = m.status?.state === 'assigned';
    this.waitingTitle.textContent = assigned ? t.assignedHeading : t.waitingHeading;
    this.waiting.dataset.state = assigned ? 'assigned' : 'queued';
    this.queueLine.textContent = m.queueName ? t.queueLine(m.queueName) : '';
    this.queueLine.hidden = m.queueName === '';
    const statusText = assigned
      ? m.status?.agent_name
        ? t.connectedWith(m.status.agent_name)
        : t.connectedNoName
      : queuedText(m.status, t);
    // only a changed text is written, so the live region speaks only when there is news
    if (this.waitStatus.textContent !== statusText) this.waitStatus.textContent = statusText;
    const notice =
      m.notice === 'agent_unavailable' ? t.agentUnavailable : m.notice === 'overflow' ? t.overflowMoving : '';
    // the server's own words too, unless they only repeat ours
    const extra = m.noticeMessage && !notice.includes(m.noticeMessage) ? ` ${m.noticeMessage}` : '';
    const noticeText = notice ? `${notice}${extra}` : '';
    if (this.waitNotice.textContent !== noticeText) this.waitNotice.textContent = noticeText;
    this.waitNotice.hidden = noticeText === '';
    this.keepOpen.hidden = assigned;
    this.leaveButton.textContent = this.leaveBusy ? t.leaving : assigned ? t.leaveChat : t.leaveLine;
    if (this.leaveBusy) this.leaveYes.setAttribute('aria-disabled', 'true');
    else this.leaveYes.removeAttribute('aria-disabled');
    this.leaveYes.textContent = this.leaveBusy ? t.leaving : t.leaveYes;
    this.leaveQuestion.textContent = assigned ? t.leaveChatConfirm : t.leaveLineConfirm;
    if (this.leaveError.textContent !== this.leaveErrorText)
      this.leaveError.textContent = this.leaveErrorText;
  }

  private renderEnded(): void {
    const t = this.strings();
    const m = this.model;
    const reason = m.ended ? endText(m.ended, t) : t.ended;
    if (this.endReason.textContent !== reason) this.endReason.textContent = reason;
    this.endedView.dataset.reason =
      m.ended?.kind === 'canceled' ? (m.ended.reason ?? 'canceled') : (m.ended?.kind ?? 'ended');
    // the server's own words, unless they only repeat ours
    const message = m.endMessage && !reason.includes(m.endMessage) ? m.endMessage : '';
    this.endMessage.textContent = message;
    this.endMessage.hidden = message === '';
  }

  private hideLeaveConfirm(focusLeave: boolean): void {
    this.leaveConfirm.hidden = true;
    this.leaveButton.hidden = false;
    if (focusLeave) this.leaveButton.focus();
  }

  /** Changes the model and renders; moves focus to the new view's heading when the view changed. */
  private setModel(next: ContactModel): void {
    const before = this.model.phase;
    const hadFocus = this.focusInside();
    if (next.phase === 'ended' && next.contactId) this.finished.add(next.contactId);
    if (next.phase !== 'waiting') {
      this.leaveConfirm.hidden = true;
      this.leaveButton.hidden = false;
      this.leaveErrorText = '';
    }
    this.model = next;
    this.render();
    if (before !== next.phase && hadFocus) {
      if (next.phase === 'waiting') this.waitingTitle.focus();
      else if (next.phase === 'ended') this.endedTitle.focus();
    }
  }

  // ----------------------------------------------------------------------------------------------
  // requests

  private startChat(): void {
    if (this.requestBusy) return;
    const t = this.strings();
    const topic = this.chosenTopic();
    const lang = this.languageSelect.value;
    this.prechatErrorTopic = null;
    if (!topic) {
      this.prechatErrorText = t.chooseTopic;
      this.renderPrechatDetails();
      this.topicInputs[0]?.input.focus();
      return;
    }
    if (lang === '') {
      this.prechatErrorText = t.chooseLanguage;
      this.renderPrechatDetails();
      this.languageSelect.focus();
      return;
    }
    const conn = this.conn;
    if (!conn) return;
    this.prechatErrorText = '';
    this.requestBusy = true;
    this.renderPrechatDetails();
    conn
      .request('contact.request', { topic: topic.id, channel: 'chat', lang })
      .then(
        (rep) => {
          this.setModel(waitFor(this.model, rep.contact_id, rep.queue_name));
        },
        (e: unknown) => {
          const err = e instanceof RequestError ? e : new RequestError('INTERNAL', String(e));
          if (err.code === 'QUEUE_CLOSED') {
            // the topic list may be older than the hours: remember what the server said
            topic.open = false;
            if (err.nextOpenMs !== undefined) topic.next_open_ms = err.nextOpenMs;
            else delete topic.next_open_ms;
            this.prechatErrorTopic = topic.id;
          }
          this.prechatErrorText = requestErrorText(err, t, this.locale());
        },
      )
      .finally(() => {
        this.requestBusy = false;
        this.render();
      });
  }

  private leave(): void {
    const id = this.model.contactId;
    const conn = this.conn;
    if (this.leaveBusy || !conn || id === null) return;
    const answered = this.model.status?.state === 'assigned';
    this.leaveBusy = true;
    this.leaveErrorText = '';
    this.model = { ...this.model, leaving: true };
    this.renderWaiting();
    conn
      .request('contact.cancel', { contact_id: id })
      .then(
        () => {
          if (this.model.phase === 'waiting' && this.model.contactId === id)
            this.setModel({
              ...this.model,
              phase: 'ended',
              ended: { kind: 'left', answered },
              endMessage: '',
            });
        },
        (e: unknown) => {
          const err = e instanceof RequestError ? e : new RequestError('INTERNAL', String(e));
          this.model = { ...this.model, leaving: false };
          if (err.code === 'NOT_FOUND' || err.code === 'CONFLICT') {
            if (
              this.model.phase === 'waiting' &&
              this.model.contactId === id &&
              this.model.notice !== 'overflow'
            ) {
              this.setModel({ ...this.model, phase: 'ended', ended: { kind: 'lost' }, endMessage: '' });
              return;
            }
            this.leaveErrorText = this.strings().retryLater;
          } else {
            this.leaveErrorText = requestErrorText(err, this.strings(), this.locale());
          }
        },
      )
      .finally(() => {
        this.leaveBusy = false;
        if (this.model.phase === 'waiting') {
          this.renderWaiting();
          if (this.leaveErrorText !== '') this.hideLeaveConfirm(this.focusInside());
        }
      });
  }

  // ----------------------------------------------------------------------------------------------
  // connection

  private addNotice(n: ServerNotice): void {
    const li = make('li', {}, `notice notice-${n.level}`);
    const label = make('strong');
    label.textContent = `${this.strings().noticeLabel}: `;
    const text = make('span');
    text.textContent = n.message;
    li.append(label, text);
    this.notices.append(li);
    while (this.notices.children.length > MAX_NOTICES) this.notices.firstElementChild?.remove();
  }

  private onConnState(s: ConnectionState): void {
    if (s.status !== 'connected') this.statusSeen = false;
    if (s.status === 'connected') {
      const id = s.hello.contact_id;
      if (id !== undefined) {
        // a resumed customer with an open contact: straight to the waiting view
        if (!(this.statusSeen && this.model.contactId === id) && !this.finished.has(id))
          this.model = waitFor(this.model, id);
      } else if (this.model.phase === 'waiting' && !this.statusSeen && this.model.notice !== 'overflow') {
        // the contact ended while this customer was away
        this.model = { ...this.model, phase: 'ended', ended: { kind: 'lost' }, endMessage: '' };
        if (this.model.contactId) this.finished.add(this.model.contactId);
      }
    }
    if (s.status === 'closed' && s.reason === 'signed-out') {
      // the server forgot this customer: whatever comes next starts afresh
      this.model = initialModel();
      this.setup = null;
    }
    this.renderState(s);
  }

  private connect(): void {
    if (this.conn) return;
    const url = customerSocketUrl(this.getAttribute('server'), import.meta.url, location.href);
    if (url === null) {
      this.renderState({ status: 'closed', reason: 'error', message: 'no server URL' });
      return;
    }
    const conn = new Connection({
      url,
      client: `widget/${CLIENT_VERSION}`,
      lang: () => this.uiLang,
      tokenStore: this.tokens,
    });
    this.conn = conn;
    conn.onState((s) => {
      if (this.conn === conn) this.onConnState(s);
    });
    conn.on('server.notice', (n) => {
      this.addNotice(n);
    });
    conn.on('customer.setup', (b) => {
      if (this.conn !== conn) return;
      this.setup = b;
      this.render();
    });
    conn.on('contact.status', (b) => {
      if (this.conn !== conn) return;
      this.statusSeen = true;
      const next = applyStatus(this.model, b, this.finished);
      if (isFinal(b)) this.finished.add(b.contact_id);
      if (next !== this.model) this.setModel(next);
    });
    conn.onProblem((e) => {
      console.warn('switchboard-chat: protocol problem', e);
    });
    window.addEventListener('online', () => {
      conn.reconnectNow();
    });
    conn.start();
  }

  private openPanel(moveFocus: boolean): void {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.connect();
    if (moveFocus) this.panel.focus();
  }

  private closePanel(): void {
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'switchboard-chat': SwitchboardChat;
  }
}

if (typeof customElements !== 'undefined' && !customElements.get(TAG)) {
  customElements.define(TAG, SwitchboardChat);
}
