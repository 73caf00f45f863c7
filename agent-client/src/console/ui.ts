/**
 * The routing part of the agent console, built as elements (so tests can build it too): alert
 * settings for the header, the offer card, the agent's status and queues, and "My work".
 * Every text that may come from the server is set later with textContent.
 */
import { button, choice, el, field } from '../common/dom';

export interface ConsoleUI {
  /** Goes into the header's session bar. */
  settings: HTMLElement;
  soundToggle: HTMLInputElement;
  soundNote: HTMLElement;
  notifyButton: HTMLButtonElement;
  notifyStatus: HTMLElement;

  /** Goes at the top of the app view. */
  routing: HTMLElement;
  stale: HTMLElement;
  assertive: HTMLElement;
  polite: HTMLElement;

  offerCard: HTMLElement;
  offerTitle: HTMLHeadingElement;
  offerQueue: HTMLElement;
  offerLanguage: HTMLElement;
  offerWaited: HTMLElement;
  offerCountdown: HTMLElement;
  offerProgress: HTMLProgressElement;
  offerError: HTMLElement;
  offerAccept: HTMLButtonElement;
  offerDecline: HTMLButtonElement;
  offerResult: HTMLElement;

  statePanel: HTMLElement;
  stateCurrent: HTMLElement;
  stateAlert: HTMLElement;
  stateForm: HTMLFormElement;
  stateFieldset: HTMLFieldSetElement;
  stateRadios: Record<'available' | 'away' | 'offline', HTMLInputElement>;
  reasonField: HTMLElement;
  reasonSelect: HTMLSelectElement;
  stateSubmit: HTMLButtonElement;
  stateError: HTMLElement;
  setupNote: HTMLElement;
  waiting: HTMLElement;
  queueList: HTMLElement;

  workHeading: HTMLHeadingElement;
  workEmpty: HTMLElement;
  workList: HTMLUListElement;
  workNotice: HTMLElement;
}

function fact(doc: Document, label: string, value: HTMLElement): [HTMLElement, HTMLElement] {
  const dt = el('dt', { text: label }, doc);
  const dd = el('dd', {}, doc);
  dd.append(value);
  return [dt, dd];
}

