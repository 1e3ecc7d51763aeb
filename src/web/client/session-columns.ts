// The live sessions table's columns: what each shows, what it sorts by, and its class, which places it
// in the style sheet (its width on a wide screen, whether it shows at this width, its line in a card).
// Viewing, what the session is doing, takes the room the others leave. The user type is a filter, and
// in the details and the CSV, but not a column: the room is Viewing's.
import { h, setText } from './dom.ts';
import { ago, absolute, clientTypeLabel, stateLabel, viewText } from './format.ts';
import { sessionHref, userHref } from './links.ts';
import type { NodeDirectory } from './nodes.ts';
import type { SortValue } from './sort.ts';
import type { SessionJson } from './types.ts';
import type { Column } from './virtual-table.ts';
import { stateBadge } from './views/parts.ts';

/** The keys the table sorts by; `id` is the API's own order and the default. */
export const SESSION_SORT_KEYS = ['id', 'user', 'client', 'state', 'host', 'platform', 'view', 'node', 'started', 'lastActive'];

/** Columns whose first press sorts newest first. */
export const DESCENDING_FIRST = new Set(['started', 'lastActive']);

const platformOf = (s: SessionJson): string => s.platform?.name ?? s.agent?.os ?? '';

export function sessionSortValue(session: SessionJson, key: string, nodes: NodeDirectory): SortValue {
  switch (key) {
    case 'user':
      return session.user.name;
    case 'client':
      return clientTypeLabel(session.clientType);
    case 'state':
      return stateLabel(session);
    case 'host':
      return session.hostname;
    case 'platform':
      return platformOf(session);
    case 'view':
      return viewText(session.view);
    case 'node':
      return nodes.label(session.nodeId);
    case 'started':
      return session.startedAt;
    case 'lastActive':
      return session.lastActivityAt;
    default:
      return session.id;
  }
}

function textCell(cell: HTMLTableCellElement, text: string, title = text): void {
  setText(cell, text);
  if (title) cell.title = title;
  else cell.removeAttribute('title');
}

export function sessionColumns(nodes: NodeDirectory): Column<SessionJson>[] {
  return [
    {
      header: 'ID',
      className: 'col-id num',
      sortKey: 'id',
      render: (cell, s) => cell.replaceChildren(h('a', { href: sessionHref(s.id), title: `Session ${s.id}` }, String(s.id))),
    },
    {
      header: 'User',
      className: 'col-user',
      sortKey: 'user',
      render: (cell, s) =>
        cell.replaceChildren(h('a', { href: userHref(s.user.id), title: `${s.user.name} (user ${s.user.id})` }, s.user.name)),
    },
    { header: 'Client', className: 'col-client', sortKey: 'client', render: (cell, s) => textCell(cell, clientTypeLabel(s.clientType)) },
    { header: 'State', className: 'col-state', sortKey: 'state', render: (cell, s) => cell.replaceChildren(stateBadge(s)) },
    { header: 'Host', className: 'col-host', sortKey: 'host', render: (cell, s) => textCell(cell, s.hostname ?? '') },
    {
      header: 'Platform',
      className: 'col-platform',
      sortKey: 'platform',
      render: (cell, s) => textCell(cell, platformOf(s), s.userAgent ?? platformOf(s)),
    },
    { header: 'Viewing', className: 'col-view', sortKey: 'view', render: (cell, s) => textCell(cell, viewText(s.view)) },
    {
      header: 'Node',
      className: 'col-node',
      sortKey: 'node',
      render: (cell, s) => textCell(cell, nodes.label(s.nodeId), nodes.describe(s.nodeId)),
    },
    {
      header: 'Started',
      className: 'col-time col-started',
      sortKey: 'started',
      render: (cell, s) => textCell(cell, ago(s.startedAt), absolute(s.startedAt)),
    },
    {
      header: 'Last active',
      className: 'col-time col-active',
      sortKey: 'lastActive',
      render: (cell, s) => textCell(cell, ago(s.lastActivityAt), `Last active ${absolute(s.lastActivityAt)}`),
    },
  ];
}
