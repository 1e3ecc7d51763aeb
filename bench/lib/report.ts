// What a workload reports: rows of figures, each optionally against a baseline measured in the same run
// (with their ratio) and a target. The runner prints them as one table and writes them as JSON.

export interface Target {
  /** What the target applies to: the figure itself, or its ratio to the baseline. */
  on: 'value' | 'ratio';
  op: '<=' | '>=' | '<';
  limit: number;
}

export interface Row {
  workload: string;
  metric: string;
  unit: string;
  value: number;
  baseline?: { label: string; value: number };
  /** value / baseline.value */
  ratio?: number;
  target?: Target;
  /** Whether the target is met (absent without a target). */
  met?: boolean;
  note?: string;
}

export interface WorkloadResult {
  name: string;
  title: string;
  /** Sizes and settings the workload ran with. */
  params: Record<string, unknown>;
  rows: Row[];
  /** Raw figures behind the rows (rounds, per-request samples, profiles…). */
  details: Record<string, unknown>;
  seconds: number;
}

export function row(
  workload: string,
  metric: string,
  unit: string,
  value: number,
  options: {
    baseline?: { label: string; value: number };
    /**
     * The ratio when it is not value / baseline: the median of ratios of windows run back to back, which
     * a noisy machine disturbs less than the ratio of two medians.
     */
    ratio?: number;
    target?: Target;
    note?: string;
  } = {},
): Row {
  const r: Row = { workload, metric, unit, value };
  if (options.baseline) {
    r.baseline = options.baseline;
    r.ratio = options.ratio ?? (options.baseline.value === 0 ? Number.NaN : value / options.baseline.value);
  }
  if (options.target) {
    r.target = options.target;
    const subject = options.target.on === 'ratio' ? r.ratio : value;
    r.met = subject !== undefined && Number.isFinite(subject) && compare(subject, options.target);
  }
  if (options.note) r.note = options.note;
  return r;
}

function compare(value: number, target: Target): boolean {
  switch (target.op) {
    case '<=':
      return value <= target.limit;
    case '<':
      return value < target.limit;
    case '>=':
      return value >= target.limit;
  }
}

/** A figure with about three significant digits and thousands separators. */
export function fmt(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1000) return String(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toPrecision(2);
}

function targetText(target: Target | undefined, unit: string): string {
  if (!target) return '';
  return target.on === 'ratio' ? `ratio ${target.op} ${target.limit}` : `${target.op} ${fmt(target.limit)} ${unit}`;
}

/** The rows as a Markdown table (readable in a terminal too). */
export function formatTable(rows: readonly Row[]): string {
  const header = ['#', 'metric', 'rollcall', 'baseline', 'ratio', 'target', 'met'];
  const body = rows.map((r) => [
    r.workload,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${fmt(r.baseline.value)} (${r.baseline.label})` : '',
    r.ratio !== undefined ? r.ratio.toFixed(2) : '',
    targetText(r.target, r.unit),
    r.met === undefined ? '' : r.met ? 'yes' : '**MISSED**',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
