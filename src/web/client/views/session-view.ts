// One session: its facts, connections and event log, kept current by the stream. Admins may end it.
import { ApiError } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { clientTypeLabel, endReasonText } from '../format.ts';
import { sessionsHref, userHref } from '../links.ts';
import type { SessionJson } from '../types.ts';
import { connectionsTable, eventLogTable, notice, sessionFacts } from './parts.ts';
import type { Context, View } from './view.ts';

export function sessionView(context: Context, id: number): View {
  const { api, hub, me, nodes } = context;
  const heading = h('h2', { tabindex: -1 }, `Session ${id}`);
  const subtitle = h('p', { class: 'subtitle' });
  const banner = h('p', { class: 'banner', role: 'status', hidden: true });
  const body = h('div', { class: 'stack' }, notice('Loading…'));
  const actions = h('div', { class: 'actions' });
  const element = h(
    'div',
    { class: 'page detail-page' },
    h('p', { class: 'crumbs' }, h('a', { href: sessionsHref() }, '← Live sessions')),
    h('div', { class: 'page-head' }, h('div', {}, heading, subtitle), actions),
    banner,
    body,
  );
  let session: SessionJson | undefined;
  let ended = false;

  const endButton = h('button', { type: 'button', class: 'danger' }, 'End session');
  endButton.addEventListener('click', async () => {
    if (!session || ended) return;
    if (!confirm(`End session ${id} of ${session.user.name}? The client is told an administrator ended it.`)) return;
    endButton.disabled = true;
    try {
      await api.delete(`/v1/sessions/${id}`);
      showEnded('ended_by_admin');
    } catch (error) {
      endButton.disabled = false;
      showBanner(`Could not end the session: ${error instanceof Error ? error.message : String(error)}`, true);
    }
  });

  function showBanner(text: string, isError = false) {
    banner.hidden = false;
    banner.textContent = text;
    banner.classList.toggle('error', isError);
  }

  function showEnded(reason: string | undefined, endedBy?: string) {
    ended = true;
    endButton.disabled = true;
    endButton.hidden = true;
    const why = reason ? `: ${endReasonText(reason)}${endedBy ? ` (${endedBy})` : ''}` : '';
    showBanner(`This session has ended${why}.`);
  }

  function render() {
    if (!session) return;
    replaceChildren(subtitle, h('a', { href: userHref(session.user.id) }, session.user.name), ` · ${clientTypeLabel(session.clientType)}`);
    replaceChildren(actions, me.role === 'admin' && !ended ? endButton : null);
    replaceChildren(
      body,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'facts-heading' },
        h('h3', { id: 'facts-heading' }, 'Details'),
        sessionFacts(session, true, nodes),
      ),
      h(
        'section',
        { class: 'panel table-panel', 'aria-labelledby': 'connections-heading' },
        h('h3', { id: 'connections-heading' }, 'Connections'),
        connectionsTable(session, nodes),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'events-heading' },
        h('h3', { id: 'events-heading' }, 'Event log'),
        eventLogTable(session, 'events-heading'),
      ),
    );
  }

  const offChanges = hub.subscribe((batch) => {
    let changed = false;
    for (const event of batch) {
      if (event.session?.id !== id) continue;
      session = event.session;
      changed = true;
      if (event.type === 'session.ended') showEnded(event.reason, event.endedBy);
    }
    if (changed) render();
  });

  async function load() {
    try {
      session = await api.get<SessionJson>(`/v1/sessions/${id}`);
      render();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        ended = true;
        replaceChildren(body, notice(`Session ${id} is not live: it has ended, or never existed.`));
      } else
        replaceChildren(body, notice(`Could not load the session: ${error instanceof Error ? error.message : String(error)}`, 'error'));
    }
  }
  const offResync = hub.onResync(() => void load());
  void load();

  return {
    element,
    title: `Session ${id}`,
    heading,
    destroy() {
      offChanges();
      offResync();
    },
  };
}
