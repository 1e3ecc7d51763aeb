// Users online (and sessions) over the last hour or day, as inline SVG: the samples `GET /v1/stats`
// keeps (one a minute), and a live point at "now" from the same counts the summary cards show, so the
// chart and the cards never disagree. The SVG is drawn at the size it is shown (its viewBox is its
// width in CSS pixels), so labels keep their size from a phone to a wide screen, and ticks thin out
// when the width has no room for them. Pointer, touch and keyboard (arrow keys) show a tooltip.
import { countTicks, nearestIndex, timeTicks } from './chart-scale.ts';
import { h, replaceChildren, setAttributes, svg } from './dom.ts';
import { absolute, clockTime, clockTimeWithSeconds, count } from './format.ts';
import type { PresenceSampleJson } from './types.ts';

export type ChartRange = 'hour' | 'day';

/** The counts now, as the cards show them. */
export interface LivePoint {
  /** Unix seconds. */
  at: number;
  users: number;
  sessions: number;
}

interface Point extends LivePoint {
  live: boolean;
}

const SPAN_SECONDS: Record<ChartRange, number> = { hour: 3600, day: 86_400 };
/** Below this width (CSS px) the chart is shorter, so a phone shows it without scrolling past it. */
const NARROW = 480;
/** Room a time label needs, in CSS px (for how many fit). */
const TIME_LABEL_PX = 72;
/** An axis label's digits are about this wide at the chart's 12 px font. */
const DIGIT_PX = 7.5;

/** Samples are Unix seconds; tolerate milliseconds too. */
const seconds = (at: number) => (at > 1e11 ? Math.floor(at / 1000) : at);

export function summarize(samples: readonly PresenceSampleJson[], range: ChartRange, live?: LivePoint): string {
  const what = range === 'hour' ? 'the last hour' : 'the last day';
  const values = samples.map((s) => s.onlineUsers);
  if (live) values.push(live.users);
  if (values.length === 0) return `No samples for ${what} yet.`;
  return `Users online over ${what}: now ${count(values.at(-1)!)}, peak ${count(Math.max(...values))}, low ${count(Math.min(...values))}.`;
}

export class PresenceChart {
  readonly element: HTMLDivElement;
  private readonly box: HTMLDivElement;
  private readonly tip: HTMLDivElement;
  private readonly legend: HTMLParagraphElement;
  /** One SVG for the chart's life, redrawn inside: keyboard focus and the pointer stay on it. */
  private readonly chart = svg('svg', { class: 'chart', role: 'img', tabindex: 0 });
  private focus: SVGGElement | undefined;
  private drawn = false;
  private samples: readonly PresenceSampleJson[] = [];
  private live: LivePoint | undefined;
  private range: ChartRange = 'hour';
  private points: Point[] = [];
  /** Where the tooltip is: a point's index, or none. */
  private shown: number | undefined;
  private readonly observer: ResizeObserver | undefined;
  private width = 0;
  /** The y axis's top value. */
  private top = 0;
  /** Maps a point to the drawing (set by draw). */
  private x: (at: number) => number = () => 0;
  private y: (value: number) => number = () => 0;

  constructor() {
    this.tip = h('div', { class: 'chart-tip', role: 'status', hidden: true });
    this.box = h('div', { class: 'chart-box' });
    this.legend = h('p', { class: 'legend' });
    this.element = h('div', { class: 'chart-wrap' }, this.box, this.tip, this.legend);
    this.box.append(this.chart);
    this.listen(this.chart);
    if (typeof ResizeObserver === 'function') {
      this.observer = new ResizeObserver(() => {
        const width = Math.round(this.box.clientWidth);
        if (width > 0 && width !== this.width) this.draw();
      });
      this.observer.observe(this.box);
    }
  }

  update(samples: readonly PresenceSampleJson[], live: LivePoint | undefined, range: ChartRange): void {
    if (samples === this.samples && range === this.range && sameLive(live, this.live) && this.drawn) return;
    this.samples = samples;
    this.live = live;
    this.range = range;
    this.draw();
  }

  destroy(): void {
    this.observer?.disconnect();
  }

