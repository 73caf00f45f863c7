/**
 * <switchboard-chat>: the customer chat widget, one ES module that a host page loads with
 *
 *   <script type="module" src="https://SWITCHBOARD/widget/switchboard-widget.js"></script>
 *   <switchboard-chat lang="es"></switchboard-chat>
 *
 * Attributes:
 *   server  base URL of the Switchboard server ("https://chat.example.gov"); the widget connects to
 *           ws(s)://that host/ws/customer. Default: the origin this script was loaded from.
 *   lang    en or es (default: the page's language if Spanish, else English).
 *
 * Everything lives in an open shadow root, styled by a constructable stylesheet (no <style>
 * element, no style attributes: a strict CSP with style-src 'self' allows it). The resume token
 * from the hello reply is kept in sessionStorage ("switchboard.resume") and presented on reconnect
 * and after a reload, when the widget also reopens by itself.
 */
import css from './widget.css?inline';
import { customerSocketUrl } from './server-url';
import { STRINGS, pickLang, type WidgetLang, type WidgetStrings } from './strings';
import { sessionTokenStore } from './token-store';
import { CLIENT_VERSION } from '../common/version';
import { Connection, type ConnectionState, type TokenStore } from '../net/connection';
import type { ServerNotice } from '../proto/schema.gen';

export const TAG = 'switchboard-chat';

const MAX_NOTICES = 5;

let sharedSheet: CSSStyleSheet | null = null;

