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
import { button, choice, el, foreign, isolate, setParts, setText, type Part } from '../common/dom';
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

  const tab = button(
    {
      id: `chat-tab-${cid}`,
      className: 'chat-tab',
      attrs: {
        role: 'tab',
        'aria-selected': 'false',
        'aria-controls': `chat-panel-${cid}`,
        tabindex: '-1',
        'data-conversation-id': cid,
      },
    },
    d,
  );
  const tabName = el('span', { className: 'chat-tab-name' }, d);
  const tabMeta = el('span', { className: 'chat-tab-meta' }, d);
  const tabUnread = el('span', { className: 'chat-tab-unread' }, d);
  const tabWaiting = el('span', { className: 'chat-tab-waiting' }, d);
  const tabState = el('span', { className: 'chat-tab-state' }, d);
  tab.append(tabName, tabMeta, tabUnread, tabWaiting, tabState);

  const panel = el(
    'section',
    {
      id: `chat-panel-${cid}`,
      className: 'chat-panel',
      attrs: { role: 'tabpanel', 'aria-labelledby': tab.id, 'data-conversation-id': cid },
    },
    d,
  );
  panel.hidden = true;

  const heading = el('h3', { id: `${base}-heading`, className: 'chat-heading' }, d);
  const facts = el('dl', { className: 'chat-facts' }, d);
  const fact = (label: string, id: string): HTMLElement => {
    const dd = el('dd', { id: `${base}-${id}` }, d);
    facts.append(el('dt', { text: label }, d), dd);
    return dd;
  };
  const dName = fact('Customer', 'customer');
  const dTopic = fact('Topic', 'topic');
  const dLang = fact('Language', 'language');
  const dClaim = fact('Claim reference', 'claim');
  const dVerified = fact('Identity', 'verified');
  const transferNote = el('p', { id: `${base}-transfer-note`, className: 'chat-transfer-note' }, d);
  transferNote.hidden = true;

  const status = el('p', { id: `${base}-status`, className: 'chat-status', attrs: { role: 'status' } }, d);
  const wrapupButton = button(
    { id: `${base}-wrapup`, className: 'button button-secondary', text: 'Go to the wrap-up' },
    d,
  );
  wrapupButton.hidden = true;

  // actions
  const actions = el(
    'div',
    { className: 'chat-actions', attrs: { role: 'group', 'aria-label': 'Chat actions' } },
    d,
  );
  const secondary = 'button button-secondary';
  const verifyButton = button({ id: `${base}-verify`, className: secondary, text: 'Verify identity' }, d);
  const transferButton = button({ id: `${base}-transfer`, className: secondary, text: 'Transfer' }, d);
  const endButton = button({ id: `${base}-end`, className: secondary, text: 'End chat' }, d);
  const blockButton = button(
    { id: `${base}-block`, className: 'button button-danger', text: 'End and block' },
    d,
  );
  actions.append(verifyButton, transferButton, endButton, blockButton);
  const actionError = el(
    'p',
    { id: `${base}-action-error`, className: 'form-error', attrs: { role: 'alert' } },
    d,
  );

  // log and typing
  const log = new ChatLog(
    `${base}-log`,
    `Conversation with ${info.customer_name ? isolate(info.customer_name) : 'the customer'}`,
    logActions,
    d,
  );
  const typing = el('p', { id: `${base}-typing`, className: 'chat-typing' }, d);

  // composer
  const form = el(
    'form',
    { id: `${base}-composer`, className: 'chat-composer', attrs: { novalidate: '' } },
    d,
  );
  const composerLabel = el('label', { className: 'chat-composer-label' }, d);
  const textarea = el('textarea', { id: `${base}-message`, attrs: { rows: '3' } }, d);
  composerLabel.htmlFor = textarea.id;
  const composerHint = el('p', { id: `${base}-message-hint`, className: 'muted chat-composer-hint' }, d);
  const composerError = el(
    'p',
    { id: `${base}-message-error`, className: 'field-error', attrs: { role: 'alert' } },
    d,
  );
  textarea.setAttribute('aria-describedby', `${composerHint.id} ${composerError.id}`);
  const tools = el('div', { className: 'chat-composer-tools' }, d);
  const privateToggle = el('input', { id: `${base}-private`, attrs: { type: 'checkbox' } }, d);
  const privWrap = choice(
    privateToggle,
    el('label', { text: 'Private note (not sent to the customer)' }, d),
    'choice chat-private',
    d,
  );
  const cannedButton = button(
    {
      id: `${base}-canned`,
      className: secondary,
      text: 'Canned responses',
      attrs: { 'aria-haspopup': 'dialog' },
    },
    d,
  );
  const send = button({ id: `${base}-send`, className: 'button', text: 'Send', type: 'submit' }, d);
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
