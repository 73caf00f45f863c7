// @vitest-environment happy-dom
// The chat logs' rendering: one element per key, kept across renders, in the order given; history
// batches are not read out line by line; the view follows new messages when it was at the bottom
// or the message is the person's own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { el } from './dom';
import { KeyedLog } from './keyed-log';

interface Item {
  id: string;
  text: string;
  own?: boolean;
}

function setup(scroll = { height: 1000, client: 200, top: 800 }) {
  const box = el('div', { attrs: { role: 'log', 'aria-live': 'polite' } });
  const list = el('ol');
  box.append(list);
  document.body.append(box);
  Object.defineProperty(box, 'scrollHeight', { get: () => scroll.height });
  Object.defineProperty(box, 'clientHeight', { get: () => scroll.client });
  box.scrollTop = scroll.top;
  const created: string[] = [];
  const log = new KeyedLog<Item, { li: HTMLLIElement }>(box, list, {
    key: (i) => i.id,
    own: (i) => i.own === true,
    create: (i) => {
      created.push(i.id);
      return { li: el('li') };
    },
  });
  const render = (items: Item[]) => {
    log.render(items, (n, i) => {
      n.li.textContent = i.text;
    });
  };
  const texts = () => [...list.children].map((c) => c.textContent);
  return { box, list, log, created, render, texts };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe('KeyedLog', () => {
  it('keeps one element per key across renders, in the order given, and drops what is gone', () => {
    const h = setup();
    h.render([
      { id: 'a', text: 'A' },
      { id: 'b', text: 'B' },
    ]);
    const first = h.list.children[0];
    h.render([
      { id: 'c', text: 'C' },
      { id: 'a', text: 'A, edited' },
    ]);
    expect(h.texts()).toEqual(['C', 'A, edited']);
    expect(h.list.children[1]).toBe(first);
    expect(h.created).toEqual(['a', 'b', 'c']);
    h.log.clear();
    expect(h.texts()).toEqual([]);
    h.render([{ id: 'a', text: 'A' }]);
    expect(h.created).toEqual(['a', 'b', 'c', 'a']);
  });

  it('does not read out a batch of history line by line, and speaks again after a second', () => {
    const h = setup();
    h.render([1, 2, 3].map((n) => ({ id: String(n), text: String(n) })));
    expect(h.box.getAttribute('aria-live')).toBe('polite');
    h.render([1, 2, 3, 4, 5, 6].map((n) => ({ id: String(n), text: String(n) })));
    expect(h.box.getAttribute('aria-live')).toBe('polite');
    h.render([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => ({ id: String(n), text: String(n) })));
    expect(h.box.getAttribute('aria-live')).toBe('off');
    vi.advanceTimersByTime(999);
    expect(h.box.getAttribute('aria-live')).toBe('off');
    vi.advanceTimersByTime(1);
    expect(h.box.getAttribute('aria-live')).toBe('polite');
  });

  it('follows new messages only from the bottom, or when the message is the person’s own', () => {
    const scroll = { height: 1000, client: 200, top: 100 };
    const h = setup(scroll);
    h.render([{ id: 'a', text: 'A' }]);
    expect(h.box.scrollTop).toBe(100); // reading further up: left alone
    h.render([
      { id: 'a', text: 'A' },
      { id: 'b', text: 'B', own: true },
    ]);
    expect(h.box.scrollTop).toBe(1000);
    scroll.height = 1200;
    h.box.scrollTop = 1200 - 200 - 10; // near the bottom
    h.render([
      { id: 'a', text: 'A' },
      { id: 'b', text: 'B' },
      { id: 'c', text: 'C' },
    ]);
    expect(h.box.scrollTop).toBe(1200);
  });
});
