// Webhook receivers kept apart: one that hangs, one that fails now and then, and one that is healthy,
// all subscribed to the same changes on one server. The hanging one holds no more than its share of
// slots, the flaky one retries only what failed, and the healthy one is served as if alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/http.ts';
import { openSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const CHANGES = 40;
/** Long enough that no hanging attempt times out before the others are done: what is measured is who waits for whom. */
const TIMEOUT_MS = 8_000;

async function subscribe(server: TestServer, receiver: Receiver): Promise<number> {
  const answer = await request(server.url, 'POST', '/v1/webhooks', {
    headers: { ...server.admin, 'content-type': 'application/json' },
    body: { url: receiver.url, events: ['session.started'], secret: 'isolation-secret-0123456789' },
  });
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

const distinct = (receiver: Receiver) => new Set(receiver.received.map((r) => r.headers['x-rollcall-delivery'])).size;

test('a hanging and a flaky receiver leave a healthy one unaffected', async (t) => {
  // The defaults: 8 slots, 4 per receiver, and the first retry after 10 s.
  const server = await startTestServer({ webhookTimeoutMs: TIMEOUT_MS });
  const [hanging, flaky, healthy] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  t.after(async () => {
    for (const receiver of [hanging, flaky, healthy]) await receiver.close();
    await server.close();
  });
  hanging.behave('hang');
  flaky.behave({ every: 10, status: 500 });
  for (const receiver of [hanging, flaky, healthy]) await subscribe(server, receiver);

  const started = Date.now();
  for (let n = 0; n < CHANGES; n++) await openSession(server, openBody({ user: { id: `u${n}`, name: `User ${n}`, type: 'staff' } }));

  // The healthy receiver gets every delivery while the hanging receiver's first attempts still hang:
  // it never waited for their timeout.
  await waitFor(() => distinct(healthy) === CHANGES, { timeoutMs: TIMEOUT_MS, what: 'every delivery at the healthy receiver' });
  const healthyDoneMs = Date.now() - started;
  assert.ok(hanging.open > 0, 'the hanging attempts are still open');
  assert.ok(hanging.mostOpen <= 4, `the hanging receiver held ${hanging.mostOpen} slots at most, its share`);

  // The flaky receiver's 500s retry on their own schedule (10 s); the rest of its queue went on.
  const failures = Math.floor(flaky.received.length / 10);
  await waitFor(() => distinct(flaky) === CHANGES, { timeoutMs: TIMEOUT_MS, what: 'every flaky delivery tried once' });
  assert.ok(failures >= 1, 'it did fail now and then');
  assert.equal(hanging.received.length, hanging.open, 'no hanging attempt was given up yet');
  const latencies = healthy.received.map((r) => r.at - started).sort((a, b) => a - b);
  t.diagnostic(
    `healthy: ${CHANGES} delivered in ${healthyDoneMs} ms (p50 ${latencies[Math.floor(latencies.length / 2)]} ms after the first change); hanging held ${hanging.mostOpen} slots; flaky: ${failures} failed attempts, all ${CHANGES} tried in ${Date.now() - started} ms`,
  );
});
