// prom-client's default metrics of the process (CPU, memory, heap, handles, file descriptors, GC, Node's
// version), collected once per process into a registry of their own: they describe the process, not an
// app, and prom-client's collectors register observers that nothing can remove, so one set serves every
// app the process runs (tests run many). Each app's /metrics appends them to its own.
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * prom-client's event-loop gauges, left out: their collector resets its histogram at every scrape, so
 * two scrapers (two Prometheus servers, or one and a person with curl) each see only the time since the
 * other's scrape. event-loop-delay.ts measures the loop without resetting anything.
 */
export const RESET_BY_SCRAPE = [
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
];

let registry: Registry | undefined;

/** The process's registry of default metrics, made on first use. */
export function processMetrics(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const name of RESET_BY_SCRAPE) registry.removeSingleMetric(name);
  }
  return registry;
}
