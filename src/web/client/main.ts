// The dashboard's entry point: sign in (or take the credential this tab kept), then start the
// dashboard; sign out or a refused credential comes back to the sign-in form.
import { ApiError, problemText } from './api.ts';
import { storeAuthorization, storedAuthorization } from './credential-store.ts';
import { h, replaceChildren } from './dom.ts';
import { startFrame } from './frame.ts';
import { showLogin, verify } from './login.ts';
import type { Me } from './types.ts';

const root = document.getElementById('app')!;
let stopFrame: (() => void) | undefined;

function signIn(message?: string) {
  stopFrame?.();
  stopFrame = undefined;
  showLogin(root, start, message);
}

function start(authorization: string, me: Me) {
  storeAuthorization(authorization);
  stopFrame?.();
  stopFrame = startFrame(root, {
    authorization,
    me,
    onExpired: () => {
      storeAuthorization(undefined);
      signIn('Your credentials are no longer accepted. Sign in again.');
    },
    onSignOut: () => {
      stopFrame = undefined;
      storeAuthorization(undefined);
      history.replaceState(null, '', location.pathname);
      signIn();
    },
  });
}

async function boot() {
  const authorization = storedAuthorization();
  if (!authorization) return signIn();
  replaceChildren(root, h('p', { class: 'boot muted' }, 'Signing in…'));
  try {
    const { me } = await verify(authorization);
    start(authorization, me);
  } catch (problem) {
    if (problem instanceof ApiError && problem.status === 401) {
      storeAuthorization(undefined);
      signIn('Your credentials are no longer accepted. Sign in again.');
    } else signIn(`Could not reach rollcall: ${problemText(problem)}`);
  }
}

void boot();
