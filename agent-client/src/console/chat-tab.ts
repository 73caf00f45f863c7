/**
 * One chat of the chat desk: what the desk knows about it (ChatTab), the elements of its tab
 * (role=tab: the customer, topic and language, unread count, waiting time, "Ended: wrap-up") and of
 * its panel (role=tabpanel: the details, the log, the customer's typing, the composer and the
 * actions), and how they show the chat's state. Building and rendering live here; what the agent
 * does with a chat (sending, ending, the dialogs) stays with the desk (chats.ts).
 */
import { LONG_WAIT_MS, unreadText, waitingSince, waitingText } from './activity';
import { missingPlaceholders } from './canned';
import { ChatLog, NOTE_LABEL } from './chat-log';
import { languageName } from './format';
import type { Conversation } from '../chat/conversation';
import type { RemoteTyping } from '../chat/typing';
import { el, foreign, isolate, setParts, setText, type Part } from '../common/dom';
import type { ChatOpen } from '../proto/schema.gen';

/** The elements of one chat: its tab button and its panel. */
export interface ChatTabView {
  tab: HTMLButtonElement;
  tabName: HTMLElement;
  tabMeta: HTMLElement;
  tabUnread: HTMLElement;
  tabWaiting: HTMLElement;
  tabState: HTMLElement;

  panel: HTMLElement;
  heading: HTMLHeadingElement;
  dName: HTMLElement;
  dTopic: HTMLElement;
  dLang: HTMLElement;
  dClaim: HTMLElement;
  dVerified: HTMLElement;
  transferNote: HTMLElement;
  log: ChatLog;
  typing: HTMLElement;
  status: HTMLElement;
  wrapupButton: HTMLButtonElement;
  actions: HTMLElement;
  actionError: HTMLElement;
  form: HTMLFormElement;
  composerLabel: HTMLLabelElement;
  textarea: HTMLTextAreaElement;
  privateToggle: HTMLInputElement;
  composerHint: HTMLElement;
  composerError: HTMLElement;
  send: HTMLButtonElement;
  cannedButton: HTMLButtonElement;
  verifyButton: HTMLButtonElement;
  transferButton: HTMLButtonElement;
  endButton: HTMLButtonElement;
  blockButton: HTMLButtonElement;
}

/** One chat the agent holds: its state, and its elements. */
export interface ChatTab extends ChatTabView {
  id: string;
  info: ChatOpen;
  conv: Conversation;
  seenInWork: boolean;
  state: 'open' | 'wrapping';
  queueName: string;
  unread: number;
  verified: string | null;
  customerTyping: RemoteTyping;
  ending: boolean;
  /** A colleague the chat was offered to, until they answer. */
  transferTo: string | null;
  /** What the panel says about the chat (a transfer, ...), while it is open. */
  statusNote: string;
  /** "Lee left at 2:20 PM; they can come back until 2:35 PM.", while the customer is away. */
  awayNote: Part[];
}

/** The customer's name in a sentence: isolated when the customer gave one. */
export function customerPart(t: ChatTab, fallback = 'Customer'): Part {
  return t.info.customer_name ? foreign(t.info.customer_name) : fallback;
}

/** The customer's name for plain text (announcements, labels): isolated when needed. */
export function customerText(t: ChatTab, fallback = 'Customer'): string {
  return t.info.customer_name ? isolate(t.info.customer_name) : fallback;
}

/**
 * Builds the tab and the panel of a chat (ids from its conversation id), without behaviour: the
 * desk adds the listeners. `logActions` retry or remove an unsent message.
 */
