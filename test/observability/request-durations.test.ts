// The latency histogram records without prom-client's per-answer work, and its exposition must stay
// exactly what prom-client's Histogram writes for the same answers (names, labels and their order,
// buckets, sums, series order), so dashboards and alerts see no change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { RequestDurations } from '../../src/observability/request-durations.ts';

const NAME = 'rollcall_http_request_duration_seconds';
const HELP = 'HTTP answers by route pattern (not the raw URL), method and status';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Answers as [method, route, status, seconds]: interleaved series, values on and between bounds, above the last. */
const ANSWERS: [string, string, number, number][] = [
  ['POST', '/v1/sessions/:id/heartbeat', 204, 0.0004],
  ['GET', '/v1/users', 200, 0.0025],
  ['POST', '/v1/sessions/:id/heartbeat', 204, 0.001],
  ['POST', '/v1/sessions/:id/heartbeat', 404, 0.0011],
  ['GET', 'unmatched', 404, 0.3],
  ['GET', '/v1/users', 200, 12.5],
  ['GET', '/v1/users', 401, 0.05],
  ['POST', '/v1/sessions/:id/heartbeat', 204, 10],
  ['GET', '/api/users/usersonline', 200, 0.1 + 0.2],
  ['POST', '/v1/sessions/:id/heartbeat', 204, 0.00012345],
];

function both() {
  const expected = new Registry();
  const actual = new Registry();
  const histogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers: [expected],
  });
  const durations = new RequestDurations({ name: NAME, help: HELP, buckets: BUCKETS, registers: [actual] });
  const answer = (method: string, route: string, status: number, seconds: number) => {
    histogram.observe({ method, route, status_code: String(status) }, seconds);
    durations.record(method, route, status, seconds);
  };
  return { expected, actual, answer };
}

describe('RequestDurations', () => {
  it('writes the exposition prom-client writes for the same answers', async () => {
    const { expected, actual, answer } = both();
    assert.equal(await actual.metrics(), await expected.metrics(), 'before any answer');
    for (const args of ANSWERS) answer(...args);
    const text = await actual.metrics();
    assert.equal(text, await expected.metrics());
    assert.match(
      text,
      /^rollcall_http_request_duration_seconds_bucket\{le="0\.001",method="POST",route="\/v1\/sessions\/:id\/heartbeat",status_code="204"\} 3$/m,
    );
    assert.match(text, /^rollcall_http_request_duration_seconds_count\{method="GET",route="\/v1\/users",status_code="200"\} 2$/m);
    // And again after more answers to series that exist.
    for (let i = 0; i < 1_000; i++) answer(...ANSWERS[i % ANSWERS.length]!);
    assert.equal(await actual.metrics(), await expected.metrics());
  });

  it('gives the same JSON values as prom-client', async () => {
    const { expected, actual, answer } = both();
    for (const args of ANSWERS) answer(...args);
    const strip = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      metrics.map(({ name, help, type, aggregator, values }) => ({
        name,
        help,
        type,
        aggregator,
        values: values.map(({ labels, value, metricName }: { labels: object; value: number; metricName?: string }) => ({
          labels,
          value,
          metricName,
        })),
      }));
    assert.deepEqual(strip(await actual.getMetricsAsJSON()), strip(await expected.getMetricsAsJSON()));
  });

  it('starts over when the registry resets its metrics', async () => {
    const { expected, actual, answer } = both();
    for (const args of ANSWERS) answer(...args);
    expected.resetMetrics();
    actual.resetMetrics();
    assert.equal(await actual.metrics(), await expected.metrics());
    answer('GET', '/healthz', 200, 0.002);
    assert.equal(await actual.metrics(), await expected.metrics());
    assert.match(await actual.metrics(), /route="\/healthz"/);
    assert.doesNotMatch(await actual.metrics(), /\/v1\/users/);
  });
});
