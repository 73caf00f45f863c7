// @vitest-environment happy-dom
// The dialog scaffold every console dialog (and those of the next issues) is built on: the focus
// goes in, stays in, and comes back; Escape closes; a refusal is said in the alert and marks the
// field; the submit button is busy while the request runs, and only one request runs at a time.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FormDialog, ModalDialog, tabStops } from './dialog';
import { el, field } from './dom';
import { RequestError } from '../net/connection';

function key(target: Element, k: string, shiftKey = false): KeyboardEvent {
  const ev = new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true });
  target.dispatchEvent(ev);
  return ev;
}

/** A button in the page that opens the dialog (it gets the focus back). */
function opener(): HTMLButtonElement {
  const b = el('button', { id: 'opener', text: 'Open' });
  document.body.append(b);
  b.focus();
  return b;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

afterEach(() => {
  document.body.replaceChildren();
});

describe('ModalDialog', () => {
  function build(): { m: ModalDialog; a: HTMLInputElement; b: HTMLButtonElement } {
    const m = new ModalDialog('test-dialog', 'A test');
    const a = el('input', { id: 'a' });
    const b = el('button', { id: 'b', text: 'B' });
    m.body.append(a, b, m.cancelButton('test-cancel'));
    return { m, a, b };
  }

  it('is a modal dialog labelled by its heading, and takes the focus when it opens', () => {
    const { m, a } = build();
    opener();
    m.open({ returnTo: document.getElementById('opener') });
    expect(m.dialog.open).toBe(true);
    expect(m.dialog.getAttribute('aria-modal')).toBe('true');
    const label = document.getElementById(m.dialog.getAttribute('aria-labelledby') ?? '');
    expect(label?.textContent).toBe('A test');
    expect(document.activeElement).toBe(a);
  });

  it('focuses the element asked for, or the heading when nothing in it can take the focus', () => {
    const { m, b } = build();
    m.open({ returnTo: opener(), focus: b });
    expect(document.activeElement).toBe(b);
    m.close();
    const empty = new ModalDialog('empty-dialog', 'Nothing to press');
    empty.open({ returnTo: null });
    expect(document.activeElement).toBe(empty.heading);
    expect(empty.heading.tabIndex).toBe(-1);
  });

  it('keeps Tab and Shift+Tab inside: past the last stop to the first, and back', () => {
    const { m, a } = build();
    m.open({ returnTo: opener() });
    const cancel = document.getElementById('test-cancel') as HTMLButtonElement;
    cancel.focus();
    expect(key(cancel, 'Tab').defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(a);
    key(a, 'Tab', true);
    expect(document.activeElement).toBe(cancel);
    // in between, the browser moves the focus itself
    a.focus();
    expect(key(a, 'Tab').defaultPrevented).toBe(false);
  });

  it('brings a focus that got out of the dialog back in', () => {
    const { m, a } = build();
    const out = opener();
    m.open({ returnTo: out });
    out.focus();
    key(m.dialog, 'Tab');
    expect(document.activeElement).toBe(a);
  });

  it('counts a radio group as one stop and skips what is hidden or disabled', () => {
    const root = el('div');
    const hidden = el('div');
    hidden.hidden = true;
    hidden.append(el('input', { id: 'h' }));
    const r1 = el('input', { id: 'r1', attrs: { type: 'radio', name: 'g' } });
    const r2 = el('input', { id: 'r2', attrs: { type: 'radio', name: 'g' } });
    const off = el('button', { id: 'off' });
    off.disabled = true;
    root.append(hidden, r1, r2, off, el('textarea', { id: 't' }));
    document.body.append(root);
    expect(tabStops(root).map((e) => e.id)).toEqual(['r1', 't']);
    r2.checked = true;
    expect(tabStops(root).map((e) => e.id)).toEqual(['r2', 't']);
  });

  it('closes with Escape (and the Cancel button) and gives the focus back to the opener', () => {
    const { m, a } = build();
    const back = opener();
    const onClose = vi.fn();
    m.open({ returnTo: back, onClose });
    const ev = key(a, 'Escape');
    expect(ev.defaultPrevented).toBe(true);
    expect(m.isOpen).toBe(false);
    expect(onClose).toHaveBeenCalledOnce();
    expect(document.activeElement).toBe(back);

    m.open({ returnTo: back });
    (document.getElementById('test-cancel') as HTMLButtonElement).click();
    expect(m.isOpen).toBe(false);
    expect(document.activeElement).toBe(back);
  });

  it('gives the focus to the fallback when the opener is gone or hidden', () => {
    const { m } = build();
    const back = opener();
    const fallback = el('textarea', { id: 'fallback' });
    document.body.append(fallback);
    m.open({ returnTo: back, fallback: () => fallback });
    back.remove();
    m.close();
    expect(document.activeElement).toBe(fallback);

    const again = opener();
    m.open({ returnTo: again, fallback: () => fallback });
    again.hidden = true;
    key(m.dialog, 'Escape');
    expect(document.activeElement).toBe(fallback);
  });
});

describe('FormDialog', () => {
  function build(send: () => Promise<unknown> | null, why = true) {
    const failed = vi.fn((err: RequestError) => `Could not do it: ${err.message}.`);
    const d = new FormDialog({
      id: 'thing-dialog',
      title: 'Do the thing',
      prefix: 'thing',
      intro: true,
      why: why ? 'Why we ask.' : undefined,
      submit: { text: 'Do it', busyText: 'Doing…' },
      send,
      failed,
    });
    const input = el('textarea', { id: 'thing-reason' });
    d.describe(input, 'thing-hint');
    d.addFields(field('Reason', input, { after: [el('p', { id: 'thing-hint', text: 'A hint.' })] }));
    return { d, input, failed };
  }

  it('has the parts every form dialog needs, ids from its prefix', () => {
    const { d, input } = build(() => null);
    d.open({ returnTo: opener(), intro: ['Customer: ', { foreign: 'Lee' }] });
    expect(d.modal.dialog.id).toBe('thing-dialog');
    expect(d.intro?.id).toBe('thing-intro');
    expect(d.intro?.textContent).toBe('Customer: Lee');
    expect(d.intro?.querySelector('bdi')?.textContent).toBe('Lee');
    expect(d.why?.textContent).toBe('Why we ask.');
    expect(d.error.id).toBe('thing-error');
    expect(d.error.getAttribute('role')).toBe('alert');
    expect(d.submitButton.type).toBe('submit');
    expect(d.submitButton.id).toBe('thing-submit');
    expect(d.cancelButton.type).toBe('button');
    expect(d.cancelButton.id).toBe('thing-cancel');
    // the field: its label, described by why, its hint and the error line; fields above the error
    expect(input.getAttribute('aria-describedby')).toBe('thing-why thing-hint thing-error');
    expect(document.querySelector<HTMLLabelElement>('label[for="thing-reason"]')?.textContent).toBe('Reason');
    expect([...d.form.children].map((c) => c.className || c.tagName)).toEqual([
      'field',
      'form-error',
      'modal-buttons',
    ]);
    expect(document.activeElement).toBe(input);
  });

  it('says a refusal in the alert, marks the field and focuses it, and sends nothing', () => {
    let calls = 0;
    const { d, input } = build(() => {
      calls++;
      d.refuse('Give a reason.', input);
      return null;
    });
    d.open({ returnTo: opener(), focus: d.cancelButton });
    d.submitButton.click();
    expect(calls).toBe(1);
    expect(d.error.textContent).toBe('Give a reason.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input);
    expect(d.isOpen).toBe(true);
    expect(d.submitButton.hasAttribute('aria-disabled')).toBe(false);
  });

  it('is busy while the request runs, sends once, and closes and gives the focus back when done', async () => {
    let done: () => void = () => undefined;
    const send = vi.fn(
      () =>
        new Promise<void>((res) => {
          done = res;
        }),
    );
    const { d, input } = build(send);
    const back = opener();
    d.open({ returnTo: back });
    input.setAttribute('aria-invalid', 'true');
    d.say('An old refusal.');
    d.submitButton.click();
    expect(send).toHaveBeenCalledOnce();
    // a new try clears the last refusal's marks
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(d.error.textContent).toBe('');
    expect(d.submitButton.getAttribute('aria-disabled')).toBe('true');
    expect(d.submitButton.textContent).toBe('Doing…');
    d.submitButton.click();
    expect(send).toHaveBeenCalledOnce();
    done();
    await flush();
    expect(d.isOpen).toBe(false);
    expect(document.activeElement).toBe(back);
    expect(d.submitButton.hasAttribute('aria-disabled')).toBe(false);
    expect(d.submitButton.textContent).toBe('Do it');
  });

  it('announces a failure in the alert and stays open, ready to try again', async () => {
    const { d, failed } = build(() => Promise.reject(new RequestError('CONFLICT', 'the chat ended')));
    d.open({ returnTo: opener() });
    d.submitButton.click();
    await flush();
    expect(failed).toHaveBeenCalledOnce();
    expect(failed.mock.calls[0]?.[0].code).toBe('CONFLICT');
    expect(d.error.getAttribute('role')).toBe('alert');
    expect(d.error.textContent).toBe('Could not do it: the chat ended.');
    expect(d.isOpen).toBe(true);
    expect(d.submitButton.hasAttribute('aria-disabled')).toBe(false);
    expect(d.submitButton.textContent).toBe('Do it');
  });

  it('treats anything else a request rejects with as INTERNAL', async () => {
    const { d, failed } = build(() => Promise.reject(new Error('boom')));
    d.open({ returnTo: opener() });
    d.submitButton.click();
    await flush();
    expect(failed.mock.calls[0]?.[0].code).toBe('INTERNAL');
  });

  it('opens clean each time, or with the error it is given', () => {
    const { d, input } = build(() => {
      d.refuse('Give a reason.', input);
      return null;
    }, false);
    expect(d.why).toBeNull();
    expect(input.getAttribute('aria-describedby')).toBe('thing-hint thing-error');
    const back = opener();
    d.open({ returnTo: back });
    d.submitButton.click();
    key(input, 'Escape');
    expect(d.isOpen).toBe(false);
    d.open({ returnTo: back });
    expect(d.error.textContent).toBe('');
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    d.close();
    d.open({ returnTo: back, error: 'Nothing is configured.' });
    expect(d.error.textContent).toBe('Nothing is configured.');
  });
});
