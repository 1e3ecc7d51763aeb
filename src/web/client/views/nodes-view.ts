// The cluster's nodes, as Centrifugo's admin shows its nodes: each one's name, role, version, uptime
// and sessions, the node that answered marked. Sessions per node come from the statistics, so they move
// with the stream; the list itself is reloaded every few seconds while the page is open.
import { DataTable } from '../data-table.ts';
import { h, setText } from '../dom.ts';
import { absolute, count, duration } from '../format.ts';
import { sessionsHref } from '../links.ts';
import type { NodeJson } from '../types.ts';
import { notice } from './parts.ts';
import type { Context, View } from './view.ts';

/** How often the page reloads the list (uptimes, versions after a rolling restart), in ms. */
const RELOAD_MS = 5_000;

export function nodesView(context: Context): View {
  const { nodes, stats } = context;
  const heading = h('h2', { id: 'nodes-heading', tabindex: -1 }, 'Nodes');
  const countLine = h('p', { class: 'count', id: 'nodes-count' });
  const problem = h('div', {});
  const liveSessions = (node: NodeJson) => stats.stats?.sessions.byNode[node.id] ?? node.sessions;
  const table = new DataTable<NodeJson>({
    caption: 'The nodes of this rollcall cluster',
    key: (node) => node.id,
    emptyText: 'No nodes reported.',
    className: 'nodes',
    sort: { key: 'Name', descending: false },
    columns: [
      {
        header: 'Name',
        className: 'col-name',
        cell: (node) => [
          h('span', { class: 'node-host' }, node.hostname),
          node.self ? h('span', { class: 'badge self', title: 'The node this page talks to' }, 'this node') : null,
          node.publicHostname && node.publicHostname !== node.hostname ? h('span', { class: 'node-id' }, node.publicHostname) : null,
        ],
        sort: (node) => node.hostname,
      },
      { header: 'Role', className: 'col-role', cell: (node) => node.role, sort: (node) => node.role },
      { header: 'Version', className: 'col-version', cell: (node) => node.version, sort: (node) => node.version },
      {
        header: 'Uptime',
        className: 'col-uptime',
        cell: (node) => h('span', { title: `Started ${absolute(node.startedAt)}` }, duration(node.uptimeSeconds)),
        sort: (node) => node.uptimeSeconds,
        descendingFirst: true,
      },
      {
        header: 'Sessions',
        className: 'col-count num',
        cell: (node) =>
          h('a', { href: sessionsHref({ node: node.id }), title: `The sessions of ${node.hostname}` }, count(liveSessions(node))),
        sort: (node) => liveSessions(node),
        descendingFirst: true,
      },
      { header: 'Node id', className: 'col-nodeid', cell: (node) => h('span', { class: 'node-id' }, node.id), sort: (node) => node.id },
    ],
  });
  const element = h(
    'div',
    { class: 'page' },
    h(
      'section',
      { class: 'panel table-panel', 'aria-labelledby': 'nodes-heading' },
      h('div', { class: 'panel-head' }, heading, countLine),
      problem,
      table.element,
    ),
  );

  function render() {
    problem.replaceChildren(
      nodes.error
        ? notice(
            nodes.error === 'unavailable' ? 'This server does not list its nodes.' : `Could not load the nodes: ${nodes.error}`,
            'error',
          )
        : '',
    );
    table.setRows(nodes.nodes);
    const sessions = nodes.nodes.reduce((sum, node) => sum + liveSessions(node), 0);
    setText(countLine, `${count(nodes.nodes.length)} ${nodes.nodes.length === 1 ? 'node' : 'nodes'} · ${count(sessions)} sessions`);
  }

  const offNodes = nodes.subscribe(render);
  const offStats = stats.subscribe(render);
  const timer = setInterval(() => void nodes.refresh(), RELOAD_MS);
  render();
  void nodes.refresh();

  return {
    element,
    title: 'Nodes',
    heading,
    destroy() {
      offNodes();
      offStats();
      clearInterval(timer);
    },
  };
}