export function buildChatTabView(
  info: ChatOpen,
  logActions: { retry: (id: string) => void; remove: (id: string) => void },
  d: Document,
): ChatTabView {
  const cid = info.conversation_id;
  const base = `chat-${cid}`;

  const tab = el('button', { className: 'chat-tab' }, d);
  tab.type = 'button';
  tab.id = `chat-tab-${cid}`;
  tab.setAttribute('role', 'tab');
  tab.setAttribute('aria-selected', 'false');
  tab.setAttribute('aria-controls', `chat-panel-${cid}`);
  tab.tabIndex = -1;
  tab.dataset.conversationId = cid;
  const tabName = el('span', { className: 'chat-tab-name' }, d);
  const tabMeta = el('span', { className: 'chat-tab-meta' }, d);
  const tabUnread = el('span', { className: 'chat-tab-unread' }, d);
  const tabWaiting = el('span', { className: 'chat-tab-waiting' }, d);
  const tabState = el('span', { className: 'chat-tab-state' }, d);
  tab.append(tabName, tabMeta, tabUnread, tabWaiting, tabState);

  const panel = el('section', { className: 'chat-panel' }, d);
  panel.id = `chat-panel-${cid}`;
  panel.setAttribute('role', 'tabpanel');
  panel.setAttribute('aria-labelledby', tab.id);
  panel.dataset.conversationId = cid;
  panel.hidden = true;

  const heading = el('h3', { className: 'chat-heading' }, d);
  heading.id = `${base}-heading`;
  const facts = el('dl', { className: 'chat-facts' }, d);
  const fact = (label: string, id: string): HTMLElement => {
    const dd = el('dd', {}, d);
    dd.id = `${base}-${id}`;
    facts.append(el('dt', { text: label }, d), dd);
    return dd;
  };
  const dName = fact('Customer', 'customer');
  const dTopic = fact('Topic', 'topic');
  const dLang = fact('Language', 'language');
  const dClaim = fact('Claim reference', 'claim');
  const dVerified = fact('Identity', 'verified');
  const transferNote = el('p', { className: 'chat-transfer-note' }, d);
  transferNote.id = `${base}-transfer-note`;
  transferNote.hidden = true;

  const status = el('p', { className: 'chat-status' }, d);
  status.id = `${base}-status`;
  status.setAttribute('role', 'status');
  const wrapupButton = el('button', { className: 'button button-secondary', text: 'Go to the wrap-up' }, d);
  wrapupButton.type = 'button';
  wrapupButton.id = `${base}-wrapup`;
  wrapupButton.hidden = true;

  // actions
  const actions = el('div', { className: 'chat-actions' }, d);
  actions.setAttribute('role', 'group');
  actions.setAttribute('aria-label', 'Chat actions');
  const mk = (id: string, text: string, cls = 'button button-secondary'): HTMLButtonElement => {
    const b = el('button', { className: cls, text }, d);
    b.type = 'button';
    b.id = `${base}-${id}`;
    return b;
  };
  const verifyButton = mk('verify', 'Verify identity');
  const transferButton = mk('transfer', 'Transfer');
  const endButton = mk('end', 'End chat');
  const blockButton = mk('block', 'End and block', 'button button-danger');
  actions.append(verifyButton, transferButton, endButton, blockButton);
  const actionError = el('p', { className: 'form-error' }, d);
  actionError.id = `${base}-action-error`;
  actionError.setAttribute('role', 'alert');

  // log and typing
  const log = new ChatLog(
    `${base}-log`,
    `Conversation with ${info.customer_name ? isolate(info.customer_name) : 'the customer'}`,
    logActions,
    d,
  );
  const typing = el('p', { className: 'chat-typing' }, d);
  typing.id = `${base}-typing`;

  // composer
  const form = el('form', { className: 'chat-composer' }, d);
  form.id = `${base}-composer`;
  form.noValidate = true;
  const composerLabel = el('label', { className: 'chat-composer-label' }, d);
  const textarea = el('textarea', {}, d);
  textarea.id = `${base}-message`;
  textarea.rows = 3;
  composerLabel.htmlFor = textarea.id;
  const composerHint = el('p', { className: 'muted chat-composer-hint' }, d);
  composerHint.id = `${base}-message-hint`;
  const composerError = el('p', { className: 'field-error' }, d);
  composerError.id = `${base}-message-error`;
  composerError.setAttribute('role', 'alert');
  textarea.setAttribute('aria-describedby', `${composerHint.id} ${composerError.id}`);
  const tools = el('div', { className: 'chat-composer-tools' }, d);
  const privWrap = el('div', { className: 'choice chat-private' }, d);
  const privateToggle = el('input', {}, d);
  privateToggle.type = 'checkbox';
  privateToggle.id = `${base}-private`;
  const privLabel = el('label', { text: 'Private note (not sent to the customer)' }, d);
  privLabel.htmlFor = privateToggle.id;
  privWrap.append(privateToggle, privLabel);
  const cannedButton = mk('canned', 'Canned responses');
  cannedButton.setAttribute('aria-haspopup', 'dialog');
  const send = el('button', { className: 'button', text: 'Send' }, d);
  send.type = 'submit';
  send.id = `${base}-send`;
  tools.append(privWrap, cannedButton, send);
  form.append(composerLabel, textarea, composerHint, composerError, tools);

  const main = el('div', { className: 'chat-main' }, d);
  main.append(log.box, typing, status, wrapupButton, form);
  const side = el('div', { className: 'chat-side' }, d);
  side.append(facts, transferNote, actions, actionError);
  const cols = el('div', { className: 'chat-columns' }, d);
  cols.append(main, side);
  panel.append(heading, cols);

  return {
    tab,
    tabName,
    tabMeta,
    tabUnread,
    tabWaiting,
    tabState,
    panel,
    heading,
    dName,
    dTopic,
    dLang,
    dClaim,
    dVerified,
    transferNote,
    log,
    typing,
    status,
    wrapupButton,
    actions,
    actionError,
    form,
    composerLabel,
    textarea,
    privateToggle,
    composerHint,
    composerError,
    send,
    cannedButton,
    verifyButton,
    transferButton,
    endButton,
    blockButton,
  };
}

