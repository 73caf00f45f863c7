/**
 * The "Canned responses" dialog of a chat: the agency's prepared answers in the chat's language
 * (or, when asked, in all languages), searchable by words; choosing one hands its text to the
 * chat desk, which fills in the names and puts it at the caret for the agent to edit and send.
 */
import { cannedForLanguage, searchCanned } from './canned';
import { ModalDialog } from './dialog';
import { languageName } from './format';
import { el, setText } from '../common/dom';
import type { StaffSetup } from '../proto/schema.gen';

/** Canned responses in the chat's language, searchable; choosing one fills the composer. */
export class CannedDialog {
  private readonly modal: ModalDialog;
  private readonly search: HTMLInputElement;
  private readonly allLanguages: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly cancel: HTMLButtonElement;
  private opts: {
    list: StaffSetup['canned'];
    language: string;
    languageName: string;
    pick: (text: string) => void;
  } | null = null;

  constructor(doc: Document) {
    this.modal = new ModalDialog('canned-dialog', 'Canned responses', doc);
    const field = el('div', { className: 'field' }, doc);
    const label = el('label', { text: 'Search' }, doc);
    this.search = el('input', {}, doc);
    this.search.type = 'search';
    this.search.id = 'canned-search';
    this.search.autocomplete = 'off';
    label.htmlFor = this.search.id;
    field.append(label, this.search);
    const all = el('div', { className: 'choice' }, doc);
    this.allLanguages = el('input', {}, doc);
    this.allLanguages.type = 'checkbox';
    this.allLanguages.id = 'canned-all-languages';
    const allLabel = el('label', { text: 'Show responses in all languages' }, doc);
    allLabel.htmlFor = this.allLanguages.id;
    all.append(this.allLanguages, allLabel);
    this.count = el('p', { className: 'muted' }, doc);
    this.count.id = 'canned-count';
    this.count.setAttribute('role', 'status');
    this.list = el('ul', { className: 'canned-list' }, doc);
    this.list.id = 'canned-list';
    this.list.setAttribute('aria-label', 'Canned responses');
    this.cancel = el('button', { className: 'button button-secondary', text: 'Cancel' }, doc);
    this.cancel.type = 'button';
    this.cancel.id = 'canned-cancel';
    this.modal.body.append(
      el(
        'p',
        {
          className: 'muted',
          text: 'Choose a response to put it in the message box; names are filled in, and you can edit it before sending.',
        },
        doc,
      ),
      field,
      all,
      this.count,
      this.list,
      this.cancel,
    );
    this.search.addEventListener('input', () => {
      this.render();
    });
    this.allLanguages.addEventListener('change', () => {
      this.render();
    });
    this.cancel.addEventListener('click', () => {
      this.modal.close();
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
        const b = el('button', { className: 'canned-item' }, d);
        b.type = 'button';
        b.dataset.cannedId = c.id;
        b.id = `canned-${c.id}`;
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
