/**
 * Transferring a chat: the "Transfer" dialog (to a queue of transfer_queues, or to a colleague from
 * staff.directory, with a required note for the next specialist) and how the chat.transfer request
 * plays out. A queue takes the chat at once; a colleague answers only when they accept or decline
 * the offer, so the dialog waits a moment for a quick refusal and the chat panel follows the rest.
 */
import { actionFailure } from './chat-errors';
import { languageName } from './format';
import { utf8Length } from '../chat/ids';
import { FormDialog } from '../common/dialog';
import { bdi, button, choice, el, field, isolate, setText } from '../common/dom';
import { errorOf, RequestError, type Connection } from '../net/connection';
import type { DirectoryEntry, QueueRef } from '../proto/schema.gen';

export const MAX_TRANSFER_NOTE_BYTES = 1000;
/** How long a colleague may take to answer a transfer offer (the reply waits for them). */
export const TRANSFER_ANSWER_MS = 180_000;

/** "Available", "Away", "Offline", "Not connected" for a colleague in the transfer list. */
export function colleagueState(a: DirectoryEntry): string {
  if (!a.connected) return 'Not connected';
  return a.status === 'available' ? 'Available' : a.status === 'away' ? 'Away' : 'Offline';
}

/** Whether a chat can be transferred to this colleague now. */
export function canTakeTransfer(a: DirectoryEntry): boolean {
  return a.connected && a.status === 'available';
}

/**
 * Sends chat.transfer and tells the chat panel how it goes (`say`). A queue answers at once. A
 * colleague answers only once they accept or decline: a refusal within `graceMs` rejects (the
 * dialog then says why and stays open); otherwise the promise resolves, `pending` names the
 * colleague until their answer comes, and `say` tells what happened.
 */
export function sendTransfer(
  conn: Connection,
  conversationId: string,
  target: TransferTarget,
  note: string,
  o: { graceMs: number; say: (text: string) => void; pending: (name: string | null) => void },
): Promise<void> {
  const body: { conversation_id: string; note: string; to_queue?: string; to_agent?: string } = {
    conversation_id: conversationId,
    note,
  };
  const say = o.say;
  // the name may be written right to left: isolated in the sentences about it
  const name = isolate(target.name);
  if (target.kind === 'queue') {
    body.to_queue = target.id;
    return conn.request('chat.transfer', body).then(() => {
      say(`Transferred to the ${name} queue. The customer keeps their place; fill in the wrap-up.`);
    });
  }
  // to a colleague: the reply comes once they accept or decline the offer
  body.to_agent = target.id;
  let outcome: 'ok' | RequestError | null = null;
  const answer = conn.request('chat.transfer', body, { timeoutMs: TRANSFER_ANSWER_MS }).then(
    () => {
      outcome = 'ok';
    },
    (e: unknown) => {
      outcome = errorOf(e);
    },
  );
  const finish = (): void => {
    o.pending(null);
    const r = outcome;
    if (r === 'ok') say(`${name} took the chat. Fill in the wrap-up.`);
    else if (r?.code === 'CONFLICT') say(`${name} did not take the chat (${r.message}). It stays with you.`);
    else if (r?.code === 'TIMEOUT')
      say(`No answer yet about the transfer to ${name}. The chat stays with you until they accept.`);
    else if (r)
      say(`${actionFailure(`The transfer to ${name} did not go through`, r)} The chat stays with you.`);
  };
  const grace = new Promise<void>((resolve) => setTimeout(resolve, o.graceMs));
  return Promise.race([answer, grace]).then(() => {
    const quick = outcome;
    // refused at once: the dialog says why and stays open
    if (quick instanceof RequestError) throw quick;
    if (quick === 'ok') {
      finish();
      return;
    }
    o.pending(target.name);
    say(`Transfer offered to ${name}: waiting for them to accept. Until then the chat stays with you.`);
    void answer.then(finish);
  });
}

/** Where a chat goes: a queue, or a named colleague. */
export type TransferTarget = { kind: 'queue' | 'agent'; id: string; name: string };

