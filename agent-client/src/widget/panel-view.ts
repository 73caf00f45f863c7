/**
 * The frame of the widget: the launcher button, and the panel it opens (role=dialog, labelled by
 * its title) with the close button, the introduction, the connection status (a polite live region
 * written only when its words change), the button to reconnect, and the server's notices. The
 * views (pre-chat form, waiting, ended, the conversation) go in between; the element decides which
 * of them shows.
 */
import { make } from './make';
import type { WidgetLang, WidgetStrings } from './strings';
import type { Tone } from './widget-status';
import type { ServerNotice } from '../proto/schema.gen';

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
    const m = <K extends keyof HTMLElementTagNameMap>(
      tag: K,
      attrs: Record<string, string> = {},
      cls = '',
    ): HTMLElementTagNameMap[K] => make(tag, attrs, cls, doc);

    this.wrapper = m('div', {}, 'sb');
    this.panel = m(
      'section',
      { id: 'sb-panel', role: 'dialog', 'aria-labelledby': 'sb-title', tabindex: '-1' },
      'panel',
    );
    this.panel.hidden = true;
    const header = m('div', {}, 'panel-header');
    this.heading = m('h2', { id: 'sb-title' }, 'title');
    this.closeButton = m('button', { id: 'sb-close', type: 'button' }, 'close');
    const cross = m('span', { 'aria-hidden': 'true' });
    cross.textContent = '×';
    this.closeButton.append(cross);
    header.append(this.heading, this.closeButton);

    const body = m('div', {}, 'panel-body');
    this.intro = m('p', { id: 'sb-intro' }, 'intro');
    this.status = m(
      'p',
      { id: 'sb-status', role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' },
      'status',
    );
    const dot = m('span', { 'aria-hidden': 'true' }, 'dot');
    this.statusText = m('span', { id: 'sb-status-text' });
    this.status.append(dot, this.statusText);
    this.action = m('button', { id: 'sb-action', type: 'button' }, 'action');
    this.action.hidden = true;

    const log = m('div', { role: 'log', 'aria-live': 'polite' }, 'log');
    this.notices = m('ul', { id: 'sb-notices' }, 'notices');
    log.append(this.notices);
    body.append(this.intro, this.status, this.action, ...views, log);
    this.panel.append(header, body);

    this.launcher = m(
      'button',
      { id: 'sb-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sb-panel' },
      'launcher',
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
    if (this.statusText.textContent !== v.text) this.statusText.textContent = v.text;
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
    const li = make('li', {}, `notice notice-${n.level}`, doc);
    const label = make('strong', {}, '', doc);
    label.textContent = `${labelText}: `;
    const text = make('span', {}, '', doc);
    text.textContent = n.message;
    li.append(label, text);
    this.notices.append(li);
    while (this.notices.children.length > MAX_NOTICES) this.notices.firstElementChild?.remove();
  }
}
