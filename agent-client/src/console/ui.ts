/**
 * The routing part of the agent console, built as elements (so tests can build it too): alert
 * settings for the header, the offer card, the agent's status and queues, and "My work".
 * Every text that may come from the server is set later with textContent.
 */
import { el } from '../common/dom';

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

function withId<T extends HTMLElement>(e: T, id: string): T {
  e.id = id;
  return e;
}

function button(doc: Document, id: string, text: string, className = 'button'): HTMLButtonElement {
  const b = withId(el('button', { className, text }, doc), id);
  b.type = 'button';
  return b;
}

function fact(doc: Document, label: string, value: HTMLElement): [HTMLElement, HTMLElement] {
  const dt = el('dt', { text: label }, doc);
  const dd = el('dd', {}, doc);
  dd.append(value);
  return [dt, dd];
}

export function buildConsoleUI(doc: Document = document): ConsoleUI {
  // --- header: how offers reach the agent -------------------------------------------------------
  const settings = withId(el('div', { className: 'alert-settings' }, doc), 'alert-settings');
  settings.hidden = true;
  const soundLabel = el('label', { className: 'header-check' }, doc);
  const soundToggle = withId(el('input', {}, doc), 'sound-enabled');
  soundToggle.type = 'checkbox';
  soundLabel.htmlFor = 'sound-enabled';
  soundLabel.append(soundToggle, el('span', { text: 'Sound for offers and new messages' }, doc));
  const soundNote = withId(el('span', { className: 'header-note' }, doc), 'sound-note');
  soundNote.hidden = true;
  const notifyButton = button(doc, 'notify-enable', 'Turn on desktop notifications', 'button button-header');
  const notifyStatus = withId(el('span', { className: 'header-note' }, doc), 'notify-status');
  notifyStatus.hidden = true;
  settings.append(soundLabel, soundNote, notifyButton, notifyStatus);

  // --- routing area -------------------------------------------------------------------------------
  const routing = withId(el('div', { className: 'routing' }, doc), 'routing');
  const stale = withId(el('p', { className: 'stale-note' }, doc), 'routing-stale');
  stale.hidden = true;
  stale.textContent = 'Not connected: what you see below may be out of date until the console reconnects.';
  // live regions exist from the start, so that what is written into them is announced
  const assertive = withId(el('div', { className: 'visually-hidden' }, doc), 'offer-announcer');
  assertive.setAttribute('aria-live', 'assertive');
  assertive.setAttribute('aria-atomic', 'true');
  const polite = withId(el('div', { className: 'visually-hidden' }, doc), 'console-announcer');
  polite.setAttribute('role', 'status');
  polite.setAttribute('aria-atomic', 'true');

  // the offer card
  const offerCard = withId(el('section', { className: 'offer-card' }, doc), 'offer-card');
  offerCard.hidden = true;
  offerCard.setAttribute('aria-labelledby', 'offer-title');
  const offerTitle = withId(el('h2', { className: 'offer-title' }, doc), 'offer-title');
  offerTitle.tabIndex = -1;
  const offerQueue = withId(el('span', {}, doc), 'offer-queue');
  const offerLanguage = withId(el('span', {}, doc), 'offer-language');
  const offerWaited = withId(el('span', {}, doc), 'offer-waited');
  const offerCountdown = withId(el('span', { className: 'offer-countdown' }, doc), 'offer-countdown');
  const offerProgress = withId(el('progress', { className: 'offer-progress' }, doc), 'offer-progress');
  offerProgress.setAttribute('aria-label', 'Time left to accept');
  offerProgress.setAttribute('aria-hidden', 'true');
  const facts = el('dl', { className: 'offer-facts' }, doc);
  const countdownBox = el('span', { className: 'offer-countdown-box' }, doc);
  countdownBox.append(offerCountdown, offerProgress);
  facts.append(
    ...fact(doc, 'Queue', offerQueue),
    ...fact(doc, 'Language', offerLanguage),
    ...fact(doc, 'Customer waiting', offerWaited),
    ...fact(doc, 'Time left', countdownBox),
  );
  const offerError = withId(el('p', { className: 'form-error' }, doc), 'offer-error');
  offerError.setAttribute('role', 'alert');
  const offerActions = el('div', { className: 'offer-actions' }, doc);
  const offerAccept = button(doc, 'offer-accept', 'Accept', 'button button-accept');
  const offerDecline = button(doc, 'offer-decline', 'Decline', 'button button-secondary');
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
  const offerResult = withId(el('p', { className: 'offer-result' }, doc), 'offer-result');
  offerResult.tabIndex = -1;
  offerResult.hidden = true;

  // status and queues
  const statePanel = withId(el('section', { className: 'panel state-panel' }, doc), 'agent-state-panel');
  statePanel.setAttribute('aria-labelledby', 'agent-state-heading');
  const stateHeading = withId(el('h2', { text: 'Your status' }, doc), 'agent-state-heading');
  const stateCurrent = withId(el('p', { className: 'state-current' }, doc), 'agent-state-current');
  stateCurrent.textContent = 'Status not known yet.';
  const stateAlert = withId(el('p', { className: 'alert-box' }, doc), 'agent-state-alert');
  stateAlert.setAttribute('role', 'alert');
  stateAlert.hidden = true;
  const setupNote = withId(el('p', { className: 'muted' }, doc), 'agent-setup-note');
  setupNote.textContent = 'Loading your queues…';

  const stateForm = withId(el('form', { className: 'state-form' }, doc), 'agent-state-form');
  stateForm.noValidate = true;
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
    const wrap = el('div', { className: 'choice' }, doc);
    const input = withId(el('input', {}, doc), `agent-status-${value}`);
    input.type = 'radio';
    input.name = 'agent-status';
    input.value = value;
    const l = el('label', { text: label }, doc);
    l.htmlFor = input.id;
    wrap.append(input, l);
    radioRow.append(wrap);
    radios[value] = input;
  }
  const reasonField = withId(el('div', { className: 'field' }, doc), 'agent-away-reason-field');
  reasonField.hidden = true;
  const reasonLabel = el('label', { text: 'Reason for Away (required)' }, doc);
  reasonLabel.htmlFor = 'agent-away-reason';
  const reasonSelect = withId(el('select', {}, doc), 'agent-away-reason');
  reasonSelect.name = 'reason';
  reasonSelect.setAttribute('aria-describedby', 'agent-state-error');
  reasonField.append(reasonLabel, reasonSelect);
  const stateError = withId(el('p', { className: 'form-error' }, doc), 'agent-state-error');
  stateError.setAttribute('role', 'alert');
  const stateSubmit = withId(
    el('button', { className: 'button', text: 'Set status' }, doc),
    'agent-state-submit',
  );
  stateSubmit.type = 'submit';
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
  const waiting = withId(el('p', { className: 'queue-waiting' }, doc), 'queue-waiting');
  const queueList = withId(el('p', { className: 'muted' }, doc), 'queue-list');
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
  const workPanel = withId(el('section', { className: 'panel work-panel' }, doc), 'work-panel');
  workPanel.setAttribute('aria-labelledby', 'work-heading');
  const workHeading = withId(el('h2', { text: 'My work' }, doc), 'work-heading');
  workHeading.tabIndex = -1;
  const workNotice = withId(el('p', { className: 'work-notice' }, doc), 'work-notice');
  workNotice.hidden = true;
  const workEmpty = withId(
    el('p', { className: 'muted', text: 'No contacts right now.' }, doc),
    'work-empty',
  );
  const workList = withId(el('ul', { className: 'work-list' }, doc), 'work-list');
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
