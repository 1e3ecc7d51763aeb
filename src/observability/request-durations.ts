// The HTTP latency histogram, cheap to record into. prom-client's `observe` builds a label object and a
// string key for every answer, and that showed in a heartbeat's profile (BENCHMARKS.md, section 6).
// Here an answer finds its series through three Map lookups (route pattern, method, status) and adds
// to a preallocated bucket: nothing is allocated once a series exists. Prometheus' cumulative buckets
// are summed up only when scraped.
//
// prom-client's registry renders it like its own histograms (it reads `name`, `help`, `type` and `get()`
// from whatever is registered): the same names, labels in the same order, buckets, sums, and series in
// the order they first answered.
import type { Histogram, Registry } from 'prom-client';
import { pushHistogramSeries, type MetricSnapshot, type Sample } from './histogram-samples.ts';

export type RequestLabel = 'method' | 'route' | 'status_code';

interface Series {
  labels: Record<RequestLabel, string>;
  /** Answers per bucket, not cumulative: `counts[i]` took at most `bounds[i]` and more than `bounds[i - 1]`. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface RequestDurationsConfig {
  name: string;
  help: string;
  /** Upper bounds in seconds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}

export class RequestDurations {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  /** route pattern → method → status code → series. */
  private index = new Map<string, Map<string, Map<number, Series>>>();
  /** Every series in the order it first answered, the order of the exposition. */
  private all: Series[] = [];

  constructor(config: RequestDurationsConfig) {
    this.name = config.name;
    this.help = config.help;
    this.bounds = [...config.buckets];
    // The registry's types list only prom-client's own classes; it renders any metric with this shape.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Histogram);
  }

  /** One answer that took `seconds`; `route` is the route's pattern, never the raw URL. */
  record(method: string, route: string, statusCode: number, seconds: number): void {
    const series = this.seriesOf(method, route, statusCode);
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    // Above the last bound only +Inf holds it, which is the count.
    if (bucket < bounds.length) series.counts[bucket]!++;
    series.sum += seconds;
    series.count++;
  }

  /** The samples as prom-client's registry reads them from a metric. */
  async get(): Promise<MetricSnapshot> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  reset(): void {
    this.index = new Map();
    this.all = [];
  }
  private seriesOf(method: string, route: string, statusCode: number): Series {
    let byMethod = this.index.get(route);
    if (!byMethod) this.index.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        counts: new Float64Array(this.bounds.length),
        sum: 0,
        count: 0,
      };
      byStatus.set(statusCode, series);
      this.all.push(series);
    }
    return series;
  }

  private samples(): Sample[] {
    const samples: Sample[] = [];
    for (const { labels, counts, sum, count } of this.all) {
      let total = 0;
      const cumulative = Array.from(counts, (n) => (total += n));
      pushHistogramSeries(samples, this.name, labels, { bounds: this.bounds, cumulative, sum, count });
    }
    return samples;
  }
}
