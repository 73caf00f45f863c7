import { describe, expect, it } from 'vitest';

import {
  cannedForLanguage,
  fillPlaceholders,
  foldText,
  insertText,
  missingPlaceholders,
  searchCanned,
} from './canned';
import type { Canned } from '../proto/schema.gen';

const LIST: Canned[] = [
  {
    id: 'greeting-en',
    title: 'Greeting',
    language: 'en',
    text: 'Hello {customer_name}, I am {agent_name} with {queue_name}.',
  },
  {
    id: 'greeting-es',
    title: 'Saludo',
    language: 'es',
    text: 'Hola {customer_name}, me llamo {agent_name}.',
  },
  { id: 'verify-es', title: 'Verificar identidad', language: 'es', text: 'Necesito confirmar su identidad.' },
  { id: 'rules-en', title: 'Work-search rules', language: 'en', text: 'You need 5 activities a week.' },
];

describe('fillPlaceholders', () => {
  it('fills customer, agent and queue names', () => {
    expect(
      fillPlaceholders(LIST[0]!.text, {
        customer_name: 'Ana',
        agent_name: 'Maria Lopez',
        queue_name: 'Unemployment insurance claims',
      }),
    ).toBe('Hello Ana, I am Maria Lopez with Unemployment insurance claims.');
  });

  it('fills every occurrence, inserts values literally, and leaves unknown braces alone', () => {
    expect(
      fillPlaceholders('{customer_name} {customer_name} {case_id} {agent_name}', {
        customer_name: '$& $1',
        agent_name: '<b>x</b>',
        queue_name: 'q',
      }),
    ).toBe('$& $1 $& $1 {case_id} <b>x</b>');
  });

  it('leaves a placeholder without a value for the agent to complete', () => {
    const text = fillPlaceholders('Hello {customer_name}, from {queue_name}', {
      customer_name: '  ',
      agent_name: 'M',
      queue_name: 'Q',
    });
    expect(text).toBe('Hello {customer_name}, from Q');
    expect(missingPlaceholders(text)).toEqual(['customer_name']);
    expect(missingPlaceholders('no placeholders')).toEqual([]);
  });
});

describe('choosing canned responses', () => {
  it('keeps the chat language (a regional tag matches its language)', () => {
    expect(cannedForLanguage(LIST, 'es').map((c) => c.id)).toEqual(['greeting-es', 'verify-es']);
    expect(cannedForLanguage(LIST, 'es-MX').map((c) => c.id)).toEqual(['greeting-es', 'verify-es']);
    expect(cannedForLanguage(LIST, 'EN').map((c) => c.id)).toEqual(['greeting-en', 'rules-en']);
    expect(cannedForLanguage(LIST, 'ru')).toEqual([]);
  });

  it('searches title and text, every word, ignoring case and accents', () => {
    expect(searchCanned(LIST, '').map((c) => c.id)).toHaveLength(4);
    expect(searchCanned(LIST, 'IDENTIDAD').map((c) => c.id)).toEqual(['verify-es']);
    expect(searchCanned(LIST, 'identídad verificar').map((c) => c.id)).toEqual(['verify-es']);
    expect(searchCanned(LIST, 'work week').map((c) => c.id)).toEqual(['rules-en']);
    expect(searchCanned(LIST, 'nothing like this')).toEqual([]);
    expect(foldText('Résumé ÑANDÚ')).toBe('resume nandu');
  });
});

describe('insertText', () => {
  it('replaces the selection and puts the caret after the inserted text', () => {
    expect(insertText('', 0, 0, 'Hello')).toEqual({ value: 'Hello', caret: 5 });
    expect(insertText('Hi there', 3, 8, 'Ana')).toEqual({ value: 'Hi Ana', caret: 6 });
  });

  it('adds a space between the inserted text and the words around it', () => {
    expect(insertText('Thanks!More', 7, 7, 'X')).toEqual({ value: 'Thanks! X More', caret: 9 });
  });
});
