/**
 * The pre-chat form: the customer's name, the topic (radios built from customer.setup, closed
 * topics marked with their next opening), the language (the chosen topic's, by name in the
 * widget's language and in their own), an optional claim reference, whether the computer is their
 * own, and, when the topic's line is closed or asked for one, the message to leave
 * (leave-message.ts). It checks every field at once and says what is wrong next to each, the
 * first wrong one taking the focus; the element sends the request and reports refusals back here.
 */
import { CHAT_STRINGS, checkClaimRef, checkName, type ChatStrings } from './chat-strings';
import { checkMessage, checkReplyTo, checkText, LeaveMessageFields, type MessageKind } from './leave-message';
import {
  STRINGS,
  closedText,
  languageName,
  languageOptionLabel,
  topicLabel,
  topicLanguages,
  type WidgetLang,
  type WidgetStrings,
} from './strings';
import type { CustomerSetup, Topic } from '../proto/schema.gen';
import { button, choice, el, field, setBusy, setFieldError, setText } from '../common/dom';

/** What the form reads from the element when it renders. */
export interface PrechatContext {
  /** The topics and languages (null until customer.setup arrived). */
  setup(): CustomerSetup | null;
  lang(): WidgetLang;
  locale(): string;
  /** The focused element inside the widget, if any. */
  activeElement(): Element | null;
}

export interface PrechatCallbacks {
  /** The form was sent to start a chat. */
  startChat(): void;
  /** The form was sent in message mode (messageMode()). */
  leaveMessage(): void;
  /** The form changed in a way the whole widget shows (another message). */
  render(): void;
}

/** A checked chat request: what contact.request needs. */
export interface ChatFields {
  topic: Topic;
  lang: string;
  name: string;
  claimRef: string | undefined;
}

/** A checked message: what contact.message needs beside the topic and language. */
export interface MessageFields {
  name: string;
  claimRef: string | undefined;
  text: string;
  replyTo: string | undefined;
  /** A request to be called back at replyTo. */
  callback: boolean;
}

interface TopicInput {
  topic: Topic;
  input: HTMLInputElement;
  suffix: HTMLSpanElement;
}

export class PrechatForm {
  readonly root: HTMLElement;
  readonly title: HTMLHeadingElement;
  readonly deviceOwn: HTMLInputElement;
  readonly message = new LeaveMessageFields();

  /** A request is under way (the submit button says so and does nothing more). */
  busy = false;
  /** The error under the form (a refused request, no topic or language chosen). */
  errorText = '';
  /** The topic the error is about: it shows only while that topic is chosen (null: any). */
  errorTopic: string | null = null;
  /** A topic whose line asked the customer to leave a message (it may be open, but busy). */
  messageTopic: string | null = null;
  /** What that line asked for: a message, or a number to call back (overflow `callback`). */
  messageKind: MessageKind = 'message';
  /** The topic of the last chat requested. */
  lastTopic: string | null = null;

  private readonly ctx: PrechatContext;
  private readonly loading: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly closedAll: HTMLParagraphElement;
  private readonly topicLegend: HTMLLegendElement;
  private readonly topicList: HTMLDivElement;
  private readonly topicNote: HTMLParagraphElement;
  private readonly languageLabel: HTMLLabelElement;
  private readonly languageSelect: HTMLSelectElement;
  private readonly languageNote: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
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
  private readonly deviceShared: HTMLInputElement;
  private readonly deviceOwnLabel: HTMLLabelElement;
  private readonly deviceSharedLabel: HTMLLabelElement;
  private readonly deviceHint: HTMLParagraphElement;

  /** setup and language the topic list was built for. */
  private builtFor: { setup: CustomerSetup; lang: WidgetLang } | null = null;
  private topicInputs: TopicInput[] = [];
  /** The customer picked a language themselves (else the widget's language is preferred). */
  private languageChosen = false;

