/**
 * A chat transcript as plain text, built from the local copy of the log: who wrote, when, and what,
 * for the customer to keep (a .txt download, or printing). Text only: what anyone wrote is copied as
 * written, never interpreted, and isolated (names and messages written right to left, or holding
 * bidirectional controls, are wrapped in U+2068 ... U+2069 so they cannot reorder the time or the
 * name beside them).
 */
import { el, isolate } from '../common/dom';

export interface TranscriptLine {
  /** When (ms since the epoch). */
  ts: number;
  /** Who wrote it; null for an event of the conversation ("Maria Lopez joined the chat."). */
  who: string | null;
  /** What they wrote; for an event, our sentence (any name in it already isolated). */
  text: string;
  /** Said after the text in brackets, e.g. "not sent". */
  note?: string;
}

export interface TranscriptOptions {
  /** First lines: a title and facts ("Topic: …"). */
  header: readonly string[];
  locale: string;
  timeZone?: string;
  /** Last lines, e.g. where to get help next. */
  footer?: readonly string[];
}

const EOL = '\r\n';

function fmt(ms: number, locale: string, opts: Intl.DateTimeFormatOptions, timeZone?: string): string {
  const o: Intl.DateTimeFormatOptions = { ...opts };
  if (timeZone !== undefined) o.timeZone = timeZone;
  try {
    // plain spaces: newer ICU puts a narrow no-break space before "AM", which old editors garble
    return new Intl.DateTimeFormat(locale, o).format(new Date(ms)).replace(/[\u00A0\u202F]/g, ' ');
  } catch {
    return new Date(ms).toISOString();
  }
}

export function formatDay(ms: number, locale: string, timeZone?: string): string {
  return fmt(ms, locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }, timeZone);
}

export function formatTime(ms: number, locale: string, timeZone?: string): string {
  return fmt(ms, locale, { hour: 'numeric', minute: '2-digit' }, timeZone);
}

/**
 * The transcript: header, then one block per line: "[10:02 AM] Maria Lopez: text", continuation
 * lines of a multi-line message indented under it; the day is written before the first line and
 * again whenever it changes. Windows line ends, so any text editor shows it right.
 */
export function transcriptText(lines: readonly TranscriptLine[], o: TranscriptOptions): string {
  const out: string[] = [...o.header, ''];
  let day = '';
  for (const l of lines) {
    const d = formatDay(l.ts, o.locale, o.timeZone);
    if (d !== day) {
      if (day !== '') out.push('');
      out.push(`— ${d} —`);
      day = d;
    }
    const time = `[${formatTime(l.ts, o.locale, o.timeZone)}]`;
    const note = l.note ? ` (${l.note})` : '';
    const head = l.who === null ? `${time} ` : `${time} ${isolate(l.who)}: `;
    const lines = l.text.replace(/\r\n?/g, '\n').split('\n');
    // each line of a message is its own paragraph for the reader's editor: each one isolated
    const body = l.who === null ? lines : lines.map(isolate);
    // continuation lines line up under the text: the invisible isolates take no room
    const width = head.replace(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '').length;
    const indent = ' '.repeat(Math.min(width, 32));
    out.push(`${head}${body[0] ?? ''}${body.length === 1 ? note : ''}`);
    body.slice(1).forEach((b, i) => {
      out.push(`${indent}${b}${i === body.length - 2 ? note : ''}`);
    });
  }
  if (o.footer && o.footer.length > 0) out.push('', ...o.footer);
  return out.join(EOL) + EOL;
}

/** "chat-transcript-2026-06-01-1005.txt", from the local date and time. */
export function transcriptFileName(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `chat-transcript-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.txt`;
}

/**
 * Starts a download of `text` as a UTF-8 file (with a byte order mark, so that older editors on
 * shared computers show accented letters right). The temporary link lives in `parent` (the widget's
 * own shadow root, not the host page).
 */
export function downloadText(text: string, fileName: string, parent: ParentNode & Node): void {
  const doc = parent.ownerDocument ?? document;
  const blob = new Blob(['\uFEFF', text], { type: 'text/plain;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = el('a', { attrs: { href: url, download: fileName, rel: 'noopener' } }, doc);
  a.hidden = true;
  parent.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
