// How late this process's event loop runs, as a Prometheus histogram that no scrape disturbs. A stalled
// loop delays every heartbeat and answer, so this is the first thing to look at when latency grows.
//
// Node samples the delay continuously (perf_hooks.monitorEventLoopDelay: a timer every 10 ms, each
// firing recording how long it really took, in an HDR histogram). That histogram is never reset: each
// scrape reads counts since the start, as Prometheus wants them (rate() and histogram_quantile() work
// on any window, across nodes). A monitor reset at every scrape, as prom-client's default gauges do,
// makes each of two scrapers see only the time since the other one's scrape.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Histogram, Registry } from 'prom-client';
import { pushHistogramSeries, type MetricSnapshot, type Sample } from './histogram-samples.ts';

/** Milliseconds between samples: fine enough to see a 20 ms stall, rare enough to cost nothing. */
const RESOLUTION_MS = 10;
const RESOLUTION_NS = RESOLUTION_MS * 1e6;
/** Seconds of delay beyond the sampling interval: from a busy loop (1 ms) to one that stalls for seconds. */
const BOUNDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class EventLoopDelay {
  readonly name = 'rollcall_event_loop_delay_seconds';
  readonly help =
    `How late the event loop ran: per sample (every ${RESOLUTION_MS} ms), the time beyond the interval, since the process started`;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  /**
   * What the last scrape reported. Counts read back from percentiles may come out one lower on a later
   * read, and the sum of delays dips when a timer fires a little early after a late one; a counter
   * that goes down looks like a restart to Prometheus, so nothing reported ever goes down.
   */
  private readonly reported = { cumulative: new Float64Array(BOUNDS.length), sum: 0 };

  constructor(registers: Registry[]) {
    this.monitor.enable();
    // The registry's types list only prom-client's own classes; it renders any metric with this shape.
    for (const registry of registers) registry.registerMetric(this as unknown as Histogram);
  }

  /** Stops sampling (a stopped server leaves nothing running). */
  close(): void {
    this.monitor.disable();
  }

  async get(): Promise<MetricSnapshot> {
    const { monitor, reported } = this;
    const count = monitor.count;
    BOUNDS.forEach((bound, i) => {
      reported.cumulative[i] = Math.max(reported.cumulative[i]!, atMost(monitor, count, RESOLUTION_NS + bound * 1e9));
    });
    if (count > 0) reported.sum = Math.max(reported.sum, (count * (monitor.mean - RESOLUTION_NS)) / 1e9);
    const values: Sample[] = [];
    pushHistogramSeries(values, this.name, {}, { bounds: BOUNDS, cumulative: reported.cumulative, sum: reported.sum, count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/**
 * How many of the `count` samples took at most `limitNs`. The histogram answers percentiles only, so
 * this looks for the largest percentile whose value is within the limit, finely enough (one step below
 * half a sample) that the count it gives is exact.
 */
function atMost(histogram: IntervalHistogram, count: number, limitNs: number): number {
  if (count === 0 || histogram.min > limitNs) return 0;
  if (histogram.max <= limitNs) return count;
  let low = 0;
  let high = 100;
  for (let step = Math.ceil(Math.log2(count + 1)) + 2; step > 0; step--) {
    const middle = (low + high) / 2;
    if (histogram.percentile(middle) <= limitNs) low = middle;
    else high = middle;
  }
  return Math.round((count * low) / 100);
}
