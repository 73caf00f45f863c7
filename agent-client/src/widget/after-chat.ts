/**
 * What the widget offers once a chat has ended: a copy of the conversation (a .txt download and a
 * printout, both built from the local copy of the log: names, times, text) and a rating form
 * (1 to 5, each with words, an optional comment) with a thank-you.
 */
import type { ChatStrings } from './chat-strings';
import type { LogItem } from '../chat/store';
import { formatDay, formatTime, type TranscriptLine } from '../chat/transcript';
import { bdi, button, choice, el, field, isolate, setBusy, setText } from '../common/dom';

export interface TranscriptNames {
  customerName: string;
  agentName: string;
}

/** The lines of the transcript: messages and events, never private notes; unsent ones marked. */
export function transcriptLines(
  items: readonly LogItem[],
  n: TranscriptNames,
  t: ChatStrings,
): TranscriptLine[] {
  const lines: TranscriptLine[] = [];
  const me = n.customerName || t.you;
  for (const item of items) {
    if (item.type === 'pending') {
      lines.push({ ts: item.out.createdMs, who: me, text: item.out.text, note: t.notSentNote });
      continue;
    }
    const e = item.entry;
    if (e.kind === 'note') continue;
    const staffName = e.from_name || n.agentName || t.specialist;
    if (e.kind === 'system') {
      lines.push({
        ts: e.ts_ms,
        who: null,
        text: e.system ? t.system(e.system, isolate(staffName)) : e.text,
      });
      continue;
    }
    lines.push({ ts: e.ts_ms, who: item.own ? me : staffName, text: e.text });
  }
  return lines;
}

/** What the transcript's head names about the chat (the widget's chat record has all of it). */
export interface TranscriptFacts {
  topicLabel: string;
  customerName: string;
  claimRef?: string;
  agentName: string;
}

/** The head of the transcript: its title, the facts known, and when the copy was made. */
export function transcriptHeader(
  facts: TranscriptFacts | null,
  t: ChatStrings,
  locale: string,
  nowMs: number,
): string[] {
  const out = [t.transcriptTitle];
  // what the customer and the specialist wrote is isolated from our words
  if (facts?.topicLabel) out.push(t.transcriptTopic(isolate(facts.topicLabel)));
  if (facts?.customerName) out.push(t.transcriptName(isolate(facts.customerName)));
  if (facts?.claimRef) out.push(t.transcriptClaim(isolate(facts.claimRef)));
  if (facts?.agentName) out.push(t.transcriptSpecialist(isolate(facts.agentName)));
  out.push(t.transcriptMade(`${formatDay(nowMs, locale)}, ${formatTime(nowMs, locale)}`));
  return out;
}

/** The printable transcript: the same lines as the file, as elements (text only). */
export function buildPrintTranscript(
  header: readonly string[],
  lines: readonly TranscriptLine[],
  footer: readonly string[],
  locale: string,
  doc: Document,
): HTMLElement {
  const section = el(
    'section',
    { id: 'sb-print-transcript', className: 'print-transcript', attrs: { 'aria-hidden': 'true' } },
    doc,
  );
  const [title, ...facts] = header;
  const h = el('h1', { className: 'print-title', text: title ?? '' }, doc);
  section.append(h);
  for (const f of facts) {
    const p = el('p', { className: 'print-fact', text: f }, doc);
    section.append(p);
  }
  const list = el('ol', { className: 'print-lines' }, doc);
  let day = '';
  for (const l of lines) {
    const d = formatDay(l.ts, locale);
    if (d !== day) {
      const li = el('li', { className: 'print-day', text: d }, doc);
      list.append(li);
      day = d;
    }
    const li = el('li', { className: l.who === null ? 'print-line print-event' : 'print-line' }, doc);
    const time = el('span', { className: 'print-time', text: `[${formatTime(l.ts, locale)}] ` }, doc);
    li.append(time);
    if (l.who !== null) {
      const who = el('strong', { className: 'print-who' }, doc);
      who.append(bdi(l.who, doc), ': ');
      li.append(who);
    }
    const text = el('span', { className: 'print-text' }, doc);
    if (l.who === null) {
      text.textContent = l.note ? `${l.text} (${l.note})` : l.text;
    } else {
      // a message takes its own direction, apart from the time and the name
      text.append(bdi(l.text, doc));
      if (l.note) text.append(` (${l.note})`);
    }
    li.append(text);
    list.append(li);
  }
  section.append(list);
  for (const f of footer) {
    const p = el('p', { className: 'print-fact', text: f }, doc);
    section.append(p);
  }
  return section;
}

export interface AfterChatCallbacks {
  save: () => void;
  print: () => void;
  rate: (score: number, comment: string) => void;
}

export const MAX_COMMENT_BYTES = 2000;

export class AfterChat {
  readonly root: HTMLDivElement;
  readonly nextSteps: HTMLParagraphElement;
  readonly save: HTMLButtonElement;
  readonly print: HTMLButtonElement;
  readonly sharedHint: HTMLParagraphElement;
  readonly saveStatus: HTMLParagraphElement;
  readonly rateForm: HTMLFormElement;
  readonly rateLegend: HTMLLegendElement;
  readonly radios: HTMLInputElement[];
  readonly radioLabels: HTMLLabelElement[];
  readonly commentLabel: HTMLLabelElement;
  readonly comment: HTMLTextAreaElement;
  readonly commentHint: HTMLParagraphElement;
  readonly rateError: HTMLParagraphElement;
  readonly rateSubmit: HTMLButtonElement;
  readonly thanks: HTMLParagraphElement;

