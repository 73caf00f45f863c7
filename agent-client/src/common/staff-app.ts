/**
 * The part the agent console and the supervisor dashboard share: sign-in (POST /api/login, or an
 * existing session found with GET /api/me), the staff WebSocket, the status bar (connection state
 * and who is signed in), sign-out, and server notices.
 *
 * The page provides the elements (console/index.html, dashboard/index.html); this code only fills
 * them, with textContent.
 */
import { fetchMe, login, loginErrorMessage, logout, type StaffUser } from './api';
import { byId, el, sameOriginSocketUrl, setBusy, setParts, setText } from './dom';
import { signedInText, statusView, type ShownState } from './status';
import { CLIENT_VERSION } from './version';
import { Connection, type ConnectionState } from '../net/connection';
import type { HelloReply, ServerNotice } from '../proto/schema.gen';
import { everySecond } from './clock';

export interface StaffAppOptions {
  /** "console" or "dashboard": names the client in hello. */
  app: string;
  /** A new staff connection was made (after sign-in), before it starts: attach event listeners. */
  onConnection?: (conn: Connection) => void;
  /** After every hello reply (every connect and reconnect). */
  onConnected?: (hello: HelloReply) => void;
  /** When the login form replaces the app. */
  onSignedOut?: () => void;
}

const MAX_NOTICES = 20;