/** Transfers the chat to a queue or to a named colleague, with a note for the next specialist. */
export class TransferDialog {
  private readonly d: FormDialog;
  private readonly toQueue: HTMLInputElement;
  private readonly toAgent: HTMLInputElement;
  private readonly queueField: HTMLElement;
  private readonly queue: HTMLSelectElement;
  private readonly agentField: HTMLFieldSetElement;
  private readonly agentList: HTMLElement;
  private readonly agentStatus: HTMLElement;
  private readonly refresh: HTMLButtonElement;
  private readonly note: HTMLTextAreaElement;
  private loadSeq = 0;
  private agents: DirectoryEntry[] = [];
  /** Where the request under way sends the chat. */
  private target: TransferTarget | null = null;
  private o: {
    queues: readonly QueueRef[];
    me: string;
    language: string;
    directory: () => Promise<DirectoryEntry[]>;
    submit: (target: TransferTarget, note: string) => Promise<void>;
  } | null = null;

  constructor(doc: Document) {
    this.d = new FormDialog(
      {
        id: 'transfer-dialog',
        title: 'Transfer chat',
        prefix: 'transfer',
        submit: { text: 'Transfer', busyText: 'Transferring…' },
        send: () => this.send(),
        failed: (err) => this.failed(err),
      },
      doc,
    );
    const kind = el('fieldset', { className: 'state-fieldset' }, doc);
    const row = el('div', { className: 'radio-row' }, doc);
    const radio = (id: string, value: string, text: string): HTMLInputElement => {
      const r = el('input', { id, attrs: { type: 'radio', name: 'transfer-kind', value } }, doc);
      row.append(choice(r, el('label', { text }, doc), 'choice', doc));
      return r;
    };
    this.toQueue = radio('transfer-kind-queue', 'queue', 'A queue');
    this.toAgent = radio('transfer-kind-agent', 'agent', 'A colleague');
    kind.append(el('legend', { text: 'Transfer to' }, doc), row);

    this.queue = el('select', { id: 'transfer-queue' }, doc);
    const keeps = el(
      'p',
      { className: 'muted', text: 'The customer keeps their place in line, ahead of new arrivals.' },
      doc,
    );
    this.queueField = field('Queue', this.queue, { after: [keeps] }, doc);

    this.agentField = el('fieldset', { className: 'state-fieldset transfer-agents' }, doc);
    this.agentStatus = el(
      'p',
      { id: 'transfer-agent-status', className: 'muted', attrs: { role: 'status' } },
      doc,
    );
    this.agentList = el('div', { id: 'transfer-agent-list', className: 'transfer-agent-list' }, doc);
    this.refresh = button(
      { id: 'transfer-refresh', className: 'button button-secondary', text: 'Refresh the list' },
      doc,
    );
    this.agentField.append(
      el('legend', { text: 'Colleague' }, doc),
      this.agentStatus,
      this.agentList,
      el(
        'p',
        {
          className: 'muted',
          text: 'Only an available colleague can take it. If they decline or do not answer in time, the chat stays with you.',
        },
        doc,
      ),
      this.refresh,
    );

    this.note = el('textarea', { id: 'transfer-note', attrs: { rows: '3' } }, doc);
    const hint = el(
      'p',
      {
        id: 'transfer-note-hint',
        className: 'muted',
        text: 'What the customer needs and what you already did. The customer does not see this note.',
      },
      doc,
    );
    this.d.describe(this.note, hint.id);
    const noteField = field('Note for the next specialist (required)', this.note, { after: [hint] }, doc);
    this.d.addFields(kind, this.queueField, this.agentField, noteField);

    for (const r of [this.toQueue, this.toAgent]) {
      r.addEventListener('change', () => {
        this.renderKind();
        if (this.toAgent.checked && this.agents.length === 0) this.load();
      });
    }
    this.refresh.addEventListener('click', () => {
      this.load();
    });
  }

  show(o: {
    queues: readonly QueueRef[];
    me: string;
    language: string;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
    directory: () => Promise<DirectoryEntry[]>;
    submit: (target: TransferTarget, note: string) => Promise<void>;
  }): void {
    const d = this.queue.ownerDocument;
    this.o = o;
    this.agents = [];
    this.agentList.replaceChildren();
    setText(this.agentStatus, '');
    this.queue.replaceChildren(
      el('option', { text: 'Choose a queue', attrs: { value: '' } }, d),
      ...o.queues.map((q) => el('option', { text: q.name || q.id, attrs: { value: q.id } }, d)),
    );
    this.toQueue.checked = o.queues.length > 0;
    this.toAgent.checked = o.queues.length === 0;
    this.toQueue.disabled = o.queues.length === 0;
    this.note.value = '';
    this.renderKind();
    if (this.toAgent.checked) this.load();
    this.d.open({
      returnTo: o.returnTo,
      focus: this.toQueue.checked ? this.toQueue : this.toAgent,
      fallback: o.fallback,
    });
  }

