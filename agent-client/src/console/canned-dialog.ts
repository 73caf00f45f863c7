/**
 * The "Canned responses" dialog of a chat: the agency's prepared answers in the chat's language
 * (or, when asked, in all languages), searchable by words; choosing one hands its text to the
 * chat desk, which fills in the names and puts it at the caret for the agent to edit and send.
 */
import { cannedForLanguage, searchCanned } from './canned';
import { languageName } from './format';
import { ModalDialog } from '../common/dialog';
import { button, choice, el, field, setText } from '../common/dom';
import type { StaffSetup } from '../proto/schema.gen';

/** Canned responses in the chat's language, searchable; choosing one fills the composer. */
export class CannedDialog {
  private readonly modal: ModalDialog;
  private readonly search: HTMLInputElement;
  private readonly allLanguages: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly list: HTMLUListElement;
  private opts: {
    list: StaffSetup['canned'];
    language: string;
    languageName: string;
    pick: (text: string) => void;
  } | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('canned-dialog', 'Canned responses', doc);
    this.search = el('input', { id: 'canned-search', attrs: { type: 'search', autocomplete: 'off' } }, doc);
    this.allLanguages = el('input', { id: 'canned-all-languages', attrs: { type: 'checkbox' } }, doc);
    const all = choice(
      this.allLanguages,
      el('label', { text: 'Show responses in all languages' }, doc),
      'choice',
      doc,
    );
    this.count = el('p', { id: 'canned-count', className: 'muted', attrs: { role: 'status' } }, doc);
    this.list = el(
      'ul',
      { id: 'canned-list', className: 'canned-list', attrs: { 'aria-label': 'Canned responses' } },
      doc,
    );
    this.modal.body.append(
      el(
        'p',
        {
          className: 'muted',
          text: 'Choose a response to put it in the message box; names are filled in, and you can edit it before sending.',
        },
        doc,
      ),
      field('Search', this.search, {}, doc),
      all,
      this.count,
      this.list,
      this.modal.cancelButton('canned-cancel'),
    );
    this.search.addEventListener('input', () => {
      this.render();
    });
    this.allLanguages.addEventListener('change', () => {
      this.render();
    });
  }

  show(o: {
    list: StaffSetup['canned'];
    language: string;
    languageName: string;
    pick: (text: string) => void;
    returnTo: HTMLElement;
    fallback: () => HTMLElement | null;
  }): void {
    this.opts = o;
    this.search.value = '';
    this.allLanguages.checked = false;
    this.render();
    this.modal.open({ returnTo: o.returnTo, focus: this.search, fallback: o.fallback });
  }

  private render(): void {
    const o = this.opts;
    if (!o) return;
    const d = this.list.ownerDocument;
    const pool = this.allLanguages.checked ? o.list : cannedForLanguage(o.list, o.language);
    const found = searchCanned(pool, this.search.value);
    this.list.replaceChildren(
      ...found.map((c) => {
        const li = el('li', {}, d);
        const b = button(
          { id: `canned-${c.id}`, className: 'canned-item', attrs: { 'data-canned-id': c.id } },
          d,
        );
        b.append(
          el('span', { className: 'canned-title', text: c.title }, d),
          el('span', { className: 'canned-lang', text: ` (${languageName(c.language)})` }, d),
          el('span', { className: 'canned-text', text: c.text }, d),
        );
        b.addEventListener('click', () => {
          const pick = o.pick;
          this.modal.close();
          pick(c.text);
        });
        li.append(b);
        return li;
      }),
    );
    const scope = this.allLanguages.checked ? 'in all languages' : `in ${o.languageName}`;
    setText(
      this.count,
      found.length === 0
        ? pool.length === 0
          ? `No canned responses ${scope}.`
          : 'No canned response matches your search.'
        : `${found.length} ${found.length === 1 ? 'response' : 'responses'} ${scope}.`,
    );
  }
}
