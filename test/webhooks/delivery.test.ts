// Webhook delivery end to end: a real server on port 0, sessions through the real ingest routes, and a
// real receiver (node:http on 127.0.0.1 port 0) that answers, fails, hangs and recovers.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/config/schema.ts';
import { request } from '../helpers/http.ts';
import { closeSession, heartbeat, openSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { SseClient } from '../stream/sse-client.ts';
import { expectedSignature, startReceiver, type Received, type Receiver } from './receiver.ts';

/**
 * Short backoffs, so retries happen within a test. The timeout stays generous: a loaded test machine
 * must not turn a slow answer into a timeout and a second delivery (the timeout test sets its own).
 */
const FAST: Partial<ConfigInput> = { webhookRetryBaseMs: 20, webhookRetryMaxMs: 100, webhookTimeoutMs: 5_000 };
const SECRET = 'test-webhook-secret-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const user = (id: string) => ({ user: { id, name: `User ${id}`, type: 'staff' } });

async function subscribe(server: TestServer, url: string, events: string[], secret = SECRET): Promise<number> {
  const answer = await request(server.url, 'POST', '/v1/webhooks', {
    headers: { ...server.admin, 'content-type': 'application/json' },
    body: { url, events, secret },
  });
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

async function deliveries(server: TestServer, id: number): Promise<any[]> {
  const answer = await request(server.url, 'GET', `/v1/webhooks/${id}/deliveries`, { headers: server.admin });
  assert.equal(answer.status, 200, answer.text);
  return answer.json.deliveries;
}

/** The subscription's newest delivery, once it has `status`. */
async function newestWhen(server: TestServer, id: number, status: string, what: string) {
  const [newest] = await waitFor(
    async () => {
      const list = await deliveries(server, id);
      return list[0]?.status === status ? list : undefined;
    },
    { what },
  );
  return newest;
}

describe('webhook delivery', () => {
  let server: TestServer;
  let receiver: Receiver;
  const subscriptions: number[] = [];

  before(async () => {
    server = await startTestServer(FAST);
  });
  after(async () => {
    await server.close();
  });
  afterEach(async () => {
    for (const id of subscriptions.splice(0)) await request(server.url, 'DELETE', `/v1/webhooks/${id}`, { headers: server.admin });
    await receiver.close();
  });

  it('POSTs each subscribed change as signed JSON: the stream event plus a delivery id', async () => {
    receiver = await startReceiver();
    const other = await startReceiver();
    try {
      subscriptions.push(await subscribe(server, receiver.url, ['user.online', 'session.ended']));
      subscriptions.push(await subscribe(server, other.url, ['session.started'], 'another-secret-0123456789'));
      const stream = await SseClient.connect(`${server.url}/v1/events?userId=signed`, server.admin);

      const id = await openSession(server, openBody(user('signed')));
      await closeSession(server, id);
      await waitFor(() => receiver.received.length >= 2 && other.received.length >= 1, { what: 'three deliveries' });
      const streamed = await stream.waitForEvents(4);
      stream.close();

      assert.deepEqual(receiver.received.map((r) => r.json.type).sort(), ['session.ended', 'user.online']);
      assert.deepEqual(
        other.received.map((r) => r.json.type),
        ['session.started'],
        'each subscription gets its own types only',
      );
      for (const [received, secret] of [
        ...receiver.received.map((r) => [r, SECRET] as const),
        [other.received[0]!, 'another-secret-0123456789'] as const,
      ]) {
        const { headers, json } = received;
        assert.equal(headers['content-type'], 'application/json');
        assert.match(String(headers['user-agent']), /^rollcall-webhooks\//);
        assert.equal(headers['x-rollcall-event'], json.type);
        assert.match(String(headers['x-rollcall-delivery']), UUID);
        assert.equal(headers['x-rollcall-delivery'], json.deliveryId, 'the body names the delivery too');
        const timestamp = Number(headers['x-rollcall-timestamp']);
        assert.ok(Math.abs(timestamp - Date.now() / 1000) < 60, 'a Unix-seconds timestamp');
        assert.equal(headers['x-rollcall-signature'], expectedSignature(secret, received), 'HMAC-SHA256 over "<timestamp>.<body>"');
        assert.notEqual(headers['x-rollcall-signature'], expectedSignature('wrong-secret-0123456789', received));

        // The body is the stream's event, with the delivery id and the stream's event id.
        const { deliveryId, eventId, ...event } = json;
        const same = streamed.find((e) => Number(e.id) === eventId);
        assert.ok(same, `stream event ${eventId}`);
        assert.deepEqual(event, same.json);
      }
      const ended = receiver.received.find((r) => r.json.type === 'session.ended')!.json;
      assert.equal(ended.reason, 'closed');
      assert.equal(ended.session.id, id);

      const listed = await deliveries(server, subscriptions[0]!);
      assert.equal(listed.length, 2);
      for (const delivery of listed) {
        assert.equal(delivery.status, 'delivered');
        assert.equal(delivery.attempts, 1);
        assert.equal(delivery.lastStatusCode, 204);
        assert.equal(delivery.lastError, undefined);
        assert.equal(delivery.nextAttemptAt, undefined);
        assert.ok(Number.isInteger(delivery.finishedAt));
      }
      assert.deepEqual(listed.map((d) => d.id).sort(), receiver.received.map((r) => r.json.deliveryId).sort());
    } finally {
      await other.close();
    }
  });

  it('delivers place.join and place.leave: a user entering a place and leaving it, once however many tabs', async () => {
    receiver = await startReceiver();
    subscriptions.push(await subscribe(server, receiver.url, ['place.join', 'place.leave']));
    const first = await openSession(server, openBody({ ...user('placed'), places: ['queue:billing'] }));
    const second = await openSession(server, openBody({ ...user('placed'), places: ['queue:billing'] }));
    await closeSession(server, first);
    await closeSession(server, second);
    await waitFor(() => receiver.received.length >= 2, { what: 'two deliveries' });
    // The deliveries may arrive in either order; each says what happened, by whom, where and when.
    const bodies = receiver.received.map(({ json }) => {
      const { deliveryId, eventId, at, ...rest } = json;
      assert.match(deliveryId, UUID);
      assert.ok(Number.isInteger(eventId) && Number.isInteger(at));
      return rest;
    });
    bodies.sort((a, b) => a.type.localeCompare(b.type));
    const placed = { id: 'placed', name: 'User placed', type: 'staff' };
    assert.deepEqual(bodies, [
      { type: 'place.join', place: 'queue:billing', user: placed, sessionId: first },
      { type: 'place.leave', place: 'queue:billing', user: placed, sessionId: second },
    ]);
    await waitFor(async () => (await deliveries(server, subscriptions[0]!)).every((d) => d.status === 'delivered'), {
      what: 'both recorded as delivered',
    });
    assert.equal(receiver.received.length, 2, 'the second tab joining and the first leaving said nothing');
  });

  it('retries a failing receiver with backoff until it recovers, always with the same delivery id', async () => {
    receiver = await startReceiver();
    receiver.behave({ status: 500 });
    const subscription = await subscribe(server, receiver.url, ['user.online']);
    subscriptions.push(subscription);
    await openSession(server, openBody(user('flaky')));

    await waitFor(() => receiver.received.length >= 3, { what: 'three failed attempts' });
    const [pending] = await deliveries(server, subscription);
    assert.equal(pending.status, 'pending');
    assert.ok(pending.attempts >= 3);
    assert.equal(pending.lastStatusCode, 500);
    assert.equal(pending.lastError, 'HTTP 500');
    assert.ok(Number.isInteger(pending.nextAttemptAt));

    receiver.behave({ status: 200 });
    const [delivered] = await waitFor(
      async () => {
        const list = await deliveries(server, subscription);
        return list[0]?.status === 'delivered' ? list : undefined;
      },
      { what: 'the delivery to succeed' },
    );
    assert.equal(delivered.lastStatusCode, 200);
    assert.equal(delivered.lastError, undefined);
    assert.equal(delivered.attempts, receiver.received.length);
    assert.equal(new Set(receiver.received.map((r) => r.headers['x-rollcall-delivery'])).size, 1, 'one delivery id for every attempt');
    assert.equal(new Set(receiver.received.map((r) => r.body)).size, 1, 'the same body every time');
    for (const received of receiver.received) assert.equal(received.headers['x-rollcall-signature'], expectedSignature(SECRET, received));
    // Backoff: later attempts wait longer than the first retry (20 ms at most) did.
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at);
    assert.ok(gaps.at(-1)! >= 10, `gaps ${gaps.join(', ')}`);
  });

  it('disables a subscription whose receiver answers 410 Gone, until it is activated again', async () => {
    receiver = await startReceiver();
    receiver.behave({ status: 410 });
    const subscription = await subscribe(server, receiver.url, ['user.online', 'user.offline']);
    subscriptions.push(subscription);
    const id = await openSession(server, openBody(user('gone')));

    const [failed] = await waitFor(
      async () => {
        const list = await deliveries(server, subscription);
        return list[0]?.status === 'failed' ? list : undefined;
      },
      { what: 'the 410 to be recorded' },
    );
    assert.equal(failed.lastStatusCode, 410);
    assert.equal(failed.attempts, 1);
    const disabled = await request(server.url, 'GET', `/v1/webhooks/${subscription}`, { headers: server.admin });
    assert.equal(disabled.json.active, false);
    assert.equal(disabled.json.disabledReason, 'the receiver answered 410 Gone');

    await closeSession(server, id); // user.offline: no delivery for an inactive subscription
    await server.rollcall.events.settled();
    receiver.behave({ status: 204 });
    const enabled = await request(server.url, 'PATCH', `/v1/webhooks/${subscription}`, {
      headers: { ...server.admin, 'content-type': 'application/json' },
      body: { active: true },
    });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(enabled.json.active, true);
    assert.equal(enabled.json.disabledReason, undefined);
    await openSession(server, openBody(user('gone-again')));
    await waitFor(() => receiver.received.some((r) => r.json.user?.id === 'gone-again'), { what: 'a delivery after re-enabling' });
    assert.equal(receiver.received.filter((r) => r.json.type === 'user.offline').length, 0, 'nothing was queued while inactive');
  });
});

describe('a receiver that never answers', () => {
  it('times out, and is retried', async () => {
    const server = await startTestServer({ ...FAST, webhookTimeoutMs: 300 });
    const receiver = await startReceiver();
    try {
      receiver.behave('hang');
      const subscription = await subscribe(server, receiver.url, ['user.online']);
      await openSession(server, openBody(user('hung')));

      const [timedOut] = await waitFor(
        async () => {
          const list = await deliveries(server, subscription);
          return list[0]?.attempts >= 1 ? list : undefined;
        },
        { what: 'a timed-out attempt' },
      );
      assert.equal(timedOut.status, 'pending');
      assert.equal(timedOut.lastError, 'timed out after 300 ms');
      assert.equal(timedOut.lastStatusCode, undefined);

      receiver.behave({ status: 202 });
      await waitFor(async () => (await deliveries(server, subscription))[0]?.status === 'delivered', { what: 'delivery after recovery' });
      assert.ok(receiver.received.length >= 2);
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});

describe('webhook retry horizon', () => {
  it('marks a delivery failed once retrying would pass the horizon', async () => {
    const horizonMs = 600;
    const server = await startTestServer({ ...FAST, webhookRetryHorizonMs: horizonMs });
    const receiver = await startReceiver();
    try {
      receiver.behave({ status: 503 });
      const subscription = await subscribe(server, receiver.url, ['user.online']);
      await openSession(server, openBody(user('hopeless')));
      const failed = await newestWhen(server, subscription, 'failed', 'the delivery to be given up');
      assert.ok(failed.attempts >= 1);
      assert.equal(failed.lastStatusCode, 503);
      assert.equal(failed.lastError, 'HTTP 503');
      assert.equal(failed.nextAttemptAt, undefined);
      assert.equal(receiver.received.length, failed.attempts, 'every attempt was recorded, and none came after');
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});

describe('webhook redelivery', () => {
  const redeliver = (server: TestServer, subscription: number, deliveryId: string) =>
    request(server.url, 'POST', `/v1/webhooks/${subscription}/deliveries/${deliveryId}/redeliver`, { headers: server.admin });

  it('sends a delivered delivery again, with the same delivery id and body, signed anew', async () => {
    const server = await startTestServer(FAST);
    const receiver = await startReceiver();
    try {
      const subscription = await subscribe(server, receiver.url, ['user.online']);
      await openSession(server, openBody(user('twice')));
      const delivered = await newestWhen(server, subscription, 'delivered', 'the first delivery');
      const answer = await redeliver(server, subscription, delivered.id);
      assert.equal(answer.status, 202, answer.text);
      assert.deepEqual(
        [answer.json.id, answer.json.status, answer.json.attempts, answer.json.lastStatusCode, answer.json.finishedAt],
        [delivered.id, 'pending', 1, 204, undefined],
      );
      assert.ok(answer.json.redeliveredAt >= delivered.finishedAt && answer.json.nextAttemptAt === answer.json.redeliveredAt);

      await waitFor(() => receiver.received.length === 2, { what: 'the second POST' });
      const [first, second] = receiver.received as [Received, Received];
      assert.equal(second.headers['x-rollcall-delivery'], delivered.id, 'the same delivery id, so the receiver can ignore it');
      assert.equal(second.body, first.body, 'the same body');
      assert.equal(second.headers['x-rollcall-signature'], expectedSignature(SECRET, second));
      const again = await newestWhen(server, subscription, 'delivered', 'the redelivery recorded');
      assert.deepEqual([again.attempts, again.redeliveredAt], [2, answer.json.redeliveredAt]);
      assert.equal(receiver.received.length, 2, 'sent once more, not more');
    } finally {
      await receiver.close();
      await server.close();
    }
  });

  it('retries a failed delivery anew, its horizon counted from the redelivery, until the receiver takes it', async () => {
    const server = await startTestServer({ ...FAST, webhookRetryHorizonMs: 600 });
    const receiver = await startReceiver();
    try {
      receiver.behave({ status: 503 });
      const subscription = await subscribe(server, receiver.url, ['user.online']);
      await openSession(server, openBody(user('given-up')));
      const failed = await newestWhen(server, subscription, 'failed', 'the delivery to be given up');
      const answer = await redeliver(server, subscription, failed.id);
      assert.equal(answer.status, 202, answer.text);
      // The event is older than the horizon: counted from the event, one failed attempt would end it.
      await waitFor(() => receiver.received.length >= failed.attempts + 2, { what: 'more than one attempt after the redelivery' });
      receiver.behave({ status: 204 });
      const delivered = await newestWhen(server, subscription, 'delivered', 'the redelivery to get through');
      assert.equal(delivered.id, failed.id);
      assert.ok(delivered.attempts >= failed.attempts + 3);
      assert.ok(receiver.received.every((r) => r.headers['x-rollcall-delivery'] === failed.id));
    } finally {
      await receiver.close();
      await server.close();
    }
  });

  it('refuses a delivery that is pending (409), and leaves it as it is', async () => {
    const server = await startTestServer(FAST);
    const receiver = await startReceiver();
    try {
      receiver.behave('hang');
      const subscription = await subscribe(server, receiver.url, ['user.online']);
      await openSession(server, openBody(user('in-flight')));
      await waitFor(() => receiver.received.length === 1, { what: 'the attempt in flight' });
      const [pending] = await deliveries(server, subscription);
      const answer = await redeliver(server, subscription, pending.id);
      assert.equal(answer.status, 409, answer.text);
      assert.deepEqual(answer.json.error, {
        code: 'conflict',
        message: `delivery ${pending.id} is pending already: it is attempted when its next attempt is due`,
      });
      assert.deepEqual(await deliveries(server, subscription), [pending]);
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});

describe('webhooks and ingest', () => {
  it('a receiver that hangs never slows ingest; deliveries stay within the concurrency', async () => {
    const server = await startTestServer({ webhookConcurrency: 2, webhookTimeoutMs: 60_000 });
    const receiver = await startReceiver();
    try {
      receiver.behave('hang');
      await subscribe(server, receiver.url, ['session.started', 'session.updated', 'session.ended', 'user.online', 'user.offline']);
      const latencies: number[] = [];
      const ids: number[] = [];
      for (let n = 0; n < 40; n++) {
        const started = performance.now();
        const id = await openSession(server, openBody(user(`busy-${n}`)));
        await heartbeat(server, id);
        latencies.push(performance.now() - started);
        ids.push(id);
      }
      await waitFor(() => receiver.open === 2, { what: 'two hanging deliveries' });
      for (const id of ids.slice(0, 10)) {
        const started = performance.now();
        await heartbeat(server, id);
        latencies.push(performance.now() - started);
      }
      const slowest = Math.max(...latencies);
      assert.ok(slowest < 1_000, `slowest ingest call took ${Math.round(slowest)} ms`);
      assert.equal(receiver.mostOpen, 2, 'at most webhookConcurrency deliveries at once');
      await waitFor(async () => (await server.rollcall.history.countPendingWebhookDeliveries()) === 80, { what: '80 pending deliveries' });

      // Stopping aborts the hanging attempts instead of waiting out their timeout.
      const stopping = performance.now();
      await server.close();
      assert.ok(performance.now() - stopping < 5_000);
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});

describe('a receiver that is down', () => {
  it('rests as a whole: after a timed-out attempt its other deliveries wait for the retry', async () => {
    const server = await startTestServer({
      webhookConcurrency: 2,
      webhookTimeoutMs: 200,
      webhookRetryBaseMs: 4_000,
      webhookRetryMaxMs: 4_000,
    });
    const receiver = await startReceiver();
    try {
      receiver.behave('hang');
      const subscription = await subscribe(server, receiver.url, ['session.started']);
      for (let n = 0; n < 10; n++) await openSession(server, openBody(user(`down-${n}`)));
      const { history } = server.rollcall;
      const failed = await waitFor(
        async () => {
          const list = await history.listWebhookDeliveries(subscription);
          return list.length === 10 && list.some((d) => d.attempts > 0) ? list : undefined;
        },
        { what: 'a timed-out attempt' },
      );
      const now = Date.now();
      const waiting = failed.filter((d) => d.status === 'pending' && d.attempts === 0);
      assert.ok(waiting.length >= 8, `${waiting.length} never tried`);
      for (const delivery of waiting) {
        assert.ok(delivery.nextAttemptAt! > now + 500, `deferred with the failed one (due in ${delivery.nextAttemptAt! - now} ms)`);
      }
      assert.ok(receiver.received.length <= 2, 'no more attempts than the slots that found it down');
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});

describe('webhooks across a restart', () => {
  // An attempt that a stop cuts off is due again when its claim lapses (timeout + 1 s): keep that short.
  const RESTARTING: Partial<ConfigInput> = { ...FAST, webhookRetryBaseMs: 200, webhookRetryMaxMs: 200, webhookTimeoutMs: 1_000 };

  it('resumes a pending delivery after a restart, with the same delivery id', async () => {
    const receiver = await startReceiver();
    receiver.behave({ status: 500 });
    let server = await startTestServer(RESTARTING);
    const dir = server.dataDir;
    try {
      const subscription = await subscribe(server, receiver.url, ['user.online']);
      await openSession(server, openBody(user('restart')));
      await waitFor(() => receiver.received.length >= 1, { what: 'a failed attempt' });
      await server.close({ keepData: true });
      const failedAttempts = receiver.received.length;
      const deliveryId = receiver.received[0]!.headers['x-rollcall-delivery'];

      receiver.behave({ status: 204 });
      server = await startTestServer(RESTARTING, dir);
      await waitFor(async () => (await deliveries(server, subscription))[0]?.status === 'delivered', {
        what: 'delivery after the restart',
      });
      assert.ok(receiver.received.length > failedAttempts);
      assert.ok(
        receiver.received.every((r) => r.headers['x-rollcall-delivery'] === deliveryId),
        'the same delivery, resumed',
      );
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  it('delivers after a restart what changed while stopping (sessions ended by the shutdown)', async () => {
    const receiver = await startReceiver();
    let server = await startTestServer(FAST);
    const dir = server.dataDir;
    try {
      await subscribe(server, receiver.url, ['session.ended']);
      const id = await openSession(server, openBody(user('shutdown')));
      await server.close({ keepData: true });
      assert.equal(receiver.received.length, 0, 'nothing sent while stopping');

      server = await startTestServer(FAST, dir);
      await waitFor(() => receiver.received.length >= 1, { what: 'the shutdown end to be delivered' });
      const [ended] = receiver.received;
      assert.equal(ended!.json.type, 'session.ended');
      assert.equal(ended!.json.reason, 'server_shutdown');
      assert.equal(ended!.json.session.id, id);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
