// Pieces the pages share: a session's state badge, facts, connections and event log.
import { definitionList, h } from '../dom.ts';
import { absolute, ago, clientTypeLabel, stateLabel, utcOffset, viewText } from '../format.ts';
import { userHref } from '../links.ts';
import { DataTable } from '../data-table.ts';
import type { NodeDirectory } from '../nodes.ts';
import type { SessionJson } from '../types.ts';

export function stateBadge(session: SessionJson): HTMLSpanElement {
  const label = stateLabel(session);
  return h('span', { class: `badge ${label === 'Reconnecting' ? 'detached' : label.toLowerCase()}` }, label);
}

const EVENT_LABELS: Record<string, string> = {
  connected: 'Connected',
  connect_failed: 'Failed to connect',
  disconnected: 'Disconnected',
  resumed: 'Resumed',
  ended: 'Ended',
};

/** "5 min ago", which the page's clock moves on (main.ts looks for `data-relative`). */
export const time = (unixSeconds: number) =>
  h(
    'time',
    { datetime: new Date(unixSeconds * 1000).toISOString(), title: absolute(unixSeconds), 'data-relative': true },
    ago(unixSeconds),
  );

const yesNo = (value: boolean | undefined) => (value === undefined ? undefined : value ? 'yes' : 'no');

export function sessionFacts(session: SessionJson, withUser: boolean, nodes: NodeDirectory): HTMLDListElement {
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
    ['Node', nodeName(session.nodeId, nodes)],
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

/** A node's host name and role, with its id beneath (ids are what logs and the API show). */
export function nodeName(nodeId: string, nodes: NodeDirectory): HTMLSpanElement {
  const node = nodes.get(nodeId);
  return h(
    'span',
    { class: 'node-name' },
    node ? `${node.hostname} · ${node.role}` : nodes.label(nodeId),
    node ? h('span', { class: 'node-id' }, nodeId) : null,
  );
}

type Connection = SessionJson['connections'][number];

/** The nodes a session is attached to; on a narrow screen each becomes a card (data-table.ts). */
export function connectionsTable(session: SessionJson, nodes: NodeDirectory): HTMLElement {
  const table = new DataTable<Connection>({
    caption: 'The nodes this session is attached to',
    key: (c) => c.nodeId,
    emptyText: 'Not attached to any node.',
    className: 'compact connections',
    columns: [
      {
        header: 'Node',
        cell: (c) => h('span', { title: nodes.describe(c.nodeId) }, nodes.label(c.nodeId)),
        sort: (c) => nodes.label(c.nodeId),
      },
      { header: 'Purpose', cell: (c) => c.purpose, sort: (c) => c.purpose },
      { header: 'Receives traffic', cell: (c) => (c.receiveTrafficNode ? 'yes' : 'no') },
      { header: 'Connected since', cell: (c) => time(c.connectedSince), sort: (c) => c.connectedSince, descendingFirst: true },
      { header: 'Private IP', cell: (c) => c.privateIp ?? '' },
    ],
  });
  table.setRows(session.connections);
  return table.element;
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
