// Pieces the detail pages share: a session's facts, its connections and its event log.
import { definitionList, h } from '../dom.ts';
import { absolute, ago, clientTypeLabel, shortNode, utcOffset, viewText } from '../format.ts';
import type { SessionJson } from '../types.ts';
import { stateBadge, userHref } from './sessions-view.ts';

const EVENT_LABELS: Record<string, string> = {
  connected: 'Connected',
  connect_failed: 'Failed to connect',
  disconnected: 'Disconnected',
  resumed: 'Resumed',
  ended: 'Ended',
};

export const time = (unixSeconds: number) =>
  h('time', { datetime: new Date(unixSeconds * 1000).toISOString(), title: absolute(unixSeconds) }, ago(unixSeconds));

const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'yes' : 'no');

export function sessionFacts(session: SessionJson, withUser: boolean): HTMLDListElement {
  const rep = session.representative;
  const customer = session.customer;
  return definitionList([
    ...(withUser
      ? ([
          ['User', h('a', { href: userHref(session.user.id) }, session.user.name)],
          ['User id', session.user.id],
          ['User type', session.user.type],
          ['Email', session.user.email],
        ] as Array<[string, string | Node | undefined]>)
      : []),
    ['Client type', clientTypeLabel(session.clientType)],
    ['State', stateBadge(session)],
    ['Transport', session.transport === 'websocket' ? 'WebSocket' : 'HTTP'],
    ['Host', session.hostname],
    ['Platform', session.platform ? `${session.platform.name} (${session.platform.id})` : undefined],
    [
      'Browser',
      session.agent && session.agent.browser !== 'Unknown'
        ? `${session.agent.browser} ${session.agent.version} on ${session.agent.os}`.trim()
        : undefined,
    ],
    ['User agent', session.userAgent],
    ['Time zone', session.timezoneOffset === undefined ? undefined : utcOffset(session.timezoneOffset)],
    ['Private IP', session.privateIp],
    ['Remote address', session.remoteAddress],
    ['Viewing', viewText(session.view)],
    ['Started', h('span', {}, time(session.startedAt), ` · ${absolute(session.startedAt)}`)],
    ['Last activity', time(session.lastActivityAt)],
    ['Node', h('span', { title: session.nodeId }, session.nodeId)],
    ...(rep
      ? ([
          ['Representative type', rep.type],
          ['Support sessions', String(rep.supportSessionCount)],
          ['Presentations', String(rep.presentationCount)],
          [
            'Routing',
            [rep.routingEnabled && 'enabled', rep.routingAvailable && 'available', rep.routingBusy && 'busy', rep.routingIdle && 'idle']
              .filter(Boolean)
              .join(', ') || 'off',
          ],
          ['On the rep list', yesNo(rep.showingOnRepList)],
          ['Session lsids', rep.supportSessionLsids.join(', ')],
        ] as Array<[string, string | undefined]>)
      : []),
    ...(customer
      ? ([
          ['Session lsid', customer.lsid],
          ['Non-interactive', customer.nonInteractive],
        ] as Array<[string, string | undefined]>)
      : []),
  ]);
}

export function connectionsTable(session: SessionJson, headingId: string): HTMLTableElement {
  return h(
    'table',
    { class: 'data compact', 'aria-labelledby': headingId },
    h(
      'thead',
      {},
      h('tr', {}, ...['Node', 'Purpose', 'Receives traffic', 'Connected since', 'Private IP'].map((t) => h('th', { scope: 'col' }, t))),
    ),
    h(
      'tbody',
      {},
      ...session.connections.map((c) =>
        h(
          'tr',
          {},
          h('td', { title: c.nodeId }, shortNode(c.nodeId)),
          h('td', {}, c.purpose),
          h('td', {}, c.receiveTrafficNode ? 'yes' : 'no'),
          h('td', {}, time(c.connectedSince)),
          h('td', {}, c.privateIp ?? ''),
        ),
      ),
    ),
  );
}

/** The session's last 20 connection events, oldest first. */
export function eventLogTable(session: SessionJson, headingId: string): HTMLTableElement {
  const rows = session.events.length
    ? session.events.map((e) =>
        h(
          'tr',
          { class: `event ${e.kind}` },
          h('td', { class: 'col-time' }, time(e.at)),
          h('td', {}, EVENT_LABELS[e.kind] ?? e.kind),
          h('td', {}, e.text),
        ),
      )
    : [h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'No events recorded.'))];
  return h(
    'table',
    { class: 'data compact event-log', 'aria-labelledby': headingId },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col', class: 'col-time' }, 'When'),
        h('th', { scope: 'col' }, 'Event'),
        h('th', { scope: 'col' }, 'Details'),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

/** "Loading…", an error, or "not found" in a page's body. */
export const notice = (text: string, kind: 'muted' | 'error' = 'muted') =>
  h('p', { class: kind, ...(kind === 'error' && { role: 'alert' }) }, text);
