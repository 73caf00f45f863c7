/**
 * Words for a chat action the server refused (ending, verifying, transferring, blocking), shared by
 * the chat desk and its dialogs: what was attempted, then why in terms the agent can act on.
 */
import type { RequestError } from '../net/connection';

/** Words for a refused chat action. */
export function actionFailure(what: string, err: RequestError): string {
  switch (err.code) {
    case 'NOT_CONNECTED':
    case 'DISCONNECTED':
      return `${what}: not connected. Try again once the console has reconnected.`;
    case 'TIMEOUT':
      return `${what}: the server did not answer. Try again.`;
    case 'NOT_FOUND':
    case 'CONFLICT':
      return `${what}: this chat is no longer open for that (${err.message}).`;
    case 'FORBIDDEN':
      return `${what}: not allowed (${err.message}).`;
    case 'RATE_LIMITED':
      return `${what}: too many requests. Wait a moment and try again.`;
    default:
      return err.retryable
        ? `${what}: the server is busy. Try again in a moment.`
        : `${what}: ${err.message}.`;
  }
}
