import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewWebhookDelivery, WebhookSubscription } from '../../src/history/history-store.ts';
import type { StreamEvent } from '../../src/stream/event-backlog.ts';
import { WebhookOutbox, deliveryBody } from '../../src/webhooks/outbox.ts';
import { deliveryId } from '../../src/webhooks/delivery-id.ts';

const subscription = (id: number, events: WebhookSubscription['events'], active = true): WebhookSubscription => ({
  id,
  url: `http://127.0.0.1:9/${id}`,
  events,
  secret: 'secret-secret-secret',
  active,
  createdAt: 0,
});

const event = (id: number, type: StreamEvent['type']): StreamEvent => ({
  id,
  type,
  userId: 'u1',
  places: [],
  data: JSON.stringify({ type, at: 1 }),
});

/** The two store calls the outbox makes; a write fails while `failing` is set. */
function fakeHistory(subscriptions: WebhookSubscription[]) {
  const written: NewWebhookDelivery[] = [];
  const history = {
    failing: false,
    written,
    async listWebhooks() {
      return subscriptions;
    },
    async enqueueWebhookDeliveries(deliveries: readonly NewWebhookDelivery[]) {
      if (history.failing) throw new Error('disk full');
      written.push(...deliveries);
    },
  };
  return history;
}

test('a delivery body is the event JSON with the delivery id and the event id in front', () => {
  const body = deliveryBody(event(42, 'user.online'), 'd-1');
  assert.equal(body, '{"deliveryId":"d-1","eventId":42,"type":"user.online","at":1}');
  assert.deepEqual(JSON.parse(body), { deliveryId: 'd-1', eventId: 42, type: 'user.online', at: 1 });
});

test('the outbox matches events to active subscriptions and keeps a batch whose write failed', async () => {
  const history = fakeHistory([
    subscription(1, ['user.online']),
    subscription(2, ['user.online', 'user.offline']),
    subscription(3, ['user.online'], false),
  ]);
  const errors: unknown[] = [];
  let written = 0;
  const outbox = new WebhookOutbox(history, {
    origin: 'node-a',
    onError: (error) => errors.push(error),
    onWritten: () => written++,
    now: () => 5_000,
  });
  await outbox.refresh();

  outbox.accept(event(1, 'user.online'));
  outbox.accept(event(2, 'user.offline'));
  outbox.accept(event(3, 'session.started'));
  history.failing = true;
  await outbox.flush();
  assert.equal(errors.length, 1);
  assert.equal(history.written.length, 0);
  assert.equal(written, 0);

  history.failing = false;
  await outbox.flush();
  assert.equal(written, 1);
  assert.deepEqual(
    history.written.map((d) => [d.subscriptionId, d.eventType, d.createdAt]),
    [
      [1, 'user.online', 5_000],
      [2, 'user.online', 5_000],
      [2, 'user.offline', 5_000],
    ],
  );
  for (const delivery of history.written) assert.equal(JSON.parse(delivery.payload).deliveryId, delivery.id);
  assert.equal(new Set(history.written.map((d) => d.id)).size, 3, 'every delivery has its own id');
});

test('a delivery id follows from the change and the subscription: the same on every node, distinct otherwise', () => {
  const id = deliveryId('node-a', 1_754_300_000_000_001, 7);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version 8 UUID');
  assert.equal(deliveryId('node-a', 1_754_300_000_000_001, 7), id);
  const others = [
    deliveryId('node-b', 1_754_300_000_000_001, 7),
    deliveryId('node-a', 1_754_300_000_000_002, 7),
    deliveryId('node-a', 1_754_300_000_000_001, 8),
  ];
  assert.equal(new Set([id, ...others]).size, 4);
});

test('the same change accepted twice (a retry, another node) makes the same deliveries', async () => {
  const history = fakeHistory([subscription(1, ['user.online'])]);
  const outbox = (origin: string) =>
    new WebhookOutbox(history, { origin, onError: (error) => assert.fail(String(error)), now: () => 5_000 });
  const first = outbox('node-a');
  const second = outbox('node-a');
  await first.refresh();
  await second.refresh();
  first.accept(event(9, 'user.online'));
  second.accept(event(9, 'user.online'));
  await first.flush();
  await second.flush();
  assert.equal(history.written.length, 2);
  assert.deepEqual(history.written[0], history.written[1], 'byte for byte the same delivery, which the store keeps once');
});