  private draw(): void {
    const width = (this.width = Math.round(this.box.clientWidth) || 640);
    const height = width < NARROW ? 180 : 220;
    const end = this.live?.at ?? Math.floor(Date.now() / 1000);
    const start = end - SPAN_SECONDS[this.range];
    const points: Point[] = this.samples
      .map((s) => ({ at: seconds(s.at), users: s.onlineUsers, sessions: s.sessions, live: false }))
      .filter((p) => p.at >= start - 60 && p.at < end)
      .sort((a, b) => a.at - b.at);
    if (this.live) points.push({ ...this.live, live: true });
    const previous = this.shown === undefined ? undefined : this.points[this.shown];
    this.points = points;

    const yTicks = countTicks(Math.max(4, ...points.map((p) => Math.max(p.users, p.sessions))));
    const top = (this.top = yTicks.at(-1)!);
    const pad = { top: 12, right: 14, bottom: 26, left: Math.ceil(count(top).length * DIGIT_PX) + 14 };
    const plotWidth = width - pad.left - pad.right;
    const plotHeight = height - pad.top - pad.bottom;
    this.x = (at) => pad.left + ((Math.min(Math.max(at, start), end) - start) / (end - start)) * plotWidth;
    this.y = (value) => pad.top + plotHeight - (value / top) * plotHeight;
    const { x, y } = this;

    const summary = summarize(this.samples, this.range, this.live);
    const { chart } = this;
    setAttributes(chart, {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      'aria-label': `${summary} Use the arrow keys for each sample.`,
      'data-top': top,
      'data-live-users': this.live?.users,
      'data-live-sessions': this.live?.sessions,
    });
    chart.replaceChildren(svg('title', {}, summary));
    for (const value of yTicks) {
      const gy = y(value);
      chart.append(
        svg('line', { x1: pad.left, x2: width - pad.right, y1: gy, y2: gy, class: value === 0 ? 'axis' : 'grid' }),
        svg('text', { x: pad.left - 6, y: gy + 4, 'text-anchor': 'end', class: 'tick y' }, count(value)),
      );
    }
    // Round clock times, as many as fit; "now" at the right edge when there is room beside the last.
    const times = timeTicks(start, end, Math.floor(plotWidth / TIME_LABEL_PX));
    for (const at of times) {
      if (x(end) - x(at) < TIME_LABEL_PX * 0.75 || x(at) - pad.left < TIME_LABEL_PX / 2) continue;
      chart.append(svg('text', { x: x(at), y: height - 8, 'text-anchor': 'middle', class: 'tick x' }, clockTime(at)));
    }
    chart.append(svg('text', { x: x(end), y: height - 8, 'text-anchor': 'end', class: 'tick x' }, 'now'));

    if (points.length === 0) {
      chart.append(
        svg(
          'text',
          { x: pad.left + plotWidth / 2, y: pad.top + plotHeight / 2, 'text-anchor': 'middle', class: 'no-data' },
          'No samples yet (one is taken every minute)',
        ),
      );
    }
    for (const run of runs(points)) {
      const users = run.map((p) => `${x(p.at).toFixed(1)},${y(p.users).toFixed(1)}`);
      const sessions = run.map((p) => `${x(p.at).toFixed(1)},${y(p.sessions).toFixed(1)}`);
      const baseline = y(0).toFixed(1);
      chart.append(
        svg('path', {
          d: `M${x(run[0]!.at).toFixed(1)},${baseline} L${users.join(' L')} L${x(run.at(-1)!.at).toFixed(1)},${baseline} Z`,
          class: 'area',
        }),
        svg('polyline', { points: sessions.join(' '), class: 'line sessions' }),
        svg('polyline', { points: users.join(' '), class: 'line users' }),
      );
      if (run.length === 1 && !run[0]!.live) chart.append(svg('circle', { cx: x(run[0]!.at), cy: y(run[0]!.users), r: 3, class: 'dot' }));
    }
    if (this.live) {
      const lx = x(this.live.at);
      const ly = y(this.live.users);
      chart.append(svg('circle', { cx: lx, cy: ly, r: 8, class: 'live-ring' }), svg('circle', { cx: lx, cy: ly, r: 4, class: 'live-dot' }));
    }
    this.focus = svg('g', { class: 'focus', 'aria-hidden': 'true' });
    chart.append(this.focus);
    this.drawn = true;
    this.legend.replaceChildren(
      h('span', { class: 'key users', 'aria-hidden': 'true' }),
      `users online${this.live ? ` (${count(this.live.users)} now)` : ''}`,
      h('span', { class: 'key sessions', 'aria-hidden': 'true' }),
      `sessions${this.live ? ` (${count(this.live.sessions)} now)` : ''}`,
    );
    // The tooltip stays on its point across a redraw (the live one stays on the live one).
    if (previous)
      this.show(
        previous.live
          ? points.length - 1
          : nearestIndex(
              points.map((p) => p.at),
              previous.at,
            ),
      );
  }