  private renderKind(): void {
    this.queueField.hidden = !this.toQueue.checked;
    this.agentField.hidden = !this.toAgent.checked;
  }

  private load(): void {
    const o = this.o;
    if (!o) return;
    const n = ++this.loadSeq;
    setText(this.agentStatus, 'Loading colleagues…');
    o.directory().then(
      (agents) => {
        if (n !== this.loadSeq) return;
        this.agents = agents.filter((a) => a.username !== o.me);
        this.renderAgents();
      },
      (e: unknown) => {
        if (n !== this.loadSeq) return;
        setText(this.agentStatus, actionFailure('Could not load colleagues', errorOf(e)));
      },
    );
  }

  private renderAgents(): void {
    const o = this.o;
    if (!o) return;
    const d = this.agentList.ownerDocument;
    const chosen = this.agentList.querySelector<HTMLInputElement>('input:checked')?.value;
    const want = o.language.split('-')[0]?.toLowerCase() ?? '';
    // available colleagues who speak the chat's language first
    const rank = (a: DirectoryEntry): number =>
      (canTakeTransfer(a) ? 0 : 2) +
      (a.languages.some((l) => l.split('-')[0]?.toLowerCase() === want) ? 0 : 1);
    const sorted = [...this.agents].sort(
      (a, b) => rank(a) - rank(b) || a.display_name.localeCompare(b.display_name),
    );
    this.agentList.replaceChildren(
      ...sorted.map((a) => {
        const r = el(
          'input',
          {
            id: `transfer-agent-${a.username}`,
            attrs: { type: 'radio', name: 'transfer-agent', value: a.username },
          },
          d,
        );
        r.disabled = !canTakeTransfer(a);
        r.checked = a.username === chosen && !r.disabled;
        const l = el('label', {}, d);
        const name = bdi(a.display_name || a.username, d);
        name.className = 'transfer-agent-name';
        l.append(
          name,
          el('span', { className: 'transfer-agent-state', text: ` — ${colleagueState(a)}` }, d),
          el(
            'span',
            {
              className: 'muted',
              text: a.languages.length > 0 ? ` · ${a.languages.map((x) => languageName(x)).join(', ')}` : '',
            },
            d,
          ),
        );
        const wrap = choice(r, l, 'choice transfer-agent', d);
        wrap.dataset.status = a.connected ? a.status : 'not-connected';
        return wrap;
      }),
    );
    const free = sorted.filter(canTakeTransfer).length;
    setText(
      this.agentStatus,
      sorted.length === 0
        ? 'No colleagues found.'
        : `${free} of ${sorted.length} ${sorted.length === 1 ? 'colleague is' : 'colleagues are'} available.`,
    );
  }

  private send(): Promise<void> | null {
    const o = this.o;
    if (!o) return null;
    let target: TransferTarget;
    if (this.toQueue.checked) {
      const q = o.queues.find((x) => x.id === this.queue.value);
      if (!q) {
        this.d.refuse('Choose the queue to transfer to.', this.queue);
        return null;
      }
      target = { kind: 'queue', id: q.id, name: q.name || q.id };
    } else {
      const r = this.agentList.querySelector<HTMLInputElement>('input:checked');
      const a = this.agents.find((x) => x.username === r?.value);
      if (!a) {
        this.d.say('Choose an available colleague.');
        (this.agentList.querySelector<HTMLInputElement>('input:not([disabled])') ?? this.refresh).focus();
        return null;
      }
      target = { kind: 'agent', id: a.username, name: a.display_name || a.username };
    }
    const note = this.note.value.trim();
    if (note === '') {
      this.d.refuse('Write a note for the next specialist.', this.note);
      return null;
    }
    if (utf8Length(note) > MAX_TRANSFER_NOTE_BYTES) {
      this.d.refuse('The note is too long (at most 1000 bytes).', this.note);
      return null;
    }
    this.target = target;
    return o.submit(target, note);
  }

  private failed(err: RequestError): string {
    const target = this.target;
    if (target?.kind !== 'agent') return actionFailure('Could not transfer', err);
    // the colleague's state changed: the list shows it again
    this.load();
    return err.code === 'CONFLICT'
      ? `${isolate(target.name)} cannot take it now (${err.message}). Choose someone else or a queue.`
      : actionFailure('Could not transfer', err);
  }
}