export function startStaffApp(opts: StaffAppOptions): void {
  const ui = {
    status: byId('connection-status', HTMLElement),
    signedInAs: byId('signed-in-as', HTMLElement),
    signOut: byId('sign-out', HTMLButtonElement),
    reconnect: byId('reconnect', HTMLButtonElement),
    loading: byId('loading', HTMLElement),
    loginView: byId('login-view', HTMLElement),
    loginForm: byId('login-form', HTMLFormElement),
    username: byId('login-username', HTMLInputElement),
    password: byId('login-password', HTMLInputElement),
    loginError: byId('login-error', HTMLElement),
    loginMessage: byId('login-message', HTMLElement),
    submit: byId('login-submit', HTMLButtonElement),
    appView: byId('app-view', HTMLElement),
    connectionMessage: byId('connection-message', HTMLElement),
    title: byId('page-title', HTMLElement),
    notices: byId('notices', HTMLUListElement),
    noticesEmpty: byId('notices-empty', HTMLElement),
  };

  // The status line is built once; later only its text changes, so that the live region announces
  // state changes and not the countdown ticking inside it (that part is hidden from screen readers).
  const statusMain = el('span');
  const statusCount = el('span', { attrs: { 'aria-hidden': 'true' } });
  const statusTail = el('span');
  const statusText = el('span', { id: 'connection-status-text', className: 'connection-text' });
  statusText.append(statusMain, statusCount, statusTail);
  const dot = el('span', { className: 'connection-dot', attrs: { 'aria-hidden': 'true' } });
  ui.status.replaceChildren(dot, statusText);

  let conn: Connection | null = null;
  let stopTicker: (() => void) | null = null;
  let shown: ShownState = { status: 'signed-out' };
  let busy = false;
  let checkingSession = false;

  function renderStatus(): void {
    const v = statusView(shown, Date.now());
    ui.status.dataset.state = v.tone;
    const [main, count, tail] = [
      v.parts[0],
      v.parts.find((p) => p.visualOnly),
      v.parts.slice(1).find((p) => !p.visualOnly),
    ];
    setText(statusMain, main?.text ?? '');
    setText(statusCount, count?.text ?? '');
    setText(statusTail, tail?.text ?? '');
  }

  function showStatus(s: ShownState): void {
    shown = s;
    renderStatus();
    if (s.status === 'reconnecting') stopTicker ??= everySecond(renderStatus);
    else {
      stopTicker?.();
      stopTicker = null;
    }
  }

  function showSignedIn(name: string, role: string): void {
    setParts(ui.signedInAs, signedInText(name, role));
    ui.signedInAs.hidden = false;
    ui.signOut.hidden = false;
  }

  function setConnectionMessage(text: string): void {
    setText(ui.connectionMessage, text);
    ui.connectionMessage.hidden = text === '';
  }

  function showLogin(message: string): void {
    conn?.close();
    conn = null;
    showStatus({ status: 'signed-out' });
    ui.loading.hidden = true;
    ui.appView.hidden = true;
    ui.signedInAs.hidden = true;
    ui.signOut.hidden = true;
    ui.signOut.disabled = false;
    ui.reconnect.hidden = true;
    setConnectionMessage('');
    ui.loginView.hidden = false;
    setText(ui.loginMessage, message);
    ui.loginMessage.hidden = message === '';
    showLoginError('');
    ui.password.value = '';
    opts.onSignedOut?.();
    ui.username.focus();
  }

  function showLoginError(message: string, invalid: HTMLInputElement[] = []): void {
    setText(ui.loginError, message);
    for (const input of [ui.username, ui.password]) {
      if (invalid.includes(input)) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  function onState(s: ConnectionState): void {
    showStatus(s);
    ui.reconnect.hidden = true;
    switch (s.status) {
      case 'connected':
        setConnectionMessage('');
        showSignedIn(s.hello.display_name || s.hello.user_id, s.hello.role);
        opts.onConnected?.(s.hello);
        break;
      case 'reconnecting':
        ui.reconnect.textContent = 'Reconnect now';
        ui.reconnect.hidden = false;
        if (s.code === 1006) checkSession();
        break;
      case 'closed':
        if (s.reason === 'signed-out') {
          showLogin(
            s.code === 4003
              ? 'Your session was ended. Please sign in again.'
              : 'Your session has expired. Please sign in again.',
          );
        } else if (s.reason === 'replaced') {
          setConnectionMessage(
            'Switchboard was opened in another tab or window, so this one was disconnected. Select Reconnect to use it here.',
          );
          ui.reconnect.textContent = 'Reconnect';
          ui.reconnect.hidden = false;
        } else if (s.reason === 'error') {
          setConnectionMessage(`${s.message}. Select Reconnect to try again.`);
          ui.reconnect.textContent = 'Reconnect';
          ui.reconnect.hidden = false;
        }
        break;
      default:
        break;
    }
  }

  /** A socket that fails before opening may mean the session cookie is gone (upgrade refused). */
  function checkSession(): void {
    if (checkingSession) return;
    checkingSession = true;
    fetchMe()
      .then((me) => {
        if (me === null && conn) showLogin('Your session has expired. Please sign in again.');
      })
      .catch(() => {
        // offline or server down: keep reconnecting
      })
      .finally(() => {
        checkingSession = false;
      });
  }

  function addNotice(n: ServerNotice): void {
    const li = el('li', { className: `notice notice-${n.level}` });
    const time = el('time', { text: new Date().toLocaleTimeString() });
    time.dateTime = new Date().toISOString();
    const level = el('strong', { text: n.level === 'warning' ? 'Warning: ' : 'Information: ' });
    li.append(time, ' ', level, el('span', { text: n.message }));
    ui.notices.prepend(li);
    while (ui.notices.children.length > MAX_NOTICES) ui.notices.lastElementChild?.remove();
    ui.noticesEmpty.hidden = true;
  }

  function enterApp(user: StaffUser, focusMain: boolean): void {
    ui.loading.hidden = true;
    ui.loginView.hidden = true;
    ui.appView.hidden = false;
    showSignedIn(user.displayName, user.role);
    conn?.close();
    const c = new Connection({
      url: sameOriginSocketUrl('/ws/staff'),
      client: `${opts.app}/${CLIENT_VERSION}`,
    });
    conn = c;
    c.onState(onState);
    c.on('server.notice', addNotice);
    c.onProblem((e) => {
      console.warn('switchboard: protocol problem', e);
    });
    opts.onConnection?.(c);
    c.start();
    if (focusMain) ui.title.focus();
  }

  ui.loginForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (busy) return;
    busy = true;
    setBusy(ui.submit, true, 'Signing in…');
    showLoginError('');
    void login(ui.username.value, ui.password.value)
      .then((outcome) => {
        if (outcome.ok) {
          ui.password.value = '';
          enterApp(outcome.user, true);
          return;
        }
        const e = outcome.error;
        const invalid =
          e.kind === 'missing'
            ? [e.field === 'username' ? ui.username : ui.password]
            : e.kind === 'bad-credentials'
              ? [ui.username, ui.password]
              : [];
        showLoginError(loginErrorMessage(e), invalid);
        if (e.kind === 'missing') (e.field === 'username' ? ui.username : ui.password).focus();
        else if (e.kind === 'bad-credentials') ui.password.select();
      })
      .finally(() => {
        busy = false;
        setBusy(ui.submit, false, 'Sign in');
      });
  });

  ui.signOut.addEventListener('click', () => {
    ui.signOut.disabled = true;
    conn?.close();
    conn = null;
    void logout().then(() => {
      showLogin('You have signed out.');
    });
  });

  ui.reconnect.addEventListener('click', () => {
    if (!conn) return;
    if (conn.state.status === 'reconnecting') conn.reconnectNow();
    else conn.start();
  });

  window.addEventListener('online', () => conn?.reconnectNow());

  fetchMe()
    .then((me) => {
      if (me) enterApp(me, false);
      else showLogin('');
    })
    .catch(() => {
      showLogin('Cannot reach the server. Check your connection and try again.');
    });
}