  constructor(ctx: PrechatContext, cb: PrechatCallbacks) {
    this.ctx = ctx;
    this.root = el('section', {
      id: 'sb-prechat',
      className: 'view',
      attrs: { 'aria-labelledby': 'sb-prechat-title' },
    });
    this.root.hidden = true;
    this.title = el('h3', { id: 'sb-prechat-title', className: 'view-title', attrs: { tabindex: '-1' } });
    this.loading = el('p', { id: 'sb-prechat-loading', className: 'note' });
    this.form = el('form', { id: 'sb-prechat-form', className: 'form', attrs: { novalidate: '' } });
    this.closedAll = el('p', { id: 'sb-closed-all', className: 'note note-closed' });
    this.closedAll.hidden = true;
    const topicSet = el('fieldset', { id: 'sb-topics', className: 'topics' });
    this.topicLegend = el('legend', { className: 'legend' });
    this.topicList = el('div', { className: 'choices' });
    this.topicNote = el('p', {
      id: 'sb-topic-note',
      className: 'note note-closed',
      attrs: { role: 'status' },
    });
    topicSet.append(this.topicLegend, this.topicList, this.topicNote);
    this.languageLabel = el('label', { className: 'label' });
    this.languageSelect = el('select', {
      id: 'sb-language',
      className: 'select',
      attrs: { name: 'lang', 'aria-describedby': 'sb-language-note' },
    });
    this.languageNote = el('p', { id: 'sb-language-note', className: 'note' });
    const langField = field(this.languageLabel, this.languageSelect, { after: [this.languageNote] });
    this.error = el('p', { id: 'sb-prechat-error', className: 'error', attrs: { role: 'alert' } });
    this.startButton = button({ id: 'sb-start', className: 'action', type: 'submit' });

    this.nameLabel = el('label', { className: 'label' });
    this.nameInput = el('input', {
      id: 'sb-name',
      className: 'input',
      attrs: {
        name: 'name',
        type: 'text',
        autocomplete: 'off',
        required: '',
        'aria-required': 'true',
        'aria-describedby': 'sb-name-hint sb-name-error',
      },
    });
    this.nameHint = el('p', { id: 'sb-name-hint', className: 'note' });
    this.nameError = el('p', { id: 'sb-name-error', className: 'error' });
    const nameField = field(this.nameLabel, this.nameInput, { after: [this.nameHint, this.nameError] });

    this.claimLabel = el('label', { className: 'label' });
    this.claimInput = el('input', {
      id: 'sb-claim',
      className: 'input',
      attrs: {
        name: 'claim_ref',
        type: 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'sb-claim-hint sb-claim-error',
      },
    });
    this.claimHint = el('p', { id: 'sb-claim-hint', className: 'note note-important' });
    this.claimError = el('p', { id: 'sb-claim-error', className: 'error' });
    // the hint (never an SSN) is read before the box
    const claimField = field(this.claimLabel, this.claimInput, {
      before: [this.claimHint],
      after: [this.claimError],
    });

    const deviceSet = el('fieldset', {
      id: 'sb-device',
      className: 'topics',
      attrs: { 'aria-describedby': 'sb-device-hint' },
    });
    this.deviceLegend = el('legend', { className: 'legend' });
    const deviceChoices = el('div', { className: 'choices' });
    this.deviceShared = el('input', {
      id: 'sb-device-shared',
      attrs: { type: 'radio', name: 'device', value: 'shared' },
    });
    this.deviceShared.checked = true;
    this.deviceOwn = el('input', {
      id: 'sb-device-own',
      attrs: { type: 'radio', name: 'device', value: 'own' },
    });
    this.deviceOwnLabel = el('label');
    this.deviceSharedLabel = el('label');
    deviceChoices.append(
      choice(this.deviceOwn, this.deviceOwnLabel),
      choice(this.deviceShared, this.deviceSharedLabel),
    );
    this.deviceHint = el('p', { id: 'sb-device-hint', className: 'note' });
    deviceSet.append(this.deviceLegend, deviceChoices, this.deviceHint);

    this.form.append(
      this.closedAll,
      nameField,
      topicSet,
      langField,
      claimField,
      deviceSet,
      this.message.fields,
      this.error,
      this.startButton,
    );
    this.root.append(this.title, this.loading, this.form, this.message.done);

    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (this.messageMode()) cb.leaveMessage();
      else cb.startChat();
    });
    this.message.anotherButton.addEventListener('click', () => {
      this.message.reset();
      cb.render();
      this.nameInput.focus();
    });
    this.languageSelect.addEventListener('change', () => {
      this.languageChosen = true;
    });
    this.topicList.addEventListener('change', () => {
      this.errorText = '';
      this.renderDetails();
    });
    this.nameInput.addEventListener('input', () => {
      setFieldError(this.nameInput, this.nameError, '');
    });
    this.claimInput.addEventListener('input', () => {
      setFieldError(this.claimInput, this.claimError, '');
    });
  }

  /** The customer said the computer is their own. */
  get ownDevice(): boolean {
    return this.deviceOwn.checked;
  }

  /** The language chosen in the form ('' when none can be). */
  get language(): string {
    return this.languageSelect.value;
  }

  private strings(): WidgetStrings {
    return STRINGS[this.ctx.lang()];
  }

  private chatStrings(): ChatStrings {
    return CHAT_STRINGS[this.ctx.lang()];
  }

  renderStrings(t: WidgetStrings, tc: ChatStrings): void {
    this.title.textContent = t.prechatHeading;
    this.loading.textContent = t.loadingTopics;
    this.topicLegend.textContent = t.topicLegend;
    this.languageLabel.textContent = t.languageLabel;
    this.nameLabel.textContent = tc.nameLabel;
    this.nameHint.textContent = tc.nameHint;
    this.claimLabel.textContent = tc.claimLabel;
    this.claimHint.textContent = tc.claimHint;
    this.deviceLegend.textContent = tc.deviceLegend;
    this.deviceOwnLabel.textContent = tc.deviceOwn;
    this.deviceSharedLabel.textContent = tc.deviceShared;
    this.deviceHint.textContent = tc.deviceHint;
  }

  /** Builds the topic radios (again only when the topics or the language changed). */
  render(): void {
    const t = this.strings();
    const lang = this.ctx.lang();
    const setup = this.ctx.setup();
    this.loading.hidden = setup !== null;
    this.form.hidden = setup === null;
    if (!setup) return;
    if (this.builtFor?.setup !== setup || this.builtFor.lang !== lang) {
      const chosen = this.chosenTopic()?.id ?? null;
      const hadFocus = this.topicInputs.some((x) => x.input === this.ctx.activeElement());
      this.topicInputs = setup.topics
        .filter((tp) => tp.channels.includes('chat'))
        .map((topic) => {
          const input = el('input', {
            id: `sb-topic-${topic.id}`,
            attrs: { type: 'radio', name: 'topic', value: topic.id },
          });
          input.checked = topic.id === chosen;
          const suffix = el('span', { className: 'topic-closed' });
          return { topic, input, suffix };
        });
      this.topicList.replaceChildren(
        ...this.topicInputs.map(({ topic, input, suffix }) => {
          const label = el('label');
          label.append(el('span', { text: topicLabel(topic, lang) }), suffix);
          return choice(input, label);
        }),
      );
      this.builtFor = { setup, lang };
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
      setText(suffix, text);
    }
    const openTopics = this.topicInputs.filter((x) => x.topic.open);
    if (openTopics.length === 0) {
      const next = this.topicInputs
        .map((x) => x.topic.next_open_ms)
        .filter((n): n is number => n !== undefined)
        .sort((a, b) => a - b)[0];
      this.closedAll.textContent = closedText(t, next, this.ctx.locale());
      this.closedAll.hidden = false;
    } else {
      this.closedAll.hidden = true;
    }
    this.renderDetails();
  }

  chosenTopic(): Topic | null {
    return this.topicInputs.find((x) => x.input.checked)?.topic ?? null;
  }

  /** The form leaves a message instead of starting a chat: the topic is closed, or its line
   * asked for a message. */
  messageMode(): boolean {
    const topic = this.chosenTopic();
    return topic !== null && (!topic.open || this.messageTopic === topic.id);
  }

  /** What the form leaves in message mode: a call back only where the line asked for one. */
  kind(): MessageKind {
    const topic = this.chosenTopic();
    return topic !== null && this.messageTopic === topic.id ? this.messageKind : 'message';
  }

  /** The parts of the form that follow the chosen topic: its note, its languages, errors. */
  renderDetails(): void {
    const t = this.strings();
    const lang = this.ctx.lang();
    const setup = this.ctx.setup();
    if (!setup) return;
    const topic = this.chosenTopic();
    // closed topic: when it opens, and that a message will be possible
    const messageMode = this.messageMode();
    const callback = messageMode && this.kind() === 'callback';
    const later = callback ? t.cbLater : t.leaveMessageLater;
    if (topic && !topic.open) {
      this.topicNote.textContent = `${closedText(t, topic.next_open_ms, this.ctx.locale())} ${later}`;
      this.topicNote.hidden = false;
    } else if (messageMode) {
      this.topicNote.textContent = later;
      this.topicNote.hidden = false;
    } else {
      this.topicNote.textContent = '';
      this.topicNote.hidden = true;
    }
    // languages of the topic (all offered languages before a topic is chosen)
    const langs = topic ? topicLanguages(topic, setup.languages) : [...setup.languages];
    const current = this.languageSelect.value;
    const key = `${lang}|${langs.join(',')}`;
    if (this.languageSelect.dataset.key !== key) {
      this.languageSelect.replaceChildren(
        ...langs.map((code) =>
          el('option', { text: languageOptionLabel(code, lang), attrs: { value: code } }),
        ),
      );
      this.languageSelect.dataset.key = key;
      const pick =
        this.languageChosen && langs.includes(current) ? current : langs.includes(lang) ? lang : langs[0];
      if (pick !== undefined) this.languageSelect.value = pick;
    }
    // the customer's language is not offered for this topic: say where it is
    let note = '';
    if (topic && !langs.includes(lang)) {
      const where = this.topicInputs
        .filter((x) => topicLanguages(x.topic, setup.languages).includes(lang))
        .map((x) => topicLabel(x.topic, lang));
      const name = languageName(lang, lang);
      note =
        where.length > 0 ? t.languageNotOffered(name, where.join('; ')) : t.languageNotOfferedAnywhere(name);
    }
    this.languageNote.textContent = note;
    this.languageNote.hidden = note === '';
    const errorNow =
      this.errorTopic === null || this.errorTopic === (topic?.id ?? null) ? this.errorText : '';
    setText(this.error, errorNow);
    this.message.render(t, messageMode, callback ? 'callback' : 'message');
    this.form.hidden = this.message.isDone();
    setBusy(
      this.startButton,
      this.busy,
      messageMode
        ? this.busy
          ? t.lmSending
          : callback
            ? t.cbSend
            : t.lmSend
        : this.busy
          ? t.starting
          : t.start,
    );
  }

  /** Shows what is wrong with the name and the claim reference, next to each. */
  private showNameClaimErrors(
    name: ReturnType<typeof checkName>,
    claim: ReturnType<typeof checkClaimRef>,
  ): void {
    const tc = this.chatStrings();
    setFieldError(
      this.nameInput,
      this.nameError,
      name.ok ? '' : name.why === 'required' ? tc.nameRequired : tc.nameTooLong,
    );
    setFieldError(
      this.claimInput,
      this.claimError,
      claim.ok ? '' : claim.why === 'ssn' ? tc.claimLooksLikeSsn : tc.claimInvalid,
    );
  }

  /**
   * Checks the form for a chat: every field at once, each saying what is wrong next to it, the
   * first wrong one taking the focus. Returns what contact.request needs, or null.
   */
  checkChat(): ChatFields | null {
    const t = this.strings();
    const topic = this.chosenTopic();
    const lang = this.languageSelect.value;
    this.errorTopic = null;
    const name = checkName(this.nameInput.value);
    const claim = checkClaimRef(this.claimInput.value);
    this.showNameClaimErrors(name, claim);
    this.errorText = !topic ? t.chooseTopic : lang === '' ? t.chooseLanguage : '';
    this.renderDetails();
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
      return null;
    }
    return { topic, lang, name: name.value, claimRef: claim.value };
  }

  /** Checks the form for a message, the same way. Returns what contact.message needs, or null. */
  checkMessage(): MessageFields | null {
    const t = this.strings();
    const name = checkName(this.nameInput.value);
    const claim = checkClaimRef(this.claimInput.value);
    const kind = this.kind();
    const callback = kind === 'callback';
    // every field says what is wrong at once; the first wrong one, as shown, takes the focus
    const text = checkText(this.message.textInput.value);
    const reply = checkReplyTo(this.message.replyInput.value, kind);
    this.showNameClaimErrors(name, claim);
    this.message.setError(
      'text',
      text.ok
        ? ''
        : text.why === 'too-long'
          ? t.lmTextTooLong
          : callback
            ? t.cbTextRequired
            : t.lmTextRequired,
    );
    this.message.setError(
      'reply_to',
      reply.ok
        ? ''
        : reply.why === 'required'
          ? t.cbPhoneRequired
          : reply.why === 'not-phone'
            ? t.cbPhoneInvalid
            : t.lmReplyTooLong,
    );
    const msg = checkMessage(this.message.textInput.value, this.message.replyInput.value, kind);
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
      return null;
    }
    return { name: name.value, claimRef: claim.value, text: msg.text, replyTo: msg.replyTo, callback };
  }

  /** The server refused the name or the claim reference (BAD_FIELD): said next to it, focused. */
  refuseField(field: 'name' | 'claim_ref', tc: ChatStrings): void {
    if (field === 'name') {
      setFieldError(this.nameInput, this.nameError, tc.nameTooLong);
      this.nameInput.focus();
    } else {
      setFieldError(this.claimInput, this.claimError, tc.claimInvalid);
      this.claimInput.focus();
    }
  }

  /** The server refused the message or the number (BAD_FIELD): said next to it, focused. */
  refuseMessageField(field: 'text' | 'reply_to', t: WidgetStrings): void {
    const callback = this.kind() === 'callback';
    if (field === 'text') {
      this.message.setError('text', t.lmTextTooLong);
      this.message.textInput.focus();
    } else {
      this.message.setError('reply_to', callback ? t.cbPhoneInvalid : t.lmReplyTooLong);
      this.message.replyInput.focus();
    }
  }

  /** A new chat: no message mode, no error, the widget's language preferred again. */
  reset(): void {
    this.messageTopic = null;
    this.messageKind = 'message';
    this.message.reset();
    this.errorText = '';
    this.languageChosen = false;
  }

  /** The focus for a fresh form: the chosen topic, else the first, else the heading. */
  focusFirst(): void {
    (
      this.topicInputs.find((x) => x.input.checked)?.input ??
      this.topicInputs[0]?.input ??
      this.title
    ).focus();
  }

  /** The line asked for a message (or a number to call back): the form in that mode, for that topic. */
  chooseForMessage(topic: string | null, kind: MessageKind = 'message'): void {
    this.messageTopic = topic;
    this.messageKind = kind;
    for (const x of this.topicInputs) x.input.checked = x.topic.id === topic;
  }
}
