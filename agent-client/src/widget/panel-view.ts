/**
 * The frame of the widget: the launcher button, and the panel it opens (role=dialog, labelled by
 * its title) with the close button, the introduction, the connection status (a polite live region
 * written only when its words change), the button to reconnect, and the server's notices. The
 * views (pre-chat form, waiting, ended, the conversation) go in between; the element decides which
 * of them shows.
 */
import type { WidgetLang, WidgetStrings } from './strings';
import type { Tone } from './widget-status';
import type { ServerNotice } from '../proto/schema.gen';
import { button, el, setText } from '../common/dom';

const MAX_NOTICES = 5;

export class PanelView {
  /** Everything the shadow root holds. */
  readonly wrapper: HTMLDivElement;
  readonly launcher: HTMLButtonElement;
  readonly panel: HTMLElement;
  readonly closeButton: HTMLButtonElement;
  readonly intro: HTMLParagraphElement;
  /** Reconnects (or starts afresh) once the connection is gone for good. */
  readonly action: HTMLButtonElement;
  private readonly heading: HTMLHeadingElement;
  private readonly status: HTMLParagraphElement;
  private readonly statusText: HTMLSpanElement;
  private readonly notices: HTMLUListElement;

  /** `views` are placed below the status line, in order. */
  constructor(views: readonly HTMLElement[], doc: Document = document) {
    this.wrapper = el('div', { className: 'sb' }, doc);
    this.panel = el(
      'section',
      {
        id: 'sb-panel',
        className: 'panel',
        attrs: { role: 'dialog', 'aria-labelledby': 'sb-title', tabindex: '-1' },
      },
      doc,
    );
    this.panel.hidden = true;
    const header = el('div', { className: 'panel-header' }, doc);
    this.heading = el('h2', { id: 'sb-title', className: 'title' }, doc);
    this.closeButton = button({ id: 'sb-close', className: 'close' }, doc);
    const cross = el('span', { text: '×', attrs: { 'aria-hidden': 'true' } }, doc);
    this.closeButton.append(cross);
    header.append(this.heading, this.closeButton);

    const body = el('div', { className: 'panel-body' }, doc);
    this.intro = el('p', { id: 'sb-intro', className: 'intro' }, doc);
    this.status = el(
      'p',
      {
        id: 'sb-status',
        className: 'status',
        attrs: { role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' },
      },
      doc,
    );
    const dot = el('span', { className: 'dot', attrs: { 'aria-hidden': 'true' } }, doc);
    this.statusText = el('span', { id: 'sb-status-text' }, doc);
    this.status.append(dot, this.statusText);
    this.action = button({ id: 'sb-action', className: 'action' }, doc);
    this.action.hidden = true;

    const log = el('div', { className: 'log', attrs: { role: 'log', 'aria-live': 'polite' } }, doc);
    this.notices = el('ul', { id: 'sb-notices', className: 'notices' }, doc);
    log.append(this.notices);
    body.append(this.intro, this.status, this.action, ...views, log);
    this.panel.append(header, body);

    this.launcher = button(
      {
        id: 'sb-launcher',
        className: 'launcher',
        attrs: { 'aria-expanded': 'false', 'aria-controls': 'sb-panel' },
      },
      doc,
    );
    this.wrapper.append(this.panel, this.launcher);
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  renderStrings(lang: WidgetLang, t: WidgetStrings): void {
    this.wrapper.lang = lang;
    this.launcher.textContent = t.launcher;
    this.heading.textContent = t.title;
    this.closeButton.setAttribute('aria-label', t.close);
    this.intro.textContent = t.intro;
  }

  /** The connection line; only changed words are written, so the live region speaks only then. */
  renderStatus(v: { text: string; tone: Tone; action: string | null }): void {
    this.status.dataset.state = v.tone;
    setText(this.statusText, v.text);
    this.action.hidden = v.action === null;
    if (v.action !== null) this.action.textContent = v.action;
  }

  /** Shows the panel (the element moves the focus into it when the customer asked to open it). */
  open(): void {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
  }

  /** Closes the panel and gives the focus back to the launcher. */
  close(): void {
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
  }

  /** A server.notice, in the list of the last few. */
  addNotice(n: ServerNotice, labelText: string): void {
    const doc = this.notices.ownerDocument;
    const li = el('li', { className: `notice notice-${n.level}` }, doc);
    const label = el('strong', { text: `${labelText}: ` }, doc);
    const text = el('span', { text: n.message }, doc);
    li.append(label, text);
    this.notices.append(li);
    while (this.notices.children.length > MAX_NOTICES) this.notices.firstElementChild?.remove();
  }
}
