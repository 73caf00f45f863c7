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
 * from the hello reply and the local copy of the chat are kept in sessionStorage, or in
 * localStorage when the customer says the computer is their own (chat-storage.ts); the token is
 * presented on reconnect and after a reload, when the widget also reopens by itself.
 *
 * Views, after connecting: the pre-chat form (name, topic, language, optional claim reference,
 * whether the computer is their own; then contact.request), the waiting view (place in line and
 * expected wait from contact.status, a polite live region that speaks only when its text changes;
 * "Leave the line" with a confirmation) which becomes the chat once a specialist answers (the
 * conversation below it: chat-view.ts), and the ended view (why, in the widget's language, beside
 * the server's own message; a transcript to save or print, and a rating: after-chat.ts). A resumed
 * customer whose hello reply names an open contact goes straight back to it, with the messages
 * kept locally shown at once and the rest synced from the server.
 */
import css from './widget.css?inline';
import { AfterChat, MAX_COMMENT_BYTES, buildPrintTranscript, transcriptLines } from './after-chat';
import { CHAT_STRINGS, checkClaimRef, checkName, type ChatStrings } from './chat-strings';
import { ChatStorage } from './chat-storage';
import { ChatView } from './chat-view';
import { make } from './make';
import { checkMessage, LeaveMessageFields } from './leave-message';
import { printTranscript } from './print';
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
  type EndKind,
  type WidgetLang,
  type WidgetStrings,
} from './strings';
import { Conversation } from '../chat/conversation';
import { utf8Length } from '../chat/ids';
import { MessageStore, type StoreSnapshot } from '../chat/store';
import { downloadText, formatDay, formatTime, transcriptFileName, transcriptText } from '../chat/transcript';
import { RemoteTyping } from '../chat/typing';
import { asChatEvent, isStaffRole, type ChatEntry } from '../chat/types';
import { CLIENT_VERSION } from '../common/version';
import { TitleAlert } from '../console/title';
import { Connection, RequestError, type ConnectionState } from '../net/connection';
import type { ContactStatus, CustomerSetup, ServerNotice, Topic } from '../proto/schema.gen';

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

/** What the widget keeps about the chat between page loads (beside the log itself). */
interface ChatRecord {
  v: 1;
  contactId: string;
  conversationId: string;
  customerName: string;
  claimRef?: string;
  topicLabel: string;
  queueName: string;
  agentName: string;
  startedMs: number;
  /** A specialist answered (the chat can be rated). */
  answered: boolean;
  /** The customer said the computer is their own. */
  ownDevice: boolean;
  ended: EndKind | null;
  rated: boolean;
  store: StoreSnapshot;
}

function isRecord(v: unknown): v is ChatRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    r.v === 1 &&
    typeof r.contactId === 'string' &&
    typeof r.conversationId === 'string' &&
    typeof r.customerName === 'string' &&
    (r.claimRef === undefined || typeof r.claimRef === 'string') &&
    typeof r.topicLabel === 'string' &&
    typeof r.queueName === 'string' &&
    typeof r.agentName === 'string' &&
    typeof r.startedMs === 'number' &&
    typeof r.answered === 'boolean' &&
    typeof r.ownDevice === 'boolean' &&
    typeof r.rated === 'boolean' &&
    typeof r.ended === 'object' &&
    typeof r.store === 'object'
  );
}

