// One user: who they are, whether they are online or when they were last seen, each live session with
// its event log, and their session history. Any change to one of their sessions reloads the user and
// the history's newest page (coalesced). Admins may end all of the user's sessions at once.
import { ApiError } from '../api.ts';
import { definitionList, h, replaceChildren } from '../dom.ts';
import { clientTypeLabel, count, viewText } from '../format.ts';
import { offlineHref, sessionHref, sessionsHref } from '../links.ts';
import type { UserJson } from '../types.ts';
import { eventLogTable, notice, sessionFacts, stateBadge, time } from './parts.ts';
import { UserHistory } from './user-history.ts';
import { throttle, type Context, type View } from './view.ts';

export function userView(context: Context, userId: string): View {
  const { api, hub, me, nodes } = context;
  const heading = h('h2', { tabindex: -1 }, `User ${userId}`);
  const subtitle = h('p', { class: 'subtitle' });
  const banner = h('p', { class: 'banner', role: 'status', hidden: true });
  const actions = h('div', { class: 'actions' });
  const body = h('div', { class: 'stack' }, notice('Loading…'));
  const history = new UserHistory(context, userId);
  const element = h(
    'div',
    { class: 'page detail-page' },
    h('p', { class: 'crumbs' }, h('a', { href: sessionsHref() }, '← Live sessions'), ' · ', h('a', { href: offlineHref }, 'Offline users')),
    h('div', { class: 'page-head' }, h('div', {}, heading, subtitle), actions),
    banner,
    body,
    history.element,
  );
  let current: UserJson | undefined;

  const endAll = h('button', { type: 'button', class: 'danger' }, 'End all sessions');
  endAll.addEventListener('click', async () => {
    const live = current?.sessions.length ?? 0;
    if (!current || live === 0) return;
    if (
      !confirm(
        `End all ${live} live ${live === 1 ? 'session' : 'sessions'} of ${current.name}? Each client is told an administrator ended it.`,
      )
    )
      return;
    endAll.disabled = true;
    try {
      const answer = await api.delete<{ ended: number }>(`/v1/users/${encodeURIComponent(userId)}/sessions`);
      showBanner(`Ended ${count(answer?.ended ?? 0)} ${answer?.ended === 1 ? 'session' : 'sessions'}.`);
    } catch (error) {
      showBanner(`Could not end the sessions: ${error instanceof Error ? error.message : String(error)}`, true);
    } finally {
      endAll.disabled = false;
    }
  });

  function showBanner(text: string, isError = false) {
    banner.hidden = false;
    banner.textContent = text;
    banner.classList.toggle('error', isError);
  }

  function render(user: UserJson) {
    current = user;
    replaceChildren(actions, me.role === 'admin' && user.online ? endAll : null);
    heading.textContent = user.name;
    replaceChildren(
      subtitle,
      user.online ? h('span', { class: 'badge active' }, 'Online') : h('span', { class: 'badge offline' }, 'Offline'),
      ' ',
      user.online
        ? h('span', {}, `${user.sessions.length} live ${user.sessions.length === 1 ? 'session' : 'sessions'}`)
        : h('span', {}, 'last seen ', time(user.lastSeenAt)),
    );
    const sessions = [...user.sessions].sort((a, b) => a.id - b.id);
    replaceChildren(
      body,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'user-facts-heading' },
        h('h3', { id: 'user-facts-heading' }, 'Details'),
        definitionList([
          ['User id', user.id],
          ['Type', user.type],
          ['Email', user.email],
          ['User name', user.username],
          ['Public display name', user.publicDisplayName],
          ['Private display name', user.privateDisplayName],
          ['Last seen', user.online ? 'now' : time(user.lastSeenAt)],
          ['Last view', viewText(user.lastView)],
        ]),
      ),
      h(
        'div',
        { class: 'section-head' },
        h('h3', { class: 'section-title', id: 'user-sessions-heading' }, user.online ? 'Live sessions' : 'No live sessions'),
        user.online ? h('a', { href: sessionsHref({ userId: user.id }) }, 'Show them in the sessions table') : null,
      ),
      ...sessions.map((session) => {
        const headingId = `user-session-${session.id}`;
        return h(
          'section',
          { class: 'panel user-session', 'aria-labelledby': headingId, 'data-session-id': session.id },
          h(
            'div',
            { class: 'panel-head' },
            h(
              'h4',
              { id: headingId },
              h('a', { href: sessionHref(session.id) }, `Session ${session.id}`),
              ` · ${clientTypeLabel(session.clientType)} `,
              stateBadge(session),
            ),
          ),
          sessionFacts(session, false, nodes),
          h('h5', { id: `${headingId}-log`, class: 'log-title' }, 'Event log'),
          eventLogTable(session, `${headingId}-log`),
        );
      }),
    );
  }

  async function load() {
    try {
      render(await api.get<UserJson>(`/v1/users/${encodeURIComponent(userId)}`));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) replaceChildren(body, notice(`No user ${userId} is online or remembered.`));
      else replaceChildren(body, notice(`Could not load the user: ${error instanceof Error ? error.message : String(error)}`, 'error'));
    }
  }

  const reload = throttle(() => void load(), 300);
  // The history changes only when a session starts or ends (an update is not in the log).
  const reloadHistory = throttle(() => void history.refresh(), 500);
  const offChanges = hub.subscribe((batch) => {
    const mine = batch.filter((event) => (event.session?.user.id ?? event.user?.id) === userId);
    if (mine.length === 0) return;
    reload();
    if (mine.some((event) => event.type === 'session.started' || event.type === 'session.ended')) reloadHistory();
  });
  const offResync = hub.onResync(() => {
    void load();
    void history.refresh();
  });
  void load();
  void history.refresh();

  return {
    element,
    title: `User ${userId}`,
    heading,
    destroy() {
      reload.cancel();
      reloadHistory.cancel();
      offChanges();
      offResync();
    },
  };
}
