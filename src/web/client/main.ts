// The dashboard's entry point: sign-in, the page frame (navigation, stream status, sign-out) and a
// hash router over the pages. The credential lives in memory and in sessionStorage (this tab only,
// gone when it closes), never in localStorage or a cookie.
import { Api, ApiError, basicAuthorization } from './api.ts';
import { h, replaceChildren, setText } from './dom.ts';
import { ago } from './format.ts';
import { ChangeHub, StatsStore } from './live.ts';
import type { StreamStatus } from './sse.ts';
import type { Me } from './types.ts';
import { offlineView } from './views/offline-view.ts';
import { sessionView } from './views/session-view.ts';
import { sessionsView } from './views/sessions-view.ts';
import { userView } from './views/user-view.ts';
import type { Context, View } from './views/view.ts';

const STORAGE_KEY = 'rollcall.dashboard.authorization';
const root = document.getElementById('app')!;

function storedAuthorization(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

function storeAuthorization(value: string | undefined) {
  try {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the credential lives in memory only, and a reload asks again.
  }
}

/** Checks a credential: who it is (for the role) and that it may read sessions. */
async function verify(authorization: string): Promise<{ api: Api; me: Me }> {
  const api = new Api({ authorization });
  const [me] = await Promise.all([api.get<Me>('/dashboard/me'), api.get('/v1/sessions?limit=1')]);
  return { api, me };
}

// ---- sign-in ------------------------------------------------------------------------------------

function showLogin(message?: string) {
  document.title = 'Sign in · rollcall';
  const username = h('input', {
    id: 'login-user',
    name: 'username',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password' });
  const apiKey = h('input', { id: 'login-key', name: 'apiKey', type: 'password', autocomplete: 'off', spellcheck: 'false' });
  const error = h('p', { class: 'error', id: 'login-error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login-card', 'aria-labelledby': 'login-title', novalidate: true },
    h('h1', { id: 'login-title' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'rollcall'),
    h('p', { class: 'muted' }, 'Sign in with an admin or reader account to watch who is online.'),
    h('div', { class: 'field' }, h('label', { for: 'login-user' }, 'User name'), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
    h(
      'details',
      {},
      h('summary', {}, 'Use an API key instead'),
      h('div', { class: 'field' }, h('label', { for: 'login-key' }, 'API key'), apiKey),
    ),
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = apiKey.value.trim();
    if (!key && (!username.value || !password.value)) {
      error.textContent = 'Enter a user name and a password.';
      (username.value ? password : username).focus();
      return;
    }
    const authorization = key ? `Bearer ${key}` : basicAuthorization(username.value, password.value);
    submit.disabled = true;
    error.textContent = '';
    submit.textContent = 'Signing in…';
    try {
      const { me } = await verify(authorization);
      storeAuthorization(authorization);
      startApp(authorization, me);
    } catch (problem) {
      submit.disabled = false;
      submit.textContent = 'Sign in';
      error.textContent =
        problem instanceof ApiError && problem.status === 401
          ? key
            ? 'That API key is not valid for reading.'
            : 'Wrong user name or password.'
          : `Could not sign in: ${problem instanceof Error ? problem.message : String(problem)}`;
      password.select();
    }
  });
  replaceChildren(root, h('main', { class: 'login' }, form));
  username.focus();
}

// ---- the signed-in frame ------------------------------------------------------------------------

let signOut: (() => void) | undefined;

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
};

function startApp(authorization: string, me: Me) {
  signOut?.();
  let stopped = false;
  const expired = () => {
    if (stopped) return;
    stop();
    storeAuthorization(undefined);
    showLogin('Your credentials are no longer accepted. Sign in again.');
  };
  const api = new Api({ authorization, onUnauthorized: expired });
  const hub = new ChangeHub(api, expired);
  const stats = new StatsStore(api, hub);
  const context: Context = { api, me, hub, stats };

  const status = h('span', { class: 'stream-status', role: 'status', 'data-status': 'connecting' }, STATUS_TEXT.connecting);
  const offStatus = hub.onStatus((value, detail) => {
    status.dataset.status = value;
    status.textContent = STATUS_TEXT[value];
    status.title = detail ?? '';
  });
  const logout = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  const navLinks = {
    sessions: h('a', { href: '#/sessions' }, 'Live sessions'),
    offline: h('a', { href: '#/offline' }, 'Offline users'),
  };
  const main = h('main', { id: 'main', tabindex: -1 });
  replaceChildren(
    root,
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h('p', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'rollcall'),
      h('nav', { 'aria-label': 'Pages' }, navLinks.sessions, navLinks.offline),
      h('div', { class: 'who' }, status, h('span', { class: 'account' }, `${me.username} · ${me.role}`), logout),
    ),
    main,
  );
  // The skip link targets #main, which the router would read as a route: handle it here.
  root.querySelector('a.skip')!.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });

  let view: View | undefined;
  let firstRoute = true;
  function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    const [path = '', query = ''] = hash.split('?', 2);
    const params = new URLSearchParams(query);
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          return p;
        }
      });
    view?.destroy();
    view = undefined;
    if (parts.length === 0 || (parts[0] === 'sessions' && parts.length === 1)) view = sessionsView(context, params);
    else if (parts[0] === 'sessions' && parts.length === 2 && /^\d{1,10}$/.test(parts[1]!)) view = sessionView(context, Number(parts[1]));
    else if (parts[0] === 'users' && parts.length === 2) view = userView(context, parts[1]!);
    else if (parts[0] === 'offline' && parts.length === 1) view = offlineView(context);
    const current = view;
    for (const [name, link] of Object.entries(navLinks)) {
      const active = (name === 'sessions' && (parts.length === 0 || parts[0] === 'sessions')) || parts[0] === name;
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (!current) {
      const heading = h('h2', { tabindex: -1 }, 'Not found');
      replaceChildren(
        main,
        h(
          'div',
          { class: 'page' },
          heading,
          h('p', {}, 'There is no such page. ', h('a', { href: '#/sessions' }, 'Go to the live sessions.')),
        ),
      );
      document.title = 'Not found · rollcall';
      return;
    }
    replaceChildren(main, current.element);
    document.title = `${current.title} · rollcall`;
    // After a navigation, focus goes to the new page's heading so a screen reader announces it.
    if (!firstRoute) current.heading.focus({ preventScroll: false });
    firstRoute = false;
  }
  window.addEventListener('hashchange', route);
  // "5 s ago" in the detail pages moves on by itself (the tables refresh their own).
  const clock = setInterval(() => {
    main.querySelectorAll<HTMLTimeElement>('time[datetime]').forEach((time) => {
      const at = Date.parse(time.dateTime);
      if (!Number.isNaN(at)) setText(time, ago(at / 1000));
    });
  }, 10_000);

  function stop() {
    stopped = true;
    clearInterval(clock);
    window.removeEventListener('hashchange', route);
    view?.destroy();
    view = undefined;
    offStatus();
    hub.stop();
    stats.stop();
    signOut = undefined;
  }
  signOut = stop;
  logout.addEventListener('click', () => {
    stop();
    storeAuthorization(undefined);
    history.replaceState(null, '', location.pathname);
    showLogin();
  });

  hub.start();
  stats.start();
  route();
}

// ---- start --------------------------------------------------------------------------------------

async function boot() {
  const authorization = storedAuthorization();
  if (!authorization) return showLogin();
  replaceChildren(root, h('p', { class: 'boot muted' }, 'Signing in…'));
  try {
    const { me } = await verify(authorization);
    startApp(authorization, me);
  } catch (problem) {
    if (problem instanceof ApiError && problem.status === 401) {
      storeAuthorization(undefined);
      showLogin('Your credentials are no longer accepted. Sign in again.');
    } else showLogin(`Could not reach rollcall: ${problem instanceof Error ? problem.message : String(problem)}`);
  }
}

void boot();
