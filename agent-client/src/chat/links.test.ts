// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';

import { appendMessageText, linkify, safeHttpsUrl, trimAddress } from './links';

describe('linkify', () => {
  it('makes https addresses the agent writes links that show the full address', () => {
    expect(linkify('See https://unemployment.example.gov/claims?id=3 for details.', 'agent')).toEqual([
      { type: 'text', text: 'See ' },
      {
        type: 'link',
        text: 'https://unemployment.example.gov/claims?id=3',
        href: 'https://unemployment.example.gov/claims?id=3',
      },
      { type: 'text', text: ' for details.' },
    ]);
    expect(
      linkify('https://a.example.gov and https://b.example.gov', 'supervisor').map((s) => s.type),
    ).toEqual(['link', 'text', 'link']);
  });

  it('leaves everything the customer writes as text, links included', () => {
    expect(linkify('click https://evil.example/login now', 'customer')).toEqual([
      { type: 'text', text: 'click https://evil.example/login now' },
    ]);
    expect(linkify('https://example.gov', 'system')).toEqual([{ type: 'text', text: 'https://example.gov' }]);
  });

  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(document.cookie)',
    'http://example.gov/plain-http',
    'data:text/html,<script>alert(1)</script>',
    'mailto:help@example.gov',
    'https://',
    'https://user:pass@example.gov/',
    'https://www.bank.gov@evil.example/',
    'https://exa\u202Eelpmaxe.gov/',
  ])('never a link: %s', (text) => {
    expect(linkify(`go to ${text}`, 'agent').every((s) => s.type === 'text')).toBe(true);
  });

  it('keeps sentence punctuation and unbalanced brackets out of the address', () => {
    expect(trimAddress('https://x.gov/a.')).toBe('https://x.gov/a');
    expect(trimAddress('https://x.gov/a),')).toBe('https://x.gov/a');
    expect(trimAddress('https://en.example.org/wiki/Thing_(x)')).toBe(
      'https://en.example.org/wiki/Thing_(x)',
    );
    const segs = linkify('(see https://x.gov/forms).', 'agent');
    expect(segs).toEqual([
      { type: 'text', text: '(see ' },
      { type: 'link', text: 'https://x.gov/forms', href: 'https://x.gov/forms' },
      { type: 'text', text: ').' },
    ]);
  });

  it('accepts only https URLs without credentials', () => {
    expect(safeHttpsUrl('https://example.gov/x')).toBe('https://example.gov/x');
    expect(safeHttpsUrl('HTTPS://EXAMPLE.gov')).toBe('https://example.gov/');
    expect(safeHttpsUrl('javascript:alert(1)//https://')).toBeNull();
  });
});

describe('appendMessageText', () => {
  it('builds text nodes and safe links, never markup', () => {
    const p = document.createElement('p');
    appendMessageText(
      p,
      '<img src=x onerror=alert(1)> https://example.gov/a <b>',
      'agent',
      'opens in a new tab',
    );
    expect(p.querySelector('img, b')).toBeNull();
    const a = p.querySelector('a');
    expect(a?.getAttribute('href')).toBe('https://example.gov/a');
    expect(a?.getAttribute('target')).toBe('_blank');
    expect(a?.getAttribute('rel')).toBe('noopener noreferrer');
    expect(a?.firstChild?.textContent).toBe('https://example.gov/a');
    expect(p.textContent).toBe('<img src=x onerror=alert(1)> https://example.gov/a (opens in a new tab) <b>');
  });

  it('a customer link stays text', () => {
    const p = document.createElement('p');
    appendMessageText(p, 'https://example.gov', 'customer', 'x');
    expect(p.querySelector('a')).toBeNull();
    expect(p.textContent).toBe('https://example.gov');
  });
});
