// @vitest-environment happy-dom
// Text someone else wrote is isolated: <bdi> or dir="auto" in the page, U+2068 ... U+2069 in plain
// text, with the isolates it carries balanced so it cannot close ours.
import { describe, expect, it } from 'vitest';

import {
  balanceIsolates,
  bdi,
  foreign,
  isolate,
  isSendKey,
  plainText,
  sentence,
  setForeignText,
  setParts,
} from './dom';

const RLO = '\u202E';
const FSI = '\u2068';
const PDI = '\u2069';
const RLI = '\u2067';

describe('isolate (plain text)', () => {
  it('leaves text without right-to-left letters or controls as it is', () => {
    expect(isolate('Pat Smith')).toBe('Pat Smith');
    expect(isolate('José Ñúñez, 5:21 AM')).toBe('José Ñúñez, 5:21 AM');
    expect(isolate('')).toBe('');
  });

  it('wraps right-to-left text and bidirectional controls in FSI ... PDI', () => {
    expect(isolate(`${RLO}Pat`)).toBe(`${FSI}${RLO}Pat${PDI}`);
    expect(isolate('مريم')).toBe(`${FSI}مريم${PDI}`);
    expect(isolate('שרה כהן')).toBe(`${FSI}שרה כהן${PDI}`);
    expect(isolate('a\u200Fb')).toBe(`${FSI}a\u200Fb${PDI}`); // a right-to-left mark
    expect(isolate('𐤀')).toBe(`${FSI}𐤀${PDI}`); // Phoenician, outside the first plane
  });

  it('cannot be closed early by an isolate in the text, nor left open by one', () => {
    // a stray PDI would close our isolate and let the override out
    expect(isolate(`${PDI}${RLO}x`)).toBe(`${FSI}${RLO}x${PDI}`);
    // an isolate the text opens is closed before ours
    expect(isolate(`${RLI}x`)).toBe(`${FSI}${RLI}x${PDI}${PDI}`);
    expect(balanceIsolates(`a${RLI}b${PDI}c${PDI}d`)).toBe(`a${RLI}b${PDI}cd`);
    expect(balanceIsolates('plain')).toBe('plain');
  });
});

describe('sentences of our words and foreign text', () => {
  it('splits a template around the values it embeds', () => {
    const connected = (name: string) => `Connected with ${name}`;
    expect(sentence(connected, `${RLO}Maria`)).toEqual(['Connected with ', foreign(`${RLO}Maria`)]);
    const two = (a: string, b: string) => `${b} then ${a}.`;
    expect(sentence(two, 'A', 'B')).toEqual([foreign('B'), ' then ', foreign('A'), '.']);
    // a value that looks like a template marker is still only a value
    expect(sentence(connected, '\uE0000\uE001')).toEqual(['Connected with ', foreign('\uE0000\uE001')]);
  });

  it('writes a sentence as plain text with the foreign parts isolated', () => {
    expect(plainText(['New chat with ', foreign(`${RLO}Pat`), ' at 5:21 AM'])).toBe(
      `New chat with ${FSI}${RLO}Pat${PDI} at 5:21 AM`,
    );
    expect(plainText(['Chat with ', foreign('Pat')])).toBe('Chat with Pat');
  });
});

describe('in the page', () => {
  it('puts each foreign part in a <bdi>, as text', () => {
    const p = document.createElement('p');
    setParts(p, ['Chat with ', foreign(`<b>${RLO}Pat</b>`), ', 5:21 AM']);
    expect(p.childNodes.length).toBe(3);
    const b = p.querySelector('bdi');
    expect(b?.textContent).toBe(`<b>${RLO}Pat</b>`);
    expect(p.querySelector('b')).toBeNull();
    expect(p.textContent).toBe(`Chat with <b>${RLO}Pat</b>, 5:21 AM`);
  });

  it('changes the content only when the sentence changed', () => {
    const p = document.createElement('p');
    setParts(p, ['Hi ', foreign('Pat')]);
    const first = p.querySelector('bdi');
    setParts(p, ['Hi ', foreign('Pat')]);
    expect(p.querySelector('bdi')).toBe(first);
    // the same text split differently is a different sentence
    setParts(p, ['Hi Pat']);
    expect(p.querySelector('bdi')).toBeNull();
    // and text set some other way in between is replaced
    p.textContent = 'other';
    setParts(p, ['Hi Pat']);
    expect(p.textContent).toBe('Hi Pat');
  });

  it('balances the isolates of the text it shows', () => {
    expect(bdi(`${PDI}${RLO}x`).textContent).toBe(`${RLO}x`);
  });

  it('gives an element holding only foreign text dir="auto"', () => {
    const p = document.createElement('p');
    setForeignText(p, 'مرحبا');
    expect(p.getAttribute('dir')).toBe('auto');
    expect(p.textContent).toBe('مرحبا');
  });
});

describe('isSendKey', () => {
  it('sends on Enter alone; Shift+Enter adds a line, other modifiers and an input method do not send', () => {
    const k = (init: KeyboardEventInit) => isSendKey(new KeyboardEvent('keydown', { key: 'Enter', ...init }));
    expect(k({})).toBe(true);
    expect(k({ shiftKey: true })).toBe(false);
    expect(k({ altKey: true })).toBe(false);
    expect(k({ ctrlKey: true })).toBe(false);
    expect(k({ metaKey: true })).toBe(false);
    expect(k({ isComposing: true })).toBe(false);
    expect(isSendKey(new KeyboardEvent('keydown', { key: 'a' }))).toBe(false);
  });
});
