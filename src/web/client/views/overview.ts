// The top of the live sessions page: summary cards, counts per client type and per node (pressing one
// filters the table), and the chart of users online, whose live point is the cards' own count.
import { CLIENT_TYPES } from '../../../core/model.ts';
import { h, replaceChildren } from '../dom.ts';
import { clientTypeLabel, count } from '../format.ts';
import { nodesHref } from '../links.ts';
import type { NodeDirectory } from '../nodes.ts';
import { PresenceChart, type ChartRange } from '../presence-chart.ts';
import type { SessionFilter } from '../session-filter.ts';
import type { StatsStore } from '../live.ts';
import type { StatsJson } from '../types.ts';

/** The chart's range outlives the page, so coming back to it keeps the choice. */
let chartRange: ChartRange = 'hour';

export interface OverviewOptions {
  stats: StatsStore;
  nodes: NodeDirectory;
  /** A count was pressed: filter by it, or drop that filter when it is the current one. */
  onToggle: (field: 'type' | 'node', value: string) => void;
}

export class Overview {
  readonly element: HTMLElement;
  private readonly summary = h('section', { class: 'summary', 'aria-label': 'Summary' });
  private readonly byTypeList = h('ul', { class: 'bars' });
  private readonly byNodeList = h('ul', { class: 'bars' });
  private readonly chart = new PresenceChart();
  private readonly rangeButtons: HTMLButtonElement[];
  private filter: SessionFilter = {};

  constructor(private readonly options: OverviewOptions) {
    this.rangeButtons = (['hour', 'day'] as const).map((range) => {
      const button = h(
        'button',
        { type: 'button', class: 'toggle', 'aria-pressed': String(range === chartRange) },
        range === 'hour' ? 'Last hour' : 'Last day',
      );
      button.addEventListener('click', () => {
        chartRange = range;
        for (const b of this.rangeButtons) b.setAttribute('aria-pressed', String(b === button));
        this.render(this.filter);
      });
      return button;
    });
    this.element = h(
      'div',
      { class: 'overview' },
      this.summary,
      h(
        'div',
        { class: 'grid' },
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'by-type-heading' },
          h('h2', { id: 'by-type-heading' }, 'By client type'),
          this.byTypeList,
        ),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'by-node-heading' },
          h('div', { class: 'panel-head' }, h('h2', { id: 'by-node-heading' }, 'By node'), h('a', { href: nodesHref }, 'All nodes')),
          this.byNodeList,
        ),
        h(
          'section',
          { class: 'panel chart-panel', 'aria-labelledby': 'chart-heading' },
          h(
            'div',
            { class: 'panel-head' },
            h('h2', { id: 'chart-heading' }, 'Users online'),
            h('div', { class: 'toggles', role: 'group', 'aria-label': 'Chart range' }, ...this.rangeButtons),
          ),
          this.chart.element,
        ),
      ),
    );
  }

  render(filter: SessionFilter): void {
    this.filter = filter;
    const { stats, nodes, onToggle } = this.options;
    const current = stats.stats;
    replaceChildren(this.summary, ...summaryCards(current, stats.error));
    const byType = current?.sessions.byClientType ?? {};
    const typeMax = Math.max(1, ...Object.values(byType));
    replaceChildren(
      this.byTypeList,
      ...CLIENT_TYPES.map((type) =>
        barItem({
          label: clientTypeLabel(type),
          value: byType[type] ?? 0,
          max: typeMax,
          pressed: filter.type === type,
          onClick: () => onToggle('type', type),
          key: type,
        }),
      ),
    );
    const byNode = current?.sessions.byNode ?? {};
    const nodeMax = Math.max(1, ...Object.values(byNode));
    const nodeIds = Object.keys(byNode).sort((a, b) => nodes.label(a).localeCompare(nodes.label(b)));
    replaceChildren(
      this.byNodeList,
      ...(nodeIds.length === 0
        ? [h('li', { class: 'muted' }, current ? 'No sessions on any node.' : 'Waiting for statistics…')]
        : nodeIds.map((node) =>
            barItem({
              label: nodes.label(node),
              detail: nodes.get(node)?.role,
              value: byNode[node] ?? 0,
              max: nodeMax,
              pressed: filter.node === node,
              onClick: () => onToggle('node', node),
              key: node,
              title: `Show only the sessions of ${nodes.describe(node)}`,
            }),
          )),
    );
    this.chart.update(
      current?.samples[chartRange] ?? [],
      current && { at: Math.floor(Date.now() / 1000), users: current.users.online, sessions: current.sessions.total },
      chartRange,
    );
  }

  destroy(): void {
    this.chart.destroy();
  }
}

interface Bar {
  label: string;
  /** Beside the label, muted (a node's role). */
  detail?: string | undefined;
  value: number;
  max: number;
  pressed: boolean;
  onClick: () => void;
  key: string;
  title?: string;
}

function barItem({ label, detail, value, max, pressed, onClick, key, title }: Bar): HTMLLIElement {
  const bar = h('span', { class: 'bar' });
  bar.style.width = `${Math.round((value / max) * 100)}%`;
  const button = h(
    'button',
    { type: 'button', class: 'bar-button', 'aria-pressed': String(pressed), title: title ?? `Show only ${label}`, 'data-key': key },
    h('span', { class: 'bar-label' }, label, detail ? h('span', { class: 'bar-detail' }, ` · ${detail}`) : null),
    h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
    h('span', { class: 'bar-value' }, count(value)),
  );
  button.addEventListener('click', onClick);
  return h('li', {}, button);
}

function summaryCards(stats: StatsJson | undefined, error: string | undefined): HTMLElement[] {
  const card = (label: string, value: string, detail?: string, key?: string) =>
    h(
      'div',
      { class: 'card', 'data-stat': key },
      h('p', { class: 'card-label' }, label),
      h('p', { class: 'card-value' }, value),
      detail ? h('p', { class: 'card-detail' }, detail) : null,
    );
  if (!stats) return [card('Statistics', error ? 'unavailable' : '…', error)];
  const { activity } = stats;
  return [
    card('Live sessions', count(stats.sessions.total), undefined, 'sessions'),
    card('Users online', count(stats.users.online), undefined, 'users'),
    card('Started', count(activity.lastMinute.started), `last minute · ${count(activity.lastHour.started)} last hour`, 'started'),
    card('Ended', count(activity.lastMinute.ended), `last minute · ${count(activity.lastHour.ended)} last hour`, 'ended'),
  ];
}