/** The tab's words: who, about what, in which language; unread count; ended. */
export function renderTabLabel(t: ChatTab): void {
  setParts(t.tabName, [customerPart(t)]);
  setParts(t.tabMeta, [foreign(t.info.topic_label || t.info.topic), ` · ${languageName(t.info.language)}`]);
  setText(t.tabUnread, unreadText(t.unread));
  t.tabUnread.hidden = t.unread === 0;
  t.tab.dataset.unread = String(t.unread);
  setText(t.tabState, t.state === 'wrapping' ? 'Ended: wrap-up' : '');
  t.tabState.hidden = t.state !== 'wrapping';
  t.tab.dataset.state = t.state;
}

/** How long the customer has waited for a reply (`now` on the server's clock), marked when long. */
export function renderTabWaiting(t: ChatTab, now: number): void {
  const replyPending = t.conv.store.unacked().some((o) => !o.private);
  const since = t.state === 'open' ? waitingSince(t.conv.store.list(), replyPending) : null;
  setText(t.tabWaiting, waitingText(since, now));
  t.tabWaiting.hidden = since === null;
  const long = since !== null && now - since >= LONG_WAIT_MS;
  t.tab.classList.toggle('chat-tab-long-wait', long);
}

/** The details beside the log: who the customer is, verified or not, the transfer note. */
export function renderDetails(t: ChatTab): void {
  const i = t.info;
  setParts(t.heading, ['Chat with ', customerPart(t)]);
  setParts(t.dName, [customerPart(t, 'Not given')]);
  setParts(t.dTopic, [foreign(i.topic_label || i.topic)]);
  setText(t.dLang, languageName(i.language));
  setParts(t.dClaim, [i.claim_ref !== undefined ? foreign(i.claim_ref) : 'None given']);
  setParts(t.dVerified, t.verified !== null ? ['Verified (', foreign(t.verified), ')'] : ['Not verified']);
  t.dVerified.dataset.verified = t.verified !== null ? 'true' : 'false';
  t.verifyButton.hidden = t.verified !== null || t.state !== 'open';
  const note = i.transfer_note ?? '';
  setParts(t.transferNote, note ? ['Transfer note from the previous specialist: ', foreign(note)] : []);
  t.transferNote.hidden = note === '';
}

/** The composer and the actions for the chat's state; `live`: the console is connected. */
export function renderComposer(t: ChatTab, live: boolean): void {
  const open = t.state === 'open';
  const priv = t.privateToggle.checked;
  t.form.hidden = !open;
  t.actions.hidden = !open;
  t.verifyButton.hidden = t.verified !== null || !open;
  t.transferButton.hidden = t.transferTo !== null;
  t.form.classList.toggle('chat-composer-note', priv);
  setParts(t.composerLabel, priv ? [NOTE_LABEL] : ['Message to ', customerPart(t)]);
  setText(t.send, priv ? 'Add private note' : 'Send');
  t.wrapupButton.hidden = open;
  const status: Part[] = t.statusNote ? [t.statusNote] : [];
  setParts(
    t.status,
    open
      ? live
        ? joinParts(t.awayNote, status)
        : joinParts(
            ['Not connected: messages you send now go out when the console reconnects.'],
            t.awayNote,
            status,
          )
      : joinParts(['This chat has ended. Complete the wrap-up in My work.'], status),
  );
  renderComposerHint(t);
}

/** Sentences one after the other, a space between them; empty ones left out. */
function joinParts(...sentences: Part[][]): Part[] {
  return sentences.filter((s) => s.length > 0).flatMap((s, i) => (i > 0 ? [' ', ...s] : s));
}

/** How the keys work, and which placeholders still need a value. */
export function renderComposerHint(t: ChatTab): void {
  const missing = missingPlaceholders(t.textarea.value);
  const base = t.privateToggle.checked
    ? 'Only staff see private notes. Enter adds the note; Shift+Enter starts a new line.'
    : 'Enter sends; Shift+Enter starts a new line.';
  setText(
    t.composerHint,
    missing.length > 0 ? `${base} Fill in ${missing.map((m) => `{${m}}`).join(', ')} before sending.` : base,
  );
}
