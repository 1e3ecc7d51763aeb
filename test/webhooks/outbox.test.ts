import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewWebhookDelivery, WebhookSubscription } from '../../src/history/history-store.ts';
import type { StreamEvent } from '../../src/stream/event-backlog.ts';
import { WebhookOutbox, deliveryBody } from '../../src/webhooks/outbox.ts';

const subscription = (id: number, events: WebhookSubscription['events'], active = true): WebhookSubscription => ({
  id,
  url: `http://127.0.0.1:9/${id}`,
  events,
  secret: 'secret-secret-secret',
  active,
  createdAt: 0,
});

const event = (id: number, type: StreamEvent['type']): StreamEvent => ({ id, type, userId: 'u1', data: JSON.stringify({ type, at: 1 }) });

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
  const history = fakeHistory([subscription(1, ['user.online']), subscription(2, ['user.online', 'user.offline']), subscription(3, ['user.online'], false)]);
  const errors: unknown[] = [];
  let written = 0;
  const outbox = new WebhookOutbox(history, { onError: (error) => errors.push(error), onWritten: () => written++, now: () => 5_000 });
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
