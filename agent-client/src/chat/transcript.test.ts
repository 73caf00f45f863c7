import { describe, expect, it } from 'vitest';

import { transcriptFileName, transcriptText } from './transcript';
import { MessageStore } from './store';
import { transcriptHeader, transcriptLines } from '../widget/after-chat';
import { CHAT_STRINGS } from '../widget/chat-strings';

const T0 = Date.UTC(2026, 5, 1, 17, 2); // 10:02 AM in Los Angeles

describe('transcriptText', () => {
  it('writes a header, the day, then "[time] Name: text", continuation lines indented', () => {
    const text = transcriptText(
      [
        { ts: T0, who: null, text: 'Maria Lopez joined the chat.' },
        { ts: T0 + 60_000, who: 'Maria Lopez', text: 'Hello Ana.\nHow can I help?' },
        { ts: T0 + 120_000, who: 'Ana', text: 'My claim <b>is</b> stuck', note: 'not sent' },
      ],
      {
        header: ['Chat transcript', 'Topic: Claims'],
        footer: ['Keep this transcript.'],
        locale: 'en-US',
        timeZone: 'America/Los_Angeles',
      },
    );
    expect(text.split('\r\n')).toEqual([
      'Chat transcript',
      'Topic: Claims',
      '',
      '— Monday, June 1, 2026 —',
      '[10:02 AM] Maria Lopez joined the chat.',
      '[10:03 AM] Maria Lopez: Hello Ana.',
      '                        How can I help?',
      '[10:04 AM] Ana: My claim <b>is</b> stuck (not sent)',
      '',
      'Keep this transcript.',
      '',
    ]);
  });

  it('writes the day again when it changes', () => {
    const text = transcriptText(
      [
        { ts: Date.UTC(2026, 5, 1, 6, 59), who: 'A', text: 'late' },
        { ts: Date.UTC(2026, 5, 1, 7, 1), who: 'B', text: 'early' },
      ],
      { header: ['T'], locale: 'en-US', timeZone: 'America/Los_Angeles' },
    );
    expect(text).toContain('— Sunday, May 31, 2026 —');
    expect(text).toContain('— Monday, June 1, 2026 —');
  });

  it('names the file after the local date and time', () => {
    const d = new Date(2026, 5, 1, 9, 5);
    expect(transcriptFileName(d.getTime())).toBe('chat-transcript-2026-06-01-0905.txt');
  });
});

describe('the widget transcript', () => {
  it('names the customer and the specialist, words the events, leaves notes out, marks unsent', () => {
    const s = new MessageStore('customer');
    s.receive(1, {
      seq: 1,
      prev_seq: 0,
      kind: 'system',
      system: 'joined',
      from_role: 'system',
      from_name: 'Maria Lopez',
      text: '',
      ts_ms: T0,
    });
    s.receive(1, { seq: 2, prev_seq: 1, kind: 'message', from_role: 'agent', text: 'Hi', ts_ms: T0 + 1 });
    s.receive(1, { seq: 4, prev_seq: 2, kind: 'note', from_role: 'agent', text: 'secret', ts_ms: T0 + 2 });
    s.addOutgoing('c1', 'Thanks', false, T0 + 3);
    const lines = transcriptLines(
      s.items(),
      { customerName: 'Ana', agentName: 'Maria Lopez' },
      CHAT_STRINGS.es,
    );
    expect(lines).toEqual([
      { ts: T0, who: null, text: 'Maria Lopez se unió al chat.' },
      { ts: T0 + 1, who: 'Maria Lopez', text: 'Hi' },
      { ts: T0 + 3, who: 'Ana', text: 'Thanks', note: 'no enviado' },
    ]);
  });
});

describe('right-to-left text in the transcript', () => {
  const RLO = '\u202E';
  it('isolates names and messages, line by line, but not our own words', () => {
    const text = transcriptText(
      [
        { ts: T0, who: null, text: `\u2068${RLO}Maria\u2069 joined the chat.` },
        { ts: T0 + 60_000, who: `${RLO}Pat`, text: 'مرحبا\nשלום' },
        { ts: T0 + 120_000, who: 'Ana', text: `${RLO}stuck`, note: 'not sent' },
      ],
      { header: ['Chat transcript'], locale: 'en-US', timeZone: 'America/Los_Angeles' },
    );
    expect(text.split('\r\n').slice(3, 7)).toEqual([
      `[10:02 AM] \u2068${RLO}Maria\u2069 joined the chat.`,
      `[10:03 AM] \u2068${RLO}Pat\u2069: \u2068مرحبا\u2069`,
      // continuation lines line up under the text: the isolates take no room
      `                \u2068שלום\u2069`,
      `[10:04 AM] Ana: \u2068${RLO}stuck\u2069 (not sent)`,
    ]);
  });

  it('isolates the names in the events and the head of the widget transcript', () => {
    const s = new MessageStore('customer');
    s.receive(1, {
      seq: 1,
      prev_seq: 0,
      kind: 'system',
      system: 'joined',
      from_role: 'system',
      from_name: `${RLO}Maria`,
      text: '',
      ts_ms: T0,
    });
    const lines = transcriptLines(s.items(), { customerName: 'Ana', agentName: 'Maria' }, CHAT_STRINGS.en);
    expect(lines[0]?.text).toBe(`\u2068${RLO}Maria\u2069 joined the chat.`);
    const head = transcriptHeader(
      { topicLabel: 'Claims', customerName: 'سارة', claimRef: 'C-1', agentName: `${RLO}Maria` },
      CHAT_STRINGS.en,
      'en-US',
      T0,
    );
    expect(head.slice(1, 5)).toEqual([
      'Topic: Claims',
      'Your name: \u2068سارة\u2069',
      'Claim or case number: C-1',
      `Specialist: \u2068${RLO}Maria\u2069`,
    ]);
  });
});
