/** Words for the agent console (English): channels, work states, languages, queue counts. */
import type { WorkItem } from '../proto/schema.gen';

export type Channel = WorkItem['channel'];
export type WorkState = WorkItem['state'];

const CHANNEL: Readonly<Record<Channel, string>> = {
  chat: 'Chat',
  voice: 'Voice call',
  video: 'Video call',
  task: 'Task',
};

export function channelLabel(c: Channel): string {
  return CHANNEL[c];
}

const WORK_STATE: Readonly<Record<WorkState, string>> = {
  offered: 'Offered',
  assigned: 'In progress',
  wrapping: 'Wrap-up',
};

export function workStateLabel(s: WorkState): string {
  return WORK_STATE[s];
}

let names: Intl.DisplayNames | null | undefined;

/** "Spanish (es)"-style language name in English; the code itself when Intl cannot name it. */
export function languageName(code: string): string {
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
    } catch {
      names = null;
    }
  }
  let name: string | undefined;
  try {
    name = names?.of(code);
  } catch {
    name = undefined; // not a well-formed tag
  }
  return name && name !== code ? name : code;
}

/** "3 waiting in your queues". */
export function waitingText(n: number): string {
  if (n === 0) return 'No one waiting in your queues';
  return `${n} waiting in your queues`;
}

/** The heading of one work item: "Chat · Unemployment insurance claims". */
export function workTitle(item: Pick<WorkItem, 'channel' | 'queue_name' | 'queue'>): string {
  return `${channelLabel(item.channel)} · ${item.queue_name || item.queue}`;
}
