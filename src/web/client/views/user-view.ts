// One user: who they are, whether they are online or when they were last seen, and each live session
// with its event log. Any change to one of their sessions reloads the user (coalesced).
import { ApiError } from '../api.ts';
import { definitionList, h, replaceChildren } from '../dom.ts';
import { clientTypeLabel, viewText } from '../format.ts';
import type { UserJson } from '../types.ts';
import { eventLogTable, notice, sessionFacts, time } from './parts.ts';
import { sessionHref, stateBadge } from './sessions-view.ts';
import { throttle, type Context, type View } from './view.ts';

export function userView(context: Context, userId: string): View {
  const { api, hub } = context;
  const heading = h('h2', { tabindex: -1 }, `User ${userId}`);
  const subtitle = h('p', { class: 'subtitle' });
  const body = h('div', { class: 'stack' }, notice('Loading…'));
  const element = h(
    'div',
    { class: 'page detail-page' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/sessions' }, '← Live sessions'), ' · ', h('a', { href: '#/offline' }, 'Offline users')),
    h('div', { class: 'page-head' }, h('div', {}, heading, subtitle)),
    body,
  );

  function render(user: UserJson) {
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
        user.online ? h('a', { href: `#/sessions?userId=${encodeURIComponent(user.id)}` }, 'Show them in the sessions table') : null,
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
          sessionFacts(session, false),
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
  const offChanges = hub.subscribe((batch) => {
    if (batch.some((event) => (event.session?.user.id ?? event.user?.id) === userId)) reload();
  });
  const offResync = hub.onResync(() => void load());
  void load();

  return {
    element,
    title: `User ${userId}`,
    heading,
    destroy() {
      reload.cancel();
      offChanges();
      offResync();
    },
  };
}
