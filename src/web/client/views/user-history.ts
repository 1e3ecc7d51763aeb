// A user's past sessions, from the session log (`GET /v1/users/:id/sessions`, newest first, paged):
// when each started, how long it lasted, the client, the host, and why it ended. Live ones are in the
// list too, marked live. The first page reloads when one of the user's sessions starts or ends.
import { ApiError, withQuery } from '../api.ts';
import { DataTable } from '../data-table.ts';
import { h, setText } from '../dom.ts';
import { absolute, ago, clientTypeLabel, count, duration, endReasonLabel, shortAbsolute } from '../format.ts';
import { sessionHref } from '../links.ts';
import type { NodeDirectory } from '../nodes.ts';
import type { PastSessionJson, PastSessionsPage } from '../types.ts';
import type { Context } from './view.ts';

const PAGE_SIZE = 50;

const agentText = (s: PastSessionJson): string =>
  [s.agent?.browser && s.agent.browser !== 'Unknown' ? s.agent.browser : undefined, s.agent?.os].filter(Boolean).join(' on ');

function columns(nodes: NodeDirectory) {
  return [
    {
      header: 'Started',
      className: 'col-when',
      cell: (s: PastSessionJson) => h('span', { title: `${absolute(s.startedAt)} · ${ago(s.startedAt)}` }, shortAbsolute(s.startedAt)),
      sort: (s: PastSessionJson) => s.startedAt,
      descendingFirst: true,
    },
    {
      header: 'Lasted',
      className: 'col-duration',
      cell: (s: PastSessionJson) =>
        s.live
          ? h('a', { href: sessionHref(s.id), class: 'badge active', title: `Session ${s.id} is live` }, 'Live')
          : duration(s.durationSeconds ?? Math.max(0, (s.endedAt ?? s.startedAt) - s.startedAt)),
      sort: (s: PastSessionJson) => (s.live ? Number.MAX_SAFE_INTEGER : (s.durationSeconds ?? 0)),
      descendingFirst: true,
    },
    {
      header: 'Client',
      className: 'col-client',
      cell: (s: PastSessionJson) => {
        const agent = agentText(s);
        return h(
          'span',
          { title: `Session ${s.id}` },
          clientTypeLabel(s.clientType),
          agent ? h('span', { class: 'muted' }, ` · ${agent}`) : null,
        );
      },
      sort: (s: PastSessionJson) => clientTypeLabel(s.clientType),
    },
    {
      header: 'Host',
      className: 'col-host',
      cell: (s: PastSessionJson) => h('span', { title: `from ${s.remoteAddress}` }, s.hostname || s.remoteAddress),
      sort: (s: PastSessionJson) => s.hostname || s.remoteAddress,
    },
    {
      header: 'Ended',
      className: 'col-reason',
      cell: (s: PastSessionJson) => (s.live || !s.endReason ? '' : `${endReasonLabel(s.endReason)}${s.endedBy ? ` (${s.endedBy})` : ''}`),
      sort: (s: PastSessionJson) => (s.endReason ? endReasonLabel(s.endReason) : undefined),
    },
    {
      header: 'Node',
      className: 'col-node',
      cell: (s: PastSessionJson) => h('span', { title: nodes.describe(s.nodeId) }, nodes.label(s.nodeId)),
      sort: (s: PastSessionJson) => nodes.label(s.nodeId),
    },
  ];
}

export class UserHistory {
  readonly element: HTMLElement;
  private readonly table: DataTable<PastSessionJson>;
  private readonly status = h('p', { class: 'count', id: 'history-count' });
  private readonly more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show older sessions');
  private sessions: PastSessionJson[] = [];
  private nextCursor: string | undefined;
  private pages = 0;
  /** Loads run one after another, so a refresh during "show older" is not lost. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: Context,
    private readonly userId: string,
  ) {
    this.table = new DataTable({
      columns: columns(context.nodes),
      caption: 'Past sessions, newest first',
      key: (s) => String(s.id),
      emptyText: 'No sessions recorded for this user.',
      className: 'history',
    });
    this.element = h(
      'section',
      { class: 'panel history-panel table-panel', 'aria-labelledby': 'history-heading' },
      h('div', { class: 'panel-head' }, h('h3', { id: 'history-heading' }, 'Session history'), this.status),
      this.table.element,
      h('p', { class: 'more' }, this.more),
    );
    this.more.addEventListener('click', () => void (this.queue = this.queue.then(() => this.loadMore())));
  }

  /** Loads the newest page again: merged into what is shown, so older pages stay. */
  refresh(): Promise<void> {
    return (this.queue = this.queue.then(() => this.refreshNow()));
  }

  private async refreshNow(): Promise<void> {
    const page = await this.fetch(undefined);
    if (!page) return;
    if (this.pages <= 1) {
      this.sessions = page.sessions;
      this.nextCursor = page.nextCursor ?? undefined;
    } else {
      const fresh = new Set(page.sessions.map((s) => s.id));
      this.sessions = [...page.sessions, ...this.sessions.filter((s) => !fresh.has(s.id))];
    }
    this.pages = Math.max(1, this.pages);
    this.show();
  }

  private async loadMore(): Promise<void> {
    if (!this.nextCursor) return;
    const page = await this.fetch(this.nextCursor);
    if (!page) return;
    const known = new Set(this.sessions.map((s) => s.id));
    this.sessions = [...this.sessions, ...page.sessions.filter((s) => !known.has(s.id))];
    this.nextCursor = page.nextCursor ?? undefined;
    this.pages++;
    this.show();
  }

  private async fetch(cursor: string | undefined): Promise<PastSessionsPage | undefined> {
    this.more.disabled = true;
    try {
      return await this.context.api.get<PastSessionsPage>(
        withQuery(`/v1/users/${encodeURIComponent(this.userId)}/sessions`, { limit: PAGE_SIZE, cursor }),
      );
    } catch (error) {
      setText(
        this.status,
        error instanceof ApiError && error.status === 404
          ? 'No session history is kept for this user.'
          : `Could not load the history: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    } finally {
      this.more.disabled = false;
    }
  }

  private show() {
    this.table.setRows(this.sessions);
    this.more.hidden = !this.nextCursor;
    const ended = this.sessions.filter((s) => !s.live).length;
    setText(this.status, `${count(this.sessions.length)} shown · ${count(ended)} ended${this.nextCursor ? ' · more below' : ''}`);
  }
}