  constructor(cb: AfterChatCallbacks, doc: Document = document) {
    this.root = el('div', { id: 'sb-after', className: 'after' }, doc);
    this.nextSteps = el('p', { id: 'sb-next-steps', className: 'note' }, doc);
    const buttons = el('div', { className: 'buttons' }, doc);
    this.save = button({ id: 'sb-save-transcript', className: 'secondary' }, doc);
    this.print = button({ id: 'sb-print', className: 'secondary' }, doc);
    buttons.append(this.save, this.print);
    this.sharedHint = el('p', { id: 'sb-shared-hint', className: 'note' }, doc);
    this.saveStatus = el('p', { id: 'sb-save-status', className: 'note', attrs: { role: 'status' } }, doc);

    this.rateForm = el(
      'form',
      { id: 'sb-rating-form', className: 'form rating', attrs: { novalidate: '' } },
      doc,
    );
    const fs = el(
      'fieldset',
      { id: 'sb-rating', className: 'topics', attrs: { 'aria-describedby': 'sb-rate-error' } },
      doc,
    );
    this.rateLegend = el('legend', { className: 'legend' }, doc);
    const choices = el('div', { className: 'choices' }, doc);
    this.radios = [];
    this.radioLabels = [];
    for (let score = 1; score <= 5; score++) {
      const input = el(
        'input',
        { id: `sb-rate-${String(score)}`, attrs: { type: 'radio', name: 'score', value: String(score) } },
        doc,
      );
      const label = el('label', {}, doc);
      choices.append(choice(input, label, 'choice', doc));
      this.radios.push(input);
      this.radioLabels.push(label);
    }
    fs.append(this.rateLegend, choices);
    this.commentLabel = el('label', { className: 'label' }, doc);
    this.comment = el(
      'textarea',
      {
        id: 'sb-rate-comment',
        className: 'textarea',
        attrs: { name: 'comment', rows: '3', 'aria-describedby': 'sb-rate-comment-hint' },
      },
      doc,
    );
    this.commentHint = el('p', { id: 'sb-rate-comment-hint', className: 'note' }, doc);
    const commentField = field(this.commentLabel, this.comment, { after: [this.commentHint] }, doc);
    this.rateError = el('p', { id: 'sb-rate-error', className: 'error', attrs: { role: 'alert' } }, doc);
    this.rateSubmit = button({ id: 'sb-rate-submit', className: 'action', type: 'submit' }, doc);
    this.rateForm.append(fs, commentField, this.rateError, this.rateSubmit);
    this.thanks = el(
      'p',
      { id: 'sb-rate-thanks', className: 'thanks', attrs: { role: 'status', tabindex: '-1' } },
      doc,
    );
    this.thanks.hidden = true;
    this.root.append(this.nextSteps, buttons, this.sharedHint, this.saveStatus, this.rateForm, this.thanks);

    this.save.addEventListener('click', () => {
      cb.save();
    });
    this.print.addEventListener('click', () => {
      cb.print();
    });
    this.rateForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const chosen = this.radios.find((r) => r.checked);
      cb.rate(chosen ? Number(chosen.value) : 0, this.comment.value.trim());
    });
  }

  renderStrings(t: ChatStrings): void {
    this.nextSteps.textContent = t.nextSteps;
    this.save.textContent = t.saveTranscript;
    this.print.textContent = t.print;
    this.sharedHint.textContent = t.sharedDeviceHint;
    this.rateLegend.textContent = t.rateLegend;
    this.radioLabels.forEach((l, i) => {
      l.textContent = t.rateLabels[i] ?? String(i + 1);
    });
    this.commentLabel.textContent = t.rateComment;
    this.commentHint.textContent = t.rateCommentHint;
    this.thanks.textContent = t.rateThanks;
  }

  /** Which parts show: the copy needs a conversation with entries; the rating an answered chat. */
  render(o: {
    transcript: boolean;
    shared: boolean;
    rating: 'form' | 'busy' | 'done' | 'none';
    t: ChatStrings;
  }): void {
    this.root.hidden = !o.transcript && o.rating === 'none';
    this.nextSteps.hidden = !o.transcript;
    this.save.hidden = !o.transcript;
    this.print.hidden = !o.transcript;
    this.sharedHint.hidden = !o.transcript || !o.shared;
    this.rateForm.hidden = o.rating === 'none' || o.rating === 'done';
    this.thanks.hidden = o.rating !== 'done';
    const busy = o.rating === 'busy';
    setBusy(this.rateSubmit, busy, busy ? o.t.rateSending : o.t.rateSubmit);
  }

  setRateError(text: string, focus: 'radios' | 'comment' | null): void {
    setText(this.rateError, text);
    const fs = this.rateForm.querySelector('fieldset');
    if (focus === 'radios') fs?.setAttribute('aria-invalid', 'true');
    else fs?.removeAttribute('aria-invalid');
    if (focus === 'comment') this.comment.setAttribute('aria-invalid', 'true');
    else this.comment.removeAttribute('aria-invalid');
    if (focus === 'radios') (this.radios.find((r) => r.checked) ?? this.radios[0])?.focus();
    if (focus === 'comment') this.comment.focus();
  }

  /** A new chat: the form is blank again. */
  reset(): void {
    for (const r of this.radios) r.checked = false;
    this.comment.value = '';
    this.rateError.textContent = '';
    this.saveStatus.textContent = '';
  }
}
