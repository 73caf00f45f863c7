/**
 * The widget's connection line as plain data (no DOM): what the status says for a connection
 * state, its tone (the dot's colour), and the button offered when the connection is gone for good.
 */
import type { WidgetStrings } from './strings';
import type { ConnectionState } from '../net/connection';

export type Tone = 'connecting' | 'connected' | 'reconnecting' | 'ended';

/** What the panel says for a connection state: status text, its tone, and the action offered. */
export function widgetStatus(
  s: ConnectionState,
  t: WidgetStrings,
): { text: string; tone: Tone; action: string | null } {
  switch (s.status) {
    case 'idle':
    case 'connecting':
      return { text: t.connecting, tone: 'connecting', action: null };
    case 'connected':
      return { text: t.connected, tone: 'connected', action: null };
    case 'reconnecting':
      return { text: t.reconnecting, tone: 'reconnecting', action: null };
    case 'closed':
      switch (s.reason) {
        case 'signed-out':
          return { text: t.ended, tone: 'ended', action: t.startNew };
        case 'replaced':
          return { text: t.replaced, tone: 'ended', action: t.continueHere };
        case 'error':
        case 'client':
          return { text: t.unavailable, tone: 'ended', action: t.tryAgain };
      }
  }
}