export function buildConsoleUI(doc: Document = document): ConsoleUI {
  // --- header: how offers reach the agent -------------------------------------------------------
  const settings = el('div', { id: 'alert-settings', className: 'alert-settings' }, doc);
  settings.hidden = true;
  const soundLabel = el('label', { className: 'header-check' }, doc);
  const soundToggle = el('input', { id: 'sound-enabled', attrs: { type: 'checkbox' } }, doc);
  soundLabel.htmlFor = 'sound-enabled';
  soundLabel.append(soundToggle, el('span', { text: 'Sound for offers and new messages' }, doc));
  const soundNote = el('span', { id: 'sound-note', className: 'header-note' }, doc);
  soundNote.hidden = true;
  const notifyButton = button(
    { id: 'notify-enable', className: 'button button-header', text: 'Turn on desktop notifications' },
    doc,
  );
  const notifyStatus = el('span', { id: 'notify-status', className: 'header-note' }, doc);
  notifyStatus.hidden = true;
  settings.append(soundLabel, soundNote, notifyButton, notifyStatus);

  // --- routing area -------------------------------------------------------------------------------
  const routing = el('div', { id: 'routing', className: 'routing' }, doc);
  const stale = el(
    'p',
    {
      id: 'routing-stale',
      className: 'stale-note',
      text: 'Not connected: what you see below may be out of date until the console reconnects.',
    },
    doc,
  );
  stale.hidden = true;
  // live regions exist from the start, so that what is written into them is announced
  const assertive = el(
    'div',
    {
      id: 'offer-announcer',
      className: 'visually-hidden',
      attrs: { 'aria-live': 'assertive', 'aria-atomic': 'true' },
    },
    doc,
  );
  const polite = el(
    'div',
    {
      id: 'console-announcer',
      className: 'visually-hidden',
      attrs: { role: 'status', 'aria-atomic': 'true' },
    },
    doc,
  );

  // the offer card
  const offerCard = el(
    'section',
    { id: 'offer-card', className: 'offer-card', attrs: { 'aria-labelledby': 'offer-title' } },
    doc,
  );
  offerCard.hidden = true;
  const offerTitle = el(
    'h2',
    { id: 'offer-title', className: 'offer-title', attrs: { tabindex: '-1' } },
    doc,
  );
  const offerQueue = el('span', { id: 'offer-queue' }, doc);
  const offerLanguage = el('span', { id: 'offer-language' }, doc);
  const offerWaited = el('span', { id: 'offer-waited' }, doc);
  const offerCountdown = el('span', { id: 'offer-countdown', className: 'offer-countdown' }, doc);
  const offerProgress = el(
    'progress',
    {
      id: 'offer-progress',
      className: 'offer-progress',
      attrs: { 'aria-label': 'Time left to accept', 'aria-hidden': 'true' },
    },
    doc,
  );
  const facts = el('dl', { className: 'offer-facts' }, doc);
  const countdownBox = el('span', { className: 'offer-countdown-box' }, doc);
  countdownBox.append(offerCountdown, offerProgress);
  facts.append(
    ...fact(doc, 'Queue', offerQueue),
    ...fact(doc, 'Language', offerLanguage),
    ...fact(doc, 'Customer waiting', offerWaited),
    ...fact(doc, 'Time left', countdownBox),
  );
  const offerError = el('p', { id: 'offer-error', className: 'form-error', attrs: { role: 'alert' } }, doc);
  const offerActions = el('div', { className: 'offer-actions' }, doc);
  const offerAccept = button({ id: 'offer-accept', className: 'button button-accept', text: 'Accept' }, doc);
  const offerDecline = button(
    { id: 'offer-decline', className: 'button button-secondary', text: 'Decline' },
    doc,
  );
  offerActions.append(offerAccept, offerDecline);
  const offerHint = el(
    'p',
    {
      className: 'muted offer-hint',
      text: 'Alt+Shift+O brings you to this offer from anywhere on the page.',
    },
    doc,
  );
  offerCard.append(offerTitle, facts, offerError, offerActions, offerHint);
  const offerResult = el(
    'p',
    { id: 'offer-result', className: 'offer-result', attrs: { tabindex: '-1' } },
    doc,
  );
  offerResult.hidden = true;

  // status and queues
  const statePanel = el(
    'section',
    {
      id: 'agent-state-panel',
      className: 'panel state-panel',
      attrs: { 'aria-labelledby': 'agent-state-heading' },
    },
    doc,
  );
  const stateHeading = el('h2', { id: 'agent-state-heading', text: 'Your status' }, doc);
  const stateCurrent = el(
    'p',
    { id: 'agent-state-current', className: 'state-current', text: 'Status not known yet.' },
    doc,
  );
  const stateAlert = el(
    'p',
    { id: 'agent-state-alert', className: 'alert-box', attrs: { role: 'alert' } },
    doc,
  );
  stateAlert.hidden = true;
  const setupNote = el(
    'p',
    { id: 'agent-setup-note', className: 'muted', text: 'Loading your queues…' },
    doc,
  );

  const stateForm = el(
    'form',
    { id: 'agent-state-form', className: 'state-form', attrs: { novalidate: '' } },
    doc,
  );
  const stateFieldset = el('fieldset', { className: 'state-fieldset' }, doc);
  stateFieldset.disabled = true;
  const legend = el('legend', { text: 'Change your status' }, doc);
  const radioRow = el('div', { className: 'radio-row' }, doc);
  const radios = {} as ConsoleUI['stateRadios'];
  for (const [value, label] of [
    ['available', 'Available'],
    ['away', 'Away'],
    ['offline', 'Offline'],
  ] as const) {
    const input = el(
      'input',
      { id: `agent-status-${value}`, attrs: { type: 'radio', name: 'agent-status', value } },
      doc,
    );
    radioRow.append(choice(input, el('label', { text: label }, doc), 'choice', doc));
    radios[value] = input;
  }
  const reasonSelect = el(
    'select',
    { id: 'agent-away-reason', attrs: { name: 'reason', 'aria-describedby': 'agent-state-error' } },
    doc,
  );
  const reasonField = field('Reason for Away (required)', reasonSelect, {}, doc);
  reasonField.id = 'agent-away-reason-field';
  reasonField.hidden = true;
  const stateError = el(
    'p',
    { id: 'agent-state-error', className: 'form-error', attrs: { role: 'alert' } },
    doc,
  );
  const stateSubmit = button(
    { id: 'agent-state-submit', className: 'button', text: 'Set status', type: 'submit' },
    doc,
  );
  stateSubmit.disabled = true;
  stateFieldset.append(legend, radioRow, reasonField);
  stateForm.append(stateFieldset, stateError, stateSubmit);
  const stateHelp = el(
    'p',
    {
      className: 'muted',
      text: 'While Away or Offline you get no new offers; the work you hold continues.',
    },
    doc,
  );
  const waiting = el('p', { id: 'queue-waiting', className: 'queue-waiting' }, doc);
  const queueList = el('p', { id: 'queue-list', className: 'muted' }, doc);
  statePanel.append(
    stateHeading,
    stateCurrent,
    stateAlert,
    stateForm,
    stateHelp,
    setupNote,
    waiting,
    queueList,
  );

  // my work
  const workPanel = el(
    'section',
    { id: 'work-panel', className: 'panel work-panel', attrs: { 'aria-labelledby': 'work-heading' } },
    doc,
  );
  const workHeading = el('h2', { id: 'work-heading', text: 'My work', attrs: { tabindex: '-1' } }, doc);
  const workNotice = el('p', { id: 'work-notice', className: 'work-notice' }, doc);
  workNotice.hidden = true;
  const workEmpty = el('p', { id: 'work-empty', className: 'muted', text: 'No contacts right now.' }, doc);
  const workList = el('ul', { id: 'work-list', className: 'work-list' }, doc);
  workPanel.append(workHeading, workNotice, workEmpty, workList);

  const columns = el('div', { className: 'routing-columns' }, doc);
  columns.append(workPanel, statePanel);
  routing.append(stale, assertive, polite, offerCard, offerResult, columns);

  return {
    settings,
    soundToggle,
    soundNote,
    notifyButton,
    notifyStatus,
    routing,
    stale,
    assertive,
    polite,
    offerCard,
    offerTitle,
    offerQueue,
    offerLanguage,
    offerWaited,
    offerCountdown,
    offerProgress,
    offerError,
    offerAccept,
    offerDecline,
    offerResult,
    statePanel,
    stateCurrent,
    stateAlert,
    stateForm,
    stateFieldset,
    stateRadios: radios,
    reasonField,
    reasonSelect,
    stateSubmit,
    stateError,
    setupNote,
    waiting,
    queueList,
    workHeading,
    workEmpty,
    workList,
    workNotice,
  };
}
