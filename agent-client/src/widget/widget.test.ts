// @vitest-environment happy-dom
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { customerSocketUrl } from './server-url';
import { STRINGS, pickLang } from './strings';
import { RESUME_KEY, sessionTokenStore } from './token-store';
import type { SwitchboardChat } from './switchboard-widget';
import { FakeSocket } from '../test/fake-socket';

const HELLO_NEW = {
  role: 'customer',
  user_id: 'c:1',
  resume_token: 'MINTED_abcdefghijklmnopqrstuvwxyz0123456789',
  resume_ttl_s: 86400,
  server_time_ms: 1764072000000,
  ping_interval_s: 25,
  max_frame_bytes: 65536,
};

beforeAll(async () => {
  vi.stubGlobal('WebSocket', FakeSocket);
  await import('./switchboard-widget');
});

beforeEach(() => {
  FakeSocket.all = [];
  sessionStorage.clear();
  document.body.replaceChildren();
  document.documentElement.lang = 'en';
});

afterEach(() => {
  document.body.replaceChildren();
});

function mount(attrs: Record<string, string> = {}): { w: SwitchboardChat; q: (sel: string) => HTMLElement } {
  const w = document.createElement('switchboard-chat');
  for (const [k, v] of Object.entries(attrs)) w.setAttribute(k, v);
  document.body.append(w);
  const q = (sel: string): HTMLElement => {
    const e = w.shadowRoot?.querySelector<HTMLElement>(sel);
    if (!e) throw new Error(`no ${sel}`);
    return e;
  };
  return { w, q };
}

describe('<switchboard-chat>', () => {
  it('shows a launcher, in an open shadow root styled by a constructable stylesheet', () => {
    const { w, q } = mount();
    expect(q('#sb-launcher').textContent).toBe('Chat with us');
    expect(q('#sb-launcher').getAttribute('aria-expanded')).toBe('false');
    expect(q('#sb-panel').hidden).toBe(true);
    expect(w.shadowRoot?.adoptedStyleSheets.length).toBe(1);
    expect(w.shadowRoot?.querySelector('style, [style]')).toBeNull();
    expect(FakeSocket.all).toHaveLength(0); // nothing connects before the customer asks
  });

  it('opens on the launcher, connects to the server attribute, shows the state and keeps the token', () => {
    const { q } = mount({ server: 'http://127.0.0.1:8080' });
    q('#sb-launcher').click();
    expect(q('#sb-panel').hidden).toBe(false);
    expect(q('#sb-launcher').getAttribute('aria-expanded')).toBe('true');
    expect(q('#sb-panel').getAttribute('role')).toBe('dialog');
    const s = FakeSocket.last();
    expect(s.url).toBe('ws://127.0.0.1:8080/ws/customer');
    expect(q('#sb-status').getAttribute('aria-live')).toBe('polite');
    expect(q('#sb-status').textContent).toBe('Connecting…');
    s.accept();
    expect(s.sent[0]).toEqual({ t: 'hello', id: 1, b: { client: 'widget/0.1.0', lang: 'en' } });
    s.replyOk(HELLO_NEW);
    return Promise.resolve().then(() => {
      expect(q('#sb-status').textContent).toBe('Connected');
      expect(sessionStorage.getItem(RESUME_KEY)).toBe(HELLO_NEW.resume_token);
    });
  });

  it('Escape and the close button close the panel and return focus to the launcher', () => {
    const { w, q } = mount();
    q('#sb-launcher').click();
    expect(w.shadowRoot?.activeElement?.id).toBe('sb-panel');
    q('#sb-panel').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }),
    );
    expect(q('#sb-panel').hidden).toBe(true);
    expect(w.shadowRoot?.activeElement?.id).toBe('sb-launcher');
    q('#sb-launcher').click();
    q('#sb-close').click();
    expect(q('#sb-panel').hidden).toBe(true);
    expect(w.shadowRoot?.activeElement?.id).toBe('sb-launcher');
    expect(q('#sb-close').getAttribute('aria-label')).toBe('Close chat');
  });

  it('after a reload with a stored token it reopens by itself and presents the token', () => {
    sessionStorage.setItem(RESUME_KEY, 'STORED_abcdefghijklmnop');
    const { w, q } = mount();
    expect(q('#sb-panel').hidden).toBe(false);
    expect(w.shadowRoot?.activeElement ?? null).toBeNull(); // focus is not taken from the page
    FakeSocket.last().accept();
    expect(FakeSocket.last().sent[0]?.b).toMatchObject({ resume_token: 'STORED_abcdefghijklmnop' });
  });

  it('speaks Spanish with lang="es" and follows attribute changes', () => {
    const { w, q } = mount({ lang: 'es' });
    expect(q('#sb-launcher').textContent).toBe('Chatear con nosotros');
    q('#sb-launcher').click();
    expect(q('#sb-status').textContent).toBe('Conectando…');
    FakeSocket.last().accept();
    expect(FakeSocket.last().sent[0]?.b).toMatchObject({ lang: 'es' });
    w.setAttribute('lang', 'en');
    expect(q('#sb-launcher').textContent).toBe('Chat with us');
    expect(q('#sb-status').textContent).toBe('Connecting…');
  });

  it('when the server ends the session it says so, forgets the token and offers a new chat', async () => {
    const { q } = mount();
    q('#sb-launcher').click();
    const s = FakeSocket.last();
    s.accept();
    s.replyOk(HELLO_NEW);
    await Promise.resolve();
    s.serverCloses(4001);
    expect(q('#sb-status').textContent).toBe('This chat has ended.');
    expect(sessionStorage.getItem(RESUME_KEY)).toBeNull();
    expect(q('#sb-action').hidden).toBe(false);
    expect(q('#sb-action').textContent).toBe('Start a new chat');
    q('#sb-action').click();
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('renders server notices as text', async () => {
    const { q } = mount();
    q('#sb-launcher').click();
    const s = FakeSocket.last();
    s.accept();
    s.replyOk(HELLO_NEW);
    await Promise.resolve();
    s.serverSends({ t: 'server.notice', b: { level: 'warning', message: '<img src=x onerror=alert(1)>' } });
    expect(q('#sb-notices').querySelector('img')).toBeNull();
    expect(q('#sb-notices').textContent).toBe('Notice: <img src=x onerror=alert(1)>');
  });
});

