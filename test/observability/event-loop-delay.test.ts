// The event-loop delay histogram on its own: cumulative buckets that only grow, a stall counted once in
// the right bucket, and reading it (however often, however many at once) changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { EventLoopDelay } from '../../src/observability/event-loop-delay.ts';
import { waitFor } from '../helpers/server.ts';

interface Read {
  buckets: Map<string, number>;
  sum: number;
  count: number;
}

async function read(delay: EventLoopDelay): Promise<Read> {
  const { values } = await delay.get();
  const buckets = new Map<string, number>();
  let sum = 0;
  let count = 0;
  for (const { metricName, labels, value } of values) {
    if (metricName.endsWith('_bucket')) buckets.set(String(labels.le), value);
    else if (metricName.endsWith('_sum')) sum = value;
    else count = value;
  }
  return { buckets, sum, count };
}

test('a 150 ms stall lands above the 0.1 s bound and below 0.25 s; reads reset nothing', async (t) => {
  const registry = new Registry();
  const delay = new EventLoopDelay([registry]);
  t.after(() => delay.close());
  await waitFor(async () => (await read(delay)).count >= 5, { what: 'the first samples' });
  const before = await read(delay);
  const until = Date.now() + 150;
  while (Date.now() < until); // the stall
  const after = await waitFor(
    async () => {
      const now = await read(delay);
      return now.count - now.buckets.get('0.1')! > before.count - before.buckets.get('0.1')! ? now : undefined;
    },
    { what: 'the stall' },
  );
  assert.equal(
    after.buckets.get('0.25')! - before.buckets.get('0.25')!,
    after.count - before.count,
    'under 0.25 s beyond its interval, like every other sample',
  );
  assert.ok(after.sum - before.sum >= 0.13, `the stall's delay is in the sum (${after.sum - before.sum} s)`);

  // Buckets are cumulative and never shrink, and concurrent reads agree with a later one.
  const [one, two] = await Promise.all([read(delay), read(delay)]);
  for (const taken of [one, two, await read(delay)]) {
    const values = [...taken.buckets.values()];
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      'cumulative',
    );
    assert.equal(values.at(-1), taken.count, '+Inf is the count');
    for (const [le, n] of after.buckets) assert.ok(taken.buckets.get(le)! >= n, `le=${le} never goes down`);
  }
  assert.match(await registry.metrics(), /^# TYPE rollcall_event_loop_delay_seconds histogram$/m);
});
