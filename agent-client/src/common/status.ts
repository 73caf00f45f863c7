/** What the staff apps' status bar says for a connection state (pure, so it can be tested). */
import { foreign, type Part } from './dom';
import type { ConnectionState } from '../net/connection';

/** A piece of status text; `visualOnly` pieces are hidden from screen readers (a ticking countdown). */
export interface StatusPart {
  text: string;
  visualOnly?: boolean;
}

/** data-state of the status element: picks the dot's colour (the text always says the same). */
export type StatusTone = 'connecting' | 'connected' | 'reconnecting' | 'signed-out' | 'disconnected';

export interface StatusView {
  tone: StatusTone;
  parts: StatusPart[];
}

export type ShownState = ConnectionState | { status: 'signed-out' };

export function statusView(state: ShownState, now: number): StatusView {
  switch (state.status) {
    case 'idle':
    case 'connecting':
      return { tone: 'connecting', parts: [{ text: 'Connecting…' }] };
    case 'connected':
      return { tone: 'connected', parts: [{ text: 'Connected' }] };
    case 'reconnecting': {
      const s = Math.max(1, Math.ceil((state.retryAt - now) / 1000));
      return {
        tone: 'reconnecting',
        parts: [{ text: 'Reconnecting' }, { text: ` in ${s} s`, visualOnly: true }, { text: '…' }],
      };
    }
    case 'signed-out':
      return { tone: 'signed-out', parts: [{ text: 'Signed out' }] };
    case 'closed':
      switch (state.reason) {
        case 'signed-out':
        case 'client':
          return { tone: 'signed-out', parts: [{ text: 'Signed out' }] };
        case 'replaced':
          return { tone: 'disconnected', parts: [{ text: 'Disconnected: open in another tab or window' }] };
        case 'error':
          return { tone: 'disconnected', parts: [{ text: 'Disconnected: connection error' }] };
      }
  }
}

/** The full text of a view, as a sighted user reads it. */
export function statusText(v: StatusView): string {
  return v.parts.map((p) => p.text).join('');
}

/** "Signed in as Maria Lopez (agent)", the name isolated (a display name may be written right to left). */
export function signedInText(displayName: string, role: string): Part[] {
  return ['Signed in as ', foreign(displayName), ` (${role})`];
}