/** How long a chat kept on the customer's own computer stays worth resuming, without a server value. */
const DEFAULT_KEEP_MS = 15 * 60_000;

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
  private readonly nameLabel: HTMLLabelElement;
  private readonly nameInput: HTMLInputElement;
  private readonly nameHint: HTMLParagraphElement;
  private readonly nameError: HTMLParagraphElement;
  private readonly claimLabel: HTMLLabelElement;
  private readonly claimInput: HTMLInputElement;
  private readonly claimHint: HTMLParagraphElement;
  private readonly claimError: HTMLParagraphElement;
  private readonly deviceLegend: HTMLLegendElement;
  private readonly deviceOwn: HTMLInputElement;
  private readonly deviceShared: HTMLInputElement;
  private readonly deviceOwnLabel: HTMLLabelElement;
  private readonly deviceSharedLabel: HTMLLabelElement;
  private readonly deviceHint: HTMLParagraphElement;

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
  private readonly leaveMessageButton: HTMLButtonElement;
  private readonly message = new LeaveMessageFields();
  /** A topic whose line asked the customer to leave a message (it may be open, but busy). */
  private messageTopic: string | null = null;
  private lastTopic: string | null = null;

  // the conversation, and what follows its end
  private readonly chat: ChatView;
  private readonly afterChat: AfterChat;
  private readonly chatNote: HTMLParagraphElement;

  private readonly storage = new ChatStorage();
  private conv: Conversation | null = null;
  private record: ChatRecord | null = null;
  /** The record came from storage after the chat had ended (no rating then: the token is gone). */
  private restoredEnded = false;
  private keepMs = DEFAULT_KEEP_MS;
  private readonly remoteTyping: RemoteTyping;
  /** seq of the inactivity warning the customer answered with "I'm still here". */
  private stayedSeq = 0;
  private warningShown: number | null = null;
  private stayBusy = false;
  private rateBusy = false;
  private readonly hostTitle = new TitleAlert(document);
  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') {
      this.hostTitle.restore('chat');
      this.conv?.seen();
    }
  };
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

    const nameField = make('div', {}, 'field');
    this.nameLabel = make('label', { for: 'sb-name' }, 'label');
    this.nameInput = make(
      'input',
      {
        id: 'sb-name',
        name: 'name',
        type: 'text',
        autocomplete: 'off',
        required: '',
        'aria-required': 'true',
        'aria-describedby': 'sb-name-hint sb-name-error',
      },
      'input',
    );
    this.nameHint = make('p', { id: 'sb-name-hint' }, 'note');
    this.nameError = make('p', { id: 'sb-name-error' }, 'error');
    nameField.append(this.nameLabel, this.nameInput, this.nameHint, this.nameError);

    const claimField = make('div', {}, 'field');
    this.claimLabel = make('label', { for: 'sb-claim' }, 'label');
    this.claimInput = make(
      'input',
      {
        id: 'sb-claim',
        name: 'claim_ref',
        type: 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'sb-claim-hint sb-claim-error',
      },
      'input',
    );
    this.claimHint = make('p', { id: 'sb-claim-hint' }, 'note note-important');
    this.claimError = make('p', { id: 'sb-claim-error' }, 'error');
    claimField.append(this.claimLabel, this.claimHint, this.claimInput, this.claimError);

    const deviceSet = make('fieldset', { id: 'sb-device', 'aria-describedby': 'sb-device-hint' }, 'topics');
    this.deviceLegend = make('legend', {}, 'legend');
    const deviceChoices = make('div', {}, 'choices');
    this.deviceShared = make('input', {
      type: 'radio',
      name: 'device',
      id: 'sb-device-shared',
      value: 'shared',
    });
    this.deviceShared.checked = true;
    this.deviceOwn = make('input', { type: 'radio', name: 'device', id: 'sb-device-own', value: 'own' });
    this.deviceOwnLabel = make('label', { for: 'sb-device-own' });
    this.deviceSharedLabel = make('label', { for: 'sb-device-shared' });
    const ownRow = make('div', {}, 'choice');
    ownRow.append(this.deviceOwn, this.deviceOwnLabel);
    const sharedRow = make('div', {}, 'choice');
    sharedRow.append(this.deviceShared, this.deviceSharedLabel);
    deviceChoices.append(ownRow, sharedRow);
    this.deviceHint = make('p', { id: 'sb-device-hint' }, 'note');
    deviceSet.append(this.deviceLegend, deviceChoices, this.deviceHint);

    this.form.append(
      this.closedAll,
      nameField,
      this.topicSet,
      langField,
      claimField,
      deviceSet,
      this.message.fields,
      this.prechatError,
      this.startButton,
    );
    this.prechat.append(this.prechatTitle, this.loading, this.form, this.message.done);

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
    this.leaveMessageButton = make('button', { id: 'sb-leave-message', type: 'button' }, 'action');
    this.leaveMessageButton.hidden = true;
    this.afterChat = new AfterChat({
      save: () => {
        this.saveTranscript();
      },
      print: () => {
        this.printTranscript();
      },
      rate: (score, comment) => {
        this.rate(score, comment);
      },
    });
    this.endedView.append(
      this.endedTitle,
      this.endReason,
      this.endMessage,
      this.afterChat.root,
      this.leaveMessageButton,
      this.newChat,
    );

    // --- the conversation (below the waiting view while chatting, below the end once over) --------
    this.chat = new ChatView({
      send: (text) => {
        this.sendMessage(text);
      },
      input: (hasText) => {
        this.conv?.typing.input(hasText);
      },
      stay: () => {
        this.stay();
      },
      retry: (id) => {
        this.conv?.retry(id);
      },
      remove: (id) => {
        this.conv?.discard(id);
      },
    });
    this.chatNote = make('p', { id: 'sb-chat-note', role: 'status' }, 'note');
    this.chat.root.prepend(this.chatNote);
    this.remoteTyping = new RemoteTyping({
      onChange: (typing) => {
        const tc = this.chatStrings();
        this.chat.setTyping(typing ? tc.typing(this.record?.agentName || tc.specialist) : null);
      },
    });

    const log = make('div', { role: 'log', 'aria-live': 'polite' }, 'log');
    this.notices = make('ul', { id: 'sb-notices' }, 'notices');
    log.append(this.notices);
    body.append(
      this.intro,
      this.status,
      this.action,
      this.prechat,
      this.waiting,
      this.endedView,
      this.chat.root,
      log,
    );
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
      if (this.messageMode()) this.leaveMessage();
      else this.startChat();
    });
    this.message.anotherButton.addEventListener('click', () => {
      this.message.reset();
      this.render();
      this.nameInput.focus();
    });
    this.leaveMessageButton.addEventListener('click', () => {
      // the line asked for a message: back to the form, in message mode for that topic
      const topic = this.lastTopic;
      this.newChat.click();
      this.messageTopic = topic;
      for (const x of this.topicInputs) x.input.checked = x.topic.id === topic;
      this.render();
      this.message.textInput.focus();
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
    this.nameInput.addEventListener('input', () => {
      this.setFieldError(this.nameInput, this.nameError, '');
    });
    this.claimInput.addEventListener('input', () => {
      this.setFieldError(this.claimInput, this.claimError, '');
    });
    this.newChat.addEventListener('click', () => {
      this.messageTopic = null;
      this.message.reset();
      this.forgetChat();
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
    document.addEventListener('visibilitychange', this.onVisibility);
    // the local copy of a chat from before the reload is shown at once, the rest follows
    if (!this.record) this.restoreRecord();
    // a conversation was going on before the page was reloaded: pick it up again
    if (this.storage.get() !== null && this.panel.hidden) this.openPanel(false);
  }

  disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.conn?.close();
    this.conn = null;
    this.conv?.dispose();
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

  private chatStrings(): ChatStrings {
    return CHAT_STRINGS[this.uiLang];
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
    const tc = this.chatStrings();
    this.nameLabel.textContent = tc.nameLabel;
    this.nameHint.textContent = tc.nameHint;
    this.claimLabel.textContent = tc.claimLabel;
    this.claimHint.textContent = tc.claimHint;
    this.deviceLegend.textContent = tc.deviceLegend;
    this.deviceOwnLabel.textContent = tc.deviceOwn;
    this.deviceSharedLabel.textContent = tc.deviceShared;
    this.deviceHint.textContent = tc.deviceHint;
    this.chat.renderStrings(tc);
    this.afterChat.renderStrings(tc);
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
    this.renderChat();
  }

  /** Whether the customer is in an answered chat that is still going on. */
  private chatting(): boolean {
    return this.model.phase === 'waiting' && this.model.status?.state === 'assigned' && !this.model.leaving;
  }

  private renderChat(): void {
    const closed = this.connState.status === 'closed';
    const tc = this.chatStrings();
    if (closed || this.model.phase === 'prechat' || !this.conv) {
      this.chat.root.hidden = true;
      return;
    }
    this.chat.render(this.conv, {
      t: tc,
      locale: this.locale(),
      agentName: this.record?.agentName ?? '',
      composing: this.chatting(),
      connected: this.connState.status === 'connected',
    });
    // the inactivity warning: the last one not answered yet, while the chat goes on
    const warn = this.chatting() ? this.openWarning() : null;
    if (warn === null) {
      if (this.warningShown !== null) this.hostTitle.restore('chat');
      this.warningShown = null;
      this.chat.setWarning(null, tc);
    } else if (this.warningShown !== warn.seq) {
      this.warningShown = warn.seq;
      // the server's words say when the chat will end, but only in English
      const server = warn.text.trim();
      this.chat.setWarning(this.uiLang === 'en' && server !== '' ? server : tc.inactiveText, tc);
      if (document.visibilityState !== 'visible') this.hostTitle.show(`● ${tc.titleStillThere}`, 'chat');
    }
  }

  /** The inactivity warning still waiting for an answer, if any. */
  private openWarning(): ChatEntry | null {
    const conv = this.conv;
    if (!conv) return null;
    let warn: ChatEntry | null = null;
    for (const e of conv.store.list()) {
      if (e.kind === 'system' && e.system === 'inactive_warning') warn = e;
      else if (warn && e.kind === 'message' && e.from_role === 'customer') warn = null;
    }
    return warn && warn.seq > this.stayedSeq ? warn : null;
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
    const messageMode = this.messageMode();
    if (topic && !topic.open) {
      this.topicNote.textContent = `${closedText(t, topic.next_open_ms, this.locale())} ${t.leaveMessageLater}`;
      this.topicNote.hidden = false;
    } else if (messageMode) {
      this.topicNote.textContent = t.leaveMessageLater;
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
    this.message.render(t, messageMode);
    this.form.hidden = this.message.isDone();
    this.startButton.textContent = messageMode
      ? this.requestBusy
        ? t.lmSending
        : t.lmSend
      : this.requestBusy
        ? t.starting
        : t.start;
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
    const tc = this.chatStrings();
    this.leaveButton.textContent = this.leaveBusy ? t.leaving : assigned ? tc.endChat : t.leaveLine;
    if (this.leaveBusy) this.leaveYes.setAttribute('aria-disabled', 'true');
    else this.leaveYes.removeAttribute('aria-disabled');
    this.leaveYes.textContent = this.leaveBusy ? t.leaving : assigned ? tc.endYes : t.leaveYes;
    this.leaveNo.textContent = assigned ? tc.endNo : t.leaveNo;
    this.leaveQuestion.textContent = assigned ? tc.endChatConfirm : t.leaveLineConfirm;
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
    this.leaveMessageButton.textContent = t.lmLeaveButton;
    this.leaveMessageButton.hidden = !(m.ended?.kind === 'canceled' && m.ended.reason === 'leave_message');
    const r = this.record;
    const hasLog = (this.conv?.store.items() ?? []).some(
      (i) => i.type === 'pending' || i.entry.kind !== 'note',
    );
    this.afterChat.render({
      transcript: hasLog,
      shared: !(r?.ownDevice ?? this.deviceOwn.checked),
      rating:
        !r || !r.answered || this.restoredEnded ? 'none' : r.rated ? 'done' : this.rateBusy ? 'busy' : 'form',
      t: this.chatStrings(),
    });
  }

  private hideLeaveConfirm(focusLeave: boolean): void {
    this.leaveConfirm.hidden = true;
    this.leaveButton.hidden = false;
    if (focusLeave) this.leaveButton.focus();
  }

  /** Changes the model and renders; moves focus to the new view's heading when the view changed. */
  private setModel(next: ContactModel): void {
    const before = this.model.phase;
    const wasChatting = this.chatting();
    const hadFocus = this.focusInside();
    if (next.phase === 'ended' && next.contactId) this.finished.add(next.contactId);
    if (next.phase === 'ended' && before !== 'ended') this.chatEnded(next.ended);
    if (next.status?.state === 'assigned' && this.record) {
      const name = next.status.agent_name ?? this.record.agentName;
      if (!this.record.answered || this.record.agentName !== name) {
        this.record = { ...this.record, answered: true, agentName: name };
        this.saveRecord();
      }
    }
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
    // answered while the customer was looking at the waiting view: straight to the message box
    const a = this.shadowRoot?.activeElement ?? null;
    if (!wasChatting && this.chatting() && (a === this.waitingTitle || a === this.panel))
      this.chat.textarea.focus();
  }

  // ----------------------------------------------------------------------------------------------
  // requests

  private setFieldError(input: HTMLInputElement, error: HTMLElement, text: string): void {
    if (error.textContent !== text) error.textContent = text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  private startChat(): void {
    if (this.requestBusy) return;
    const t = this.strings();
    const tc = this.chatStrings();
    const topic = this.chosenTopic();
    const lang = this.languageSelect.value;
    this.prechatErrorTopic = null;
    // every field is checked at once; each says what is wrong next to it; the first gets the focus
    const name = checkName(this.nameInput.value);
    const claim = checkClaimRef(this.claimInput.value);
    this.setFieldError(
      this.nameInput,
      this.nameError,
      name.ok ? '' : name.why === 'required' ? tc.nameRequired : tc.nameTooLong,
    );
    this.setFieldError(
      this.claimInput,
      this.claimError,
      claim.ok ? '' : claim.why === 'ssn' ? tc.claimLooksLikeSsn : tc.claimInvalid,
    );
    this.prechatErrorText = !topic ? t.chooseTopic : lang === '' ? t.chooseLanguage : '';
    this.renderPrechatDetails();
    const firstBad: HTMLElement | undefined = !name.ok
      ? this.nameInput
      : !topic
        ? this.topicInputs[0]?.input
        : lang === ''
          ? this.languageSelect
          : !claim.ok
            ? this.claimInput
            : undefined;
    if (firstBad || !name.ok || !claim.ok || !topic || lang === '') {
      firstBad?.focus();
      return;
    }
    const conn = this.conn;
    if (!conn) return;
    this.lastTopic = topic.id;
    const ownDevice = this.deviceOwn.checked;
    this.prechatErrorText = '';
    this.requestBusy = true;
    this.renderPrechatDetails();
    const body: { topic: string; channel: 'chat'; lang: string; name: string; claim_ref?: string } = {
      topic: topic.id,
      channel: 'chat',
      lang,
      name: name.value,
    };
    if (claim.value !== undefined) body.claim_ref = claim.value;
    conn
      .request('contact.request', body)
      .then(
        (rep) => {
          // only on the customer's own computer may the chat outlive the tab
          this.storage.setMode(ownDevice ? 'local' : 'session', this.keepMs);
          this.beginChat({
            v: 1,
            contactId: rep.contact_id,
            conversationId: rep.conversation_id,
            customerName: name.value,
            ...(claim.value !== undefined ? { claimRef: claim.value } : {}),
            topicLabel: topicLabel(topic, this.uiLang),
            queueName: rep.queue_name,
            agentName: '',
            startedMs: Date.now(),
            answered: false,
            ownDevice,
            ended: null,
            rated: false,
            store: new MessageStore('customer').snapshot(),
          });
          this.setModel(waitFor(this.model, rep.contact_id, rep.queue_name));
        },
        (e: unknown) => {
          const err = e instanceof RequestError ? e : new RequestError('INTERNAL', String(e));
          if (err.code === 'BAD_FIELD' && (err.field === 'name' || err.field === 'claim_ref')) {
            if (err.field === 'name') {
              this.setFieldError(this.nameInput, this.nameError, tc.nameTooLong);
              this.nameInput.focus();
            } else {
              this.setFieldError(this.claimInput, this.claimError, tc.claimInvalid);
              this.claimInput.focus();
            }
            return;
          }
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

  /** The form leaves a message instead of starting a chat: the topic is closed, or its line
   * asked for a message. */
  private messageMode(): boolean {
    const topic = this.chosenTopic();
    return topic !== null && (!topic.open || this.messageTopic === topic.id);
  }

  private leaveMessage(): void {
    if (this.requestBusy) return;
    const t = this.strings();
    const tc = this.chatStrings();
    const topic = this.chosenTopic();
    const conn = this.conn;
    if (!topic || !conn) return;
    const name = checkName(this.nameInput.value);
    const claim = checkClaimRef(this.claimInput.value);
    const msg = checkMessage(this.message.textInput.value, this.message.replyInput.value);
    this.setFieldError(
      this.nameInput,
      this.nameError,
      name.ok ? '' : name.why === 'required' ? tc.nameRequired : tc.nameTooLong,
    );
    this.setFieldError(
      this.claimInput,
      this.claimError,
      claim.ok ? '' : claim.why === 'ssn' ? tc.claimLooksLikeSsn : tc.claimInvalid,
    );
    this.message.setError(
      'text',
      !msg.ok && msg.field === 'text' ? (msg.why === 'required' ? t.lmTextRequired : t.lmTextTooLong) : '',
    );
    this.message.setError('reply_to', !msg.ok && msg.field === 'reply_to' ? t.lmReplyTooLong : '');
    const firstBad: HTMLElement | undefined = !name.ok
      ? this.nameInput
      : !claim.ok
        ? this.claimInput
        : !msg.ok
          ? msg.field === 'text'
            ? this.message.textInput
            : this.message.replyInput
          : undefined;
    if (firstBad || !name.ok || !claim.ok || !msg.ok) {
      firstBad?.focus();
      return;
    }
    const body: {
      topic: string;
      lang: string;
      name: string;
      text: string;
      reply_to?: string;
      claim_ref?: string;
    } = { topic: topic.id, lang: this.languageSelect.value || this.uiLang, name: name.value, text: msg.text };
    if (msg.replyTo !== undefined) body.reply_to = msg.replyTo;
    if (claim.value !== undefined) body.claim_ref = claim.value;
    this.prechatErrorText = '';
    this.requestBusy = true;
    this.renderPrechatDetails();
    conn
      .request('contact.message', body)
      .then(
        (rep) => {
          this.messageTopic = null;
          this.message.sent(t, rep.reference);
        },
        (e: unknown) => {
          const err = e instanceof RequestError ? e : new RequestError('INTERNAL', String(e));
          this.prechatErrorTopic = topic.id;
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
      if (s.hello.resume_ttl_s !== undefined) this.keepMs = s.hello.resume_ttl_s * 1000;
      if (id !== undefined) {
        // a resumed customer with an open contact: straight to the waiting view
        if (!(this.statusSeen && this.model.contactId === id) && !this.finished.has(id))
          this.model = waitFor(this.model, id, this.record?.contactId === id ? this.record.queueName : '');
        if (s.hello.conversation_id !== undefined && !this.finished.has(id))
          this.resumeConversation(id, s.hello.conversation_id);
      } else if (this.model.phase === 'waiting' && !this.statusSeen && this.model.notice !== 'overflow') {
        // the contact ended while this customer was away
        this.model = { ...this.model, phase: 'ended', ended: { kind: 'lost' }, endMessage: '' };
        if (this.model.contactId) this.finished.add(this.model.contactId);
        this.chatEnded({ kind: 'lost' });
      }
      // catch up with what was missed, then send what waits
      const conv = this.conv;
      if (conv && this.conn && !this.restoredEnded) void conv.connected(this.conn, s.hello.epoch);
    } else {
      this.conv?.disconnected();
      this.remoteTyping.set(false);
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
      tokenStore: this.storage,
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
      if (b.conversation_id !== undefined && !isFinal(b) && !this.finished.has(b.contact_id))
        this.resumeConversation(b.contact_id, b.conversation_id, b);
      const next = applyStatus(this.model, b, this.finished);
      if (isFinal(b)) this.finished.add(b.contact_id);
      if (next !== this.model) this.setModel(next);
    });
    conn.on('chat.event', (b) => {
      const m = asChatEvent(b);
      if (this.conn === conn && this.conv?.id === m.conversation_id) this.conv.onEvent(m);
    });
    conn.on('chat.typing.event', (b) => {
      if (this.conn !== conn || this.conv?.id !== b.conversation_id || !isStaffRole(b.from_role)) return;
      this.remoteTyping.set(b.typing && this.chatting());
    });
    conn.on('chat.receipt.event', (b) => {
      if (this.conn !== conn || this.conv?.id !== b.conversation_id || b.from_role === 'customer') return;
      this.conv.onReceipt(b.delivered_seq, b.read_seq);
    });
    conn.on('chat.epoch', (b) => {
      if (this.conn === conn) this.conv?.onEpoch(b.epoch);
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
    this.conv?.seen();
  }

  // ----------------------------------------------------------------------------------------------
  // the conversation

  private newConversation(conversationId: string, store: MessageStore, name: string): Conversation {
    return new Conversation({
      conversationId,
      store,
      self: { role: 'customer', name },
      canRead: () => !this.panel.hidden && document.visibilityState === 'visible',
      onChange: () => {
        this.onConversationChange();
      },
      onLive: (e) => {
        this.onLive(e);
      },
    });
  }

  /** A chat starts (contact.request answered): a fresh local copy, kept where the customer allowed. */
  private beginChat(r: ChatRecord): void {
    this.forgetChat();
    this.record = r;
    const store = new MessageStore('customer');
    store.restore(r.store);
    this.conv = this.newConversation(r.conversationId, store, r.customerName);
    this.saveRecord();
    if (this.conn && this.connState.status === 'connected') void this.conv.connected(this.conn);
  }

  /** The server names the customer's open conversation (hello reply, contact.status). */
  private resumeConversation(contactId: string, conversationId: string, status?: ContactStatus): void {
    if (this.conv?.id === conversationId) {
      if (this.record && this.record.contactId !== contactId) {
        // a transfer or an overflow moved the conversation to a new contact
        this.record = { ...this.record, contactId, queueName: status?.queue_name ?? this.record.queueName };
        this.saveRecord();
      }
      return;
    }
    if (!this.record || this.record.conversationId !== conversationId) this.restoreRecord(conversationId);
    if (this.conv?.id === conversationId) return;
    // nothing kept locally (storage blocked, another tab): start an empty copy, synced from 0
    this.conv?.dispose();
    this.record = {
      v: 1,
      contactId,
      conversationId,
      customerName: '',
      topicLabel: '',
      queueName: status?.queue_name ?? '',
      agentName: status?.agent_name ?? '',
      startedMs: Date.now(),
      answered: status?.state === 'assigned',
      ownDevice: this.storage.mode === 'local',
      ended: null,
      rated: false,
      store: new MessageStore('customer').snapshot(),
    };
    this.restoredEnded = false;
    this.conv = this.newConversation(conversationId, new MessageStore('customer'), '');
    this.saveRecord();
  }

  /** Loads the chat kept in storage (after a reload), optionally only the given conversation. */
  private restoreRecord(onlyConversation?: string): void {
    const raw = this.storage.loadChat();
    if (raw === null) return;
    const store = new MessageStore('customer');
    if (!isRecord(raw) || !store.restore(raw.store)) {
      this.storage.clearChat();
      return;
    }
    if (onlyConversation !== undefined && raw.conversationId !== onlyConversation) return;
    this.conv?.dispose();
    this.record = raw;
    this.conv = this.newConversation(raw.conversationId, store, raw.customerName);
    this.restoredEnded = raw.ended !== null;
    if (raw.ended !== null) {
      this.conv.ended = true;
      this.finished.add(raw.contactId);
      if (this.model.phase === 'prechat')
        this.model = { ...initialModel(), phase: 'ended', contactId: raw.contactId, ended: raw.ended };
    } else if (this.model.phase === 'prechat') {
      this.model = waitFor(this.model, raw.contactId, raw.queueName);
    }
    if (raw.ownDevice) this.deviceOwn.checked = true;
  }

  private saveRecord(): void {
    const r = this.record;
    const conv = this.conv;
    if (!r || !conv || conv.id !== r.conversationId) return;
    r.store = conv.store.snapshot();
    this.storage.saveChat(r, this.keepMs);
  }

  /** Forgets the chat everywhere (the customer starts a new one). */
  private forgetChat(): void {
    this.conv?.dispose();
    this.conv = null;
    this.record = null;
    this.restoredEnded = false;
    this.stayedSeq = 0;
    this.warningShown = null;
    this.rateBusy = false;
    this.chat.clear();
    this.afterChat.reset();
    this.chatNote.textContent = '';
    this.remoteTyping.set(false);
    this.hostTitle.restore('chat');
    this.storage.clearChat();
  }

  /** The contact ended: no more typing; the token is revoked, so nothing of it outlives the tab now. */
  private chatEnded(kind: EndKind | null): void {
    const conv = this.conv;
    if (!conv) return;
    conv.typing.stop();
    conv.ended = true;
    this.remoteTyping.set(false);
    if (this.record && this.record.ended === null)
      this.record = { ...this.record, ended: kind ?? { kind: 'completed' } };
    this.storage.setMode('session');
    this.saveRecord();
  }

  private onConversationChange(): void {
    this.saveRecord();
    this.renderChat();
    if (this.model.phase === 'ended' && !this.endedView.hidden) this.renderEnded();
  }

  private onLive(e: ChatEntry): void {
    if (!isStaffRole(e.from_role) || e.kind !== 'message') return;
    this.remoteTyping.set(false);
    this.chatNote.textContent = '';
    if (document.visibilityState !== 'visible')
      this.hostTitle.show(`● ${this.chatStrings().titleNewMessage}`, 'chat');
  }

  private sendMessage(text: string): void {
    const conv = this.conv;
    if (!conv) return;
    this.chatNote.textContent = '';
    // writing counts as being here; say so explicitly too, in case the warning is showing
    if (this.openWarning() !== null) this.stay(true);
    conv.send(text);
  }

  private stay(quiet = false): void {
    const conv = this.conv;
    const conn = this.conn;
    const warn = this.openWarning();
    const tc = this.chatStrings();
    if (!conv || !warn || this.stayBusy) return;
    if (!conn || this.connState.status !== 'connected') {
      if (!quiet) this.chat.stayStatus.textContent = tc.stayFailed;
      return;
    }
    const hadFocus = this.shadowRoot?.activeElement === this.chat.stayButton;
    this.stayBusy = true;
    if (!quiet) this.chat.setStayBusy(true, tc);
    conn
      .request('chat.stay', { conversation_id: conv.id })
      .then(
        () => {
          this.stayedSeq = Math.max(this.stayedSeq, warn.seq);
          if (!quiet) this.chatNote.textContent = tc.stayed;
          this.renderChat();
          if (hadFocus) this.chat.textarea.focus();
        },
        (e: unknown) => {
          const code = e instanceof RequestError ? e.code : 'INTERNAL';
          if (!quiet && code !== 'NOT_FOUND' && code !== 'CONFLICT' && code !== 'FORBIDDEN')
            this.chat.stayStatus.textContent = tc.stayFailed;
        },
      )
      .finally(() => {
        this.stayBusy = false;
        this.chat.setStayBusy(false, tc);
      });
  }

  // ----------------------------------------------------------------------------------------------
  // after the end: transcript, printing, rating

  private transcriptHeader(nowMs: number): string[] {
    const tc = this.chatStrings();
    const r = this.record;
    const locale = this.locale();
    const out = [tc.transcriptTitle];
    if (r?.topicLabel) out.push(tc.transcriptTopic(r.topicLabel));
    if (r?.customerName) out.push(tc.transcriptName(r.customerName));
    if (r?.claimRef) out.push(tc.transcriptClaim(r.claimRef));
    if (r?.agentName) out.push(tc.transcriptSpecialist(r.agentName));
    out.push(tc.transcriptMade(`${formatDay(nowMs, locale)}, ${formatTime(nowMs, locale)}`));
    return out;
  }

  private lines(): ReturnType<typeof transcriptLines> {
    const conv = this.conv;
    if (!conv) return [];
    return transcriptLines(
      conv.store.items(),
      { customerName: this.record?.customerName ?? '', agentName: this.record?.agentName ?? '' },
      this.chatStrings(),
    );
  }

  private saveTranscript(): void {
    const root = this.shadowRoot;
    if (!this.conv || !root) return;
    const now = Date.now();
    const tc = this.chatStrings();
    const text = transcriptText(this.lines(), {
      header: this.transcriptHeader(now),
      locale: this.locale(),
      footer: [tc.transcriptFooter],
    });
    const file = transcriptFileName(now);
    downloadText(text, file, root);
    this.afterChat.saveStatus.textContent = tc.transcriptSaved(file);
  }

  private printTranscript(): void {
    if (!this.conv) return;
    const tc = this.chatStrings();
    const section = buildPrintTranscript(
      this.transcriptHeader(Date.now()),
      this.lines(),
      [tc.transcriptFooter],
      this.locale(),
      document,
    );
    section.lang = this.uiLang;
    this.shadowRoot?.querySelector('#sb-print-transcript')?.remove();
    this.wrapper.append(section);
    printTranscript(this);
  }

  private rate(score: number, comment: string): void {
    const tc = this.chatStrings();
    const conv = this.conv;
    const conn = this.conn;
    const r = this.record;
    if (this.rateBusy || !conv || !r) return;
    if (!Number.isInteger(score) || score < 1 || score > 5) {
      this.afterChat.setRateError(tc.rateChoose, 'radios');
      return;
    }
    if (utf8Length(comment) > MAX_COMMENT_BYTES) {
      this.afterChat.setRateError(tc.rateCommentTooLong, 'comment');
      return;
    }
    if (!conn || this.connState.status !== 'connected') {
      this.afterChat.setRateError(this.strings().notConnected, null);
      return;
    }
    this.afterChat.setRateError('', null);
    this.rateBusy = true;
    this.renderEnded();
    const body: { conversation_id: string; score: number; comment?: string } = {
      conversation_id: conv.id,
      score,
    };
    if (comment !== '') body.comment = comment;
    conn.request('chat.rate', body).then(
      () => {
        this.rateBusy = false;
        if (this.record === r) {
          r.rated = true;
          this.saveRecord();
        }
        this.renderEnded();
        this.afterChat.thanks.focus();
      },
      (e: unknown) => {
        this.rateBusy = false;
        const code = e instanceof RequestError ? e.code : 'INTERNAL';
        this.renderEnded();
        this.afterChat.setRateError(
          code === 'NOT_FOUND' || code === 'FORBIDDEN' || code === 'CONFLICT'
            ? tc.rateNotPossible
            : code === 'NOT_CONNECTED' || code === 'DISCONNECTED'
              ? this.strings().notConnected
              : tc.rateFailed,
          null,
        );
      },
    );
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