  private listen(chart: SVGSVGElement): void {
    const atPointer = (event: PointerEvent) => {
      const rect = chart.getBoundingClientRect();
      const px = ((event.clientX - rect.left) / rect.width) * this.width;
      // Invert x: the time under the pointer, then the nearest point.
      const xs = this.points.map((p) => this.x(p.at));
      return nearestIndex(xs, px);
    };
    chart.addEventListener('pointermove', (event) => this.show(atPointer(event)));
    chart.addEventListener('pointerdown', (event) => this.show(atPointer(event)));
    chart.addEventListener('pointerleave', () => {
      if (document.activeElement !== chart) this.show(undefined);
    });
    chart.addEventListener('focus', () => this.show(this.shown ?? this.points.length - 1));
    chart.addEventListener('blur', () => this.show(undefined));
    chart.addEventListener('keydown', (event) => {
      const last = this.points.length - 1;
      const current = this.shown ?? last;
      const next: Record<string, number | undefined> = {
        ArrowLeft: Math.max(0, current - 1),
        ArrowRight: Math.min(last, current + 1),
        Home: 0,
        End: last,
        Escape: undefined,
      };
      if (!(event.key in next)) return;
      event.preventDefault();
      this.show(next[event.key]);
    });
  }

  /** Shows the tooltip and guide on point `index`, or hides them. */
  private show(index: number | undefined): void {
    const point = index === undefined || index < 0 ? undefined : this.points[index];
    this.shown = point ? index : undefined;
    if (!this.focus) return;
    if (!point) {
      this.focus.replaceChildren();
      this.tip.hidden = true;
      return;
    }
    const px = this.x(point.at);
    const top = this.y(0);
    this.focus.replaceChildren(
      svg('line', { x1: px, x2: px, y1: this.y(this.top), y2: top, class: 'guide' }),
      svg('circle', { cx: px, cy: this.y(point.sessions), r: 3.5, class: 'marker sessions' }),
      svg('circle', { cx: px, cy: this.y(point.users), r: 4.5, class: 'marker users' }),
    );
    replaceChildren(
      this.tip,
      h('strong', { title: absolute(point.at) }, point.live ? `Now (${clockTimeWithSeconds(point.at)})` : clockTime(point.at)),
      h('span', { class: 'tip-users' }, `${count(point.users)} ${point.users === 1 ? 'user' : 'users'} online`),
      h('span', { class: 'tip-sessions' }, `${count(point.sessions)} ${point.sessions === 1 ? 'session' : 'sessions'}`),
    );
    this.tip.hidden = false;
    // Beside the point, inside the chart: flipped to the left near the right edge, never past an edge.
    const tipWidth = this.tip.offsetWidth;
    const gap = 12;
    const left = px + gap + tipWidth <= this.width ? px + gap : Math.max(0, px - gap - tipWidth);
    this.tip.style.left = `${Math.round(left)}px`;
    this.tip.style.top = `${Math.round(Math.max(0, this.y(point.users) - this.tip.offsetHeight / 2))}px`;
  }
}

function sameLive(a: LivePoint | undefined, b: LivePoint | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.at === b.at && a.users === b.users && a.sessions === b.sessions);
}

/** Points split where a gap of more than three sample intervals lies (the server was down). */
function runs(points: readonly Point[]): Point[][] {
  const samples = points.filter((p) => !p.live);
  const intervals = samples
    .slice(1)
    .map((p, i) => p.at - samples[i]!.at)
    .sort((a, b) => a - b);
  // The live point joins the last sample when it is no later than the next sample would be due.
  const typical = Math.max(intervals[Math.floor(intervals.length / 2)] ?? 60, 60);
  const result: Point[][] = [];
  for (const point of points) {
    const run = result.at(-1);
    const previous = run?.at(-1);
    if (run && previous && point.at - previous.at <= typical * 3) run.push(point);
    else result.push([point]);
  }
  return result;
}