function styleSheet(): CSSStyleSheet {
  if (!sharedSheet) {
    sharedSheet = new CSSStyleSheet();
    sharedSheet.replaceSync(css);
  }
  return sharedSheet;
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  className = '',
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

type Tone = 'connecting' | 'connected' | 'reconnecting' | 'ended';

/** What the panel says for a connection state: status text, its tone, and the action offered. */
export function widgetStatus(
  s: ConnectionState,
  t: WidgetStrings,
): { text: string; tone: Tone; action: string | null } {
  switch (s.status) {
    case 'idle':
    case 'connecting':
      return { text: t.connecting, tone: 'connecting', action: null };
    case 'connected':
      return { text: t.connected, tone: 'connected', action: null };
    case 'reconnecting':
      return { text: t.reconnecting, tone: 'reconnecting', action: null };
    case 'closed':
      switch (s.reason) {
        case 'signed-out':
          return { text: t.ended, tone: 'ended', action: t.startNew };
        case 'replaced':
          return { text: t.replaced, tone: 'ended', action: t.continueHere };
        case 'error':
        case 'client':
          return { text: t.unavailable, tone: 'ended', action: t.tryAgain };
      }
  }
}

export class SwitchboardChat extends HTMLElement {
  static readonly observedAttributes = ['lang', 'server'];

  private readonly wrapper: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly intro: HTMLParagraphElement;
  private readonly status: HTMLParagraphElement;
  private readonly statusText: HTMLSpanElement;
  private readonly action: HTMLButtonElement;
  private readonly notices: HTMLUListElement;
  private readonly tokens: TokenStore = sessionTokenStore();
  private conn: Connection | null = null;
  private connState: ConnectionState = { status: 'idle' };
  private uiLang: WidgetLang = 'en';

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styleSheet()];

    this.wrapper = make('div', {}, 'sb');
    this.panel = make(
      'section',
      { id: 'sb-panel', role: 'dialog', 'aria-labelledby': 'sb-title', tabindex: '-1' },
      'panel',
    );
    this.panel.hidden = true;
    const header = make('div', {}, 'panel-header');
    this.heading = make('h2', { id: 'sb-title' }, 'title');
    this.closeButton = make('button', { id: 'sb-close', type: 'button' }, 'close');
    const cross = make('span', { 'aria-hidden': 'true' });
    cross.textContent = '×';
    this.closeButton.append(cross);
    header.append(this.heading, this.closeButton);

    const body = make('div', {}, 'panel-body');
    this.intro = make('p', { id: 'sb-intro' }, 'intro');
    this.status = make(
      'p',
      { id: 'sb-status', role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' },
      'status',
    );
    const dot = make('span', { 'aria-hidden': 'true' }, 'dot');
    this.statusText = make('span', { id: 'sb-status-text' });
    this.status.append(dot, this.statusText);
    this.action = make('button', { id: 'sb-action', type: 'button' }, 'action');
    this.action.hidden = true;
    const log = make('div', { role: 'log', 'aria-live': 'polite' }, 'log');
    this.notices = make('ul', { id: 'sb-notices' }, 'notices');
    log.append(this.notices);
    body.append(this.intro, this.status, this.action, log);
    this.panel.append(header, body);

    this.launcher = make(
      'button',
      { id: 'sb-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sb-panel' },
      'launcher',
    );
    this.wrapper.append(this.panel, this.launcher);
    root.append(this.wrapper);

    this.launcher.addEventListener('click', () => {
      if (this.panel.hidden) this.openPanel(true);
      else this.closePanel();
    });
    this.closeButton.addEventListener('click', () => {
      this.closePanel();
    });
    this.wrapper.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !this.panel.hidden) {
        ev.stopPropagation();
        this.closePanel();
      }
    });
    this.action.addEventListener('click', () => {
      this.conn?.start();
    });
  }

  connectedCallback(): void {
    this.renderStrings();
    // a conversation was going on before the page was reloaded: pick it up again
    if (this.tokens.get() !== null && this.panel.hidden) this.openPanel(false);
  }

  disconnectedCallback(): void {
    this.conn?.close();
    this.conn = null;
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue) return;
    if (name === 'lang') this.renderStrings();
    if (name === 'server' && this.conn) {
      this.conn.close();
      this.conn = null;
      if (!this.panel.hidden) this.connect();
    }
  }

  /** Whether the chat panel is showing. */
  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  private strings(): WidgetStrings {
    return STRINGS[this.uiLang];
  }

  private renderStrings(): void {
    this.uiLang = pickLang(this.getAttribute('lang'), document.documentElement.lang);
    const t = this.strings();
    this.wrapper.lang = this.uiLang;
    this.launcher.textContent = t.launcher;
    this.heading.textContent = t.title;
    this.closeButton.setAttribute('aria-label', t.close);
    this.intro.textContent = t.intro;
    this.renderState(this.connState);
  }

  private renderState(s: ConnectionState): void {
    this.connState = s;
    const v = widgetStatus(s, this.strings());
    this.status.dataset.state = v.tone;
    if (this.statusText.textContent !== v.text) this.statusText.textContent = v.text;
    this.action.hidden = v.action === null;
    if (v.action !== null) this.action.textContent = v.action;
  }

  private addNotice(n: ServerNotice): void {
    const li = make('li', {}, `notice notice-${n.level}`);
    const label = make('strong');
    label.textContent = `${this.strings().noticeLabel}: `;
    const text = make('span');
    text.textContent = n.message;
    li.append(label, text);
    this.notices.append(li);
    while (this.notices.children.length > MAX_NOTICES) this.notices.firstElementChild?.remove();
  }

  private connect(): void {
    if (this.conn) return;
    const url = customerSocketUrl(this.getAttribute('server'), import.meta.url, location.href);
    if (url === null) {
      this.renderState({ status: 'closed', reason: 'error', message: 'no server URL' });
      return;
    }
    const conn = new Connection({
      url,
      client: `widget/${CLIENT_VERSION}`,
      lang: () => this.uiLang,
      tokenStore: this.tokens,
    });
    this.conn = conn;
    conn.onState((s) => {
      if (this.conn === conn) this.renderState(s);
    });
    conn.on('server.notice', (n) => {
      this.addNotice(n);
    });
    conn.onProblem((e) => {
      console.warn('switchboard-chat: protocol problem', e);
    });
    window.addEventListener('online', () => {
      conn.reconnectNow();
    });
    conn.start();
  }

  private openPanel(moveFocus: boolean): void {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.connect();
    if (moveFocus) this.panel.focus();
  }

  private closePanel(): void {
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'switchboard-chat': SwitchboardChat;
  }
}

if (typeof customElements !== 'undefined' && !customElements.get(TAG)) {
  customElements.define(TAG, SwitchboardChat);
}
