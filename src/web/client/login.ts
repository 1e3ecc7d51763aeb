// The sign-in form: an account's user name and password, or an API key. The credential is checked
// before the dashboard starts (who it is, for the role, and that it may read sessions).
import { Api, ApiError, basicAuthorization, problemText } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import type { Me } from './types.ts';

/** Checks a credential: who it is (for the role) and that it may read sessions. */
export async function verify(authorization: string): Promise<{ api: Api; me: Me }> {
  const api = new Api({ authorization });
  const [me] = await Promise.all([api.get<Me>('/dashboard/me'), api.get('/v1/sessions?limit=1')]);
  return { api, me };
}

export function showLogin(root: HTMLElement, onSignedIn: (authorization: string, me: Me) => void, message?: string): void {
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
      onSignedIn(authorization, me);
    } catch (problem) {
      submit.disabled = false;
      submit.textContent = 'Sign in';
      error.textContent =
        problem instanceof ApiError && problem.status === 401
          ? key
            ? 'That API key is not valid for reading.'
            : 'Wrong user name or password.'
          : `Could not sign in: ${problemText(problem)}`;
      password.select();
    }
  });
  replaceChildren(root, h('main', { class: 'login' }, form));
  username.focus();
}