describe('customerSocketUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', 'ws://127.0.0.1:8080/ws/customer'],
    ['https://chat.example.gov/some/path', 'wss://chat.example.gov/ws/customer'],
    ['https://chat.example.gov:8443', 'wss://chat.example.gov:8443/ws/customer'],
  ])('server=%s -> %s', (server, url) => {
    expect(customerSocketUrl(server, 'https://cdn.example/widget.js', 'https://page.example/')).toBe(url);
  });

  it('defaults to the origin of the script, then of the page', () => {
    expect(
      customerSocketUrl(null, 'https://sb.example/widget/switchboard-widget.js', 'https://p.example/'),
    ).toBe('wss://sb.example/ws/customer');
    expect(customerSocketUrl('', 'file:///x.js', 'http://p.example/a')).toBe('ws://p.example/ws/customer');
    expect(customerSocketUrl('javascript:alert(1)', 'blob:x', 'about:blank')).toBeNull();
  });
});

describe('pickLang', () => {
  it.each([
    ['es', '', 'es'],
    ['ES-mx', '', 'es'],
    ['en', 'es', 'en'],
    [null, 'es-US', 'es'],
    [null, '', 'en'],
    ['fr', '', 'en'],
  ] as const)('%s (page %s) -> %s', (attr, page, want) => {
    expect(pickLang(attr, page)).toBe(want);
  });

  it('has every string in every language', () => {
    expect(Object.keys(STRINGS.es).sort()).toEqual(Object.keys(STRINGS.en).sort());
  });
});

describe('sessionTokenStore', () => {
  it('keeps the token under switchboard.resume', () => {
    const store = sessionTokenStore();
    store.set('abc');
    expect(sessionStorage.getItem('switchboard.resume')).toBe('abc');
    expect(store.get()).toBe('abc');
    store.clear();
    expect(store.get()).toBeNull();
  });

  it('works without storage', () => {
    const store = sessionTokenStore(() => {
      throw new Error('SecurityError');
    });
    expect(store.get()).toBeNull();
    expect(() => {
      store.set('x');
      store.clear();
    }).not.toThrow();
  });
});
