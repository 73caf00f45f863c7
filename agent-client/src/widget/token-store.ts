import type { TokenStore } from '../net/connection';

/** The sessionStorage key of the customer's resume token. */
export const RESUME_KEY = 'switchboard.resume';

/**
 * The resume token in sessionStorage: it survives a reload of the tab, not the tab itself.
 * Storage may be unavailable (blocked, private modes): the widget then works without resuming.
 */
export function sessionTokenStore(storage: () => Storage | null = () => window.sessionStorage): TokenStore {
  const s = (): Storage | null => {
    try {
      return storage();
    } catch {
      return null;
    }
  };
  return {
    get() {
      try {
        return s()?.getItem(RESUME_KEY) ?? null;
      } catch {
        return null;
      }
    },
    set(token) {
      try {
        s()?.setItem(RESUME_KEY, token);
      } catch {
        // quota or blocked: nothing to do
      }
    },
    clear() {
      try {
        s()?.removeItem(RESUME_KEY);
      } catch {
        // blocked: nothing to do
      }
    },
  };
}
