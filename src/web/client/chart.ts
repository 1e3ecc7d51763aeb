// Users online (and sessions) over the last hour or day, as inline SVG built from the samples
// `GET /v1/stats` returns. No library: two polylines, an area, three grid lines and their labels.
import { svg } from './dom.ts';
import { clockTime, count } from './format.ts';
import type { PresenceSampleJson } from './types.ts';

export type ChartRange = 'hour' | 'day';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 14, right: 16, bottom: 28, left: 52 };
const SPAN_SECONDS: Record<ChartRange, number> = { hour: 3600, day: 86_400 };

/** A round axis top at or above `value` (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k); at least 4. */
function niceCeiling(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** Samples are Unix seconds; tolerate milliseconds too. */
const seconds = (at: number) => (at > 1e11 ? Math.floor(at / 1000) : at);

export function summarize(samples: readonly PresenceSampleJson[], range: ChartRange): string {
  const what = range === 'hour' ? 'the last hour' : 'the last day';
  if (samples.length === 0) return `No samples for ${what} yet.`;
  const values = samples.map((s) => s.onlineUsers);
  return `Users online over ${what}: now ${count(values.at(-1)!)}, peak ${count(Math.max(...values))}, low ${count(Math.min(...values))}.`;
}

export function presenceChart(samples: readonly PresenceSampleJson[], range: ChartRange, nowMs = Date.now()): SVGSVGElement {
  const end = Math.floor(nowMs / 1000);
  const start = end - SPAN_SECONDS[range];
  const points = samples.map((s) => ({ at: seconds(s.at), users: s.onlineUsers, sessions: s.sessions })).filter((p) => p.at >= start - 60);
  const top = niceCeiling(Math.max(0, ...points.map((p) => Math.max(p.users, p.sessions))));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (at: number) => PAD.left + ((Math.min(Math.max(at, start), end) - start) / (end - start)) * plotWidth;
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;

  const summary = summarize(samples, range);
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    role: 'img',
    'aria-label': summary,
    preserveAspectRatio: 'xMidYMid meet',
  });
  chart.append(svg('title', {}, summary));

  for (const fraction of [0, 0.5, 1]) {
    const value = top * fraction;
    const gy = y(value);
    chart.append(
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: gy, y2: gy, class: fraction === 0 ? 'axis' : 'grid' }),
      svg('text', { x: PAD.left - 8, y: gy + 4, 'text-anchor': 'end', class: 'tick' }, count(value)),
    );
  }
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const at = start + (end - start) * fraction;
    const anchor = fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle';
    chart.append(svg('text', { x: x(at), y: HEIGHT - 8, 'text-anchor': anchor, class: 'tick' }, fraction === 1 ? 'now' : clockTime(at)));
  }

  if (points.length === 0) {
    chart.append(
      svg(
        'text',
        { x: PAD.left + plotWidth / 2, y: PAD.top + plotHeight / 2, 'text-anchor': 'middle', class: 'no-data' },
        'No samples yet (one is taken every minute)',
      ),
    );
    return chart;
  }

  // A gap of more than three sample intervals (the server was down) breaks the lines.
  const intervals = points
    .slice(1)
    .map((p, i) => p.at - points[i]!.at)
    .sort((a, b) => a - b);
  const typical = intervals[Math.floor(intervals.length / 2)] ?? 60;
  const runs: (typeof points)[] = [];
  for (const point of points) {
    const run = runs.at(-1);
    const previous = run?.at(-1);
    if (run && previous && point.at - previous.at <= typical * 3) run.push(point);
    else runs.push([point]);
  }
  for (const run of runs) {
    const users = run.map((p) => `${x(p.at).toFixed(1)},${y(p.users).toFixed(1)}`);
    const sessions = run.map((p) => `${x(p.at).toFixed(1)},${y(p.sessions).toFixed(1)}`);
    const baseline = y(0).toFixed(1);
    const first = x(run[0]!.at).toFixed(1);
    const last = x(run.at(-1)!.at).toFixed(1);
    chart.append(
      svg('path', { d: `M${first},${baseline} L${users.join(' L')} L${last},${baseline} Z`, class: 'area' }),
      svg('polyline', { points: sessions.join(' '), class: 'line sessions' }),
      svg('polyline', { points: users.join(' '), class: 'line users' }),
    );
    if (run.length === 1) chart.append(svg('circle', { cx: x(run[0]!.at), cy: y(run[0]!.users), r: 3, class: 'dot' }));
  }
  return chart;
}
