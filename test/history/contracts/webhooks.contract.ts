// The WebhookStore contract: subscriptions and the outbox of deliveries (enqueue, claim, attempts, expiry).
// Run against every implementation by describeHistoryStoreContract (../history-store.contract.ts).

import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NewWebhookDelivery, WebhookStore } from '../../../src/history/history-store.ts';
import { freshStorePerTest, rejectsWith, type OpenStore } from './common.ts';

export function describeWebhookStoreContract(name: string, open: OpenStore<WebhookStore>): void {
  describe(`WebhookStore contract: ${name}`, () => {
    let store: WebhookStore;
    freshStorePerTest(open, (opened) => (store = opened));

    const delivery = (id: string, subscriptionId: number, createdAt: number): NewWebhookDelivery => ({
      id,
      subscriptionId,
      eventType: 'session.started',
      payload: JSON.stringify({ type: 'session.started', deliveryId: id }),
      createdAt,
    });

    describe('webhook subscriptions', () => {
      const newWebhook = (url = 'https://hooks.example.test/rollcall') =>
        store.createWebhook({ url, events: ['user.online', 'user.offline'], secret: 'whsec_0123456789abcdef' });

      it('creates a subscription, active, and finds it by id; lists in creation order', async () => {
        const before = Date.now();
        const created = await newWebhook();
        const after = Date.now();
        assert.equal(typeof created.id, 'number');
        assert.equal(created.url, 'https://hooks.example.test/rollcall');
        assert.deepEqual(created.events, ['user.online', 'user.offline']);
        assert.equal(created.secret, 'whsec_0123456789abcdef');
        assert.equal(created.active, true);
        assert.ok(created.createdAt >= before && created.createdAt <= after);
        assert.ok(!('disabledReason' in created));
        assert.deepEqual(await store.getWebhook(created.id), created);
        const second = await newWebhook('http://127.0.0.1:9/second');
        assert.deepEqual(await store.listWebhooks(), [created, second]);
        assert.equal(await store.getWebhook(987_654), undefined);
      });

      it('refuses an unknown event type or none', async () => {
        await rejectsWith(
          store.createWebhook({ url: 'https://x.test/', events: ['user.away' as 'user.online'], secret: 's' }),
          'invalid_parameter',
        );
        await rejectsWith(store.createWebhook({ url: 'https://x.test/', events: [], secret: 's' }), 'invalid_parameter');
        assert.deepEqual(await store.listWebhooks(), []);
      });

      it('changes only the fields given; a reason is kept while inactive and cleared on activation', async () => {
        const created = await newWebhook();
        const disabled = await store.updateWebhook(created.id, { active: false, disabledReason: 'receiver answered 410 Gone' });
        assert.deepEqual(disabled, { ...created, active: false, disabledReason: 'receiver answered 410 Gone' });
        const moved = await store.updateWebhook(created.id, { url: 'https://new.example.test/', events: ['session.ended'] });
        assert.deepEqual(moved, {
          ...created,
          url: 'https://new.example.test/',
          events: ['session.ended'],
          active: false,
          disabledReason: 'receiver answered 410 Gone',
        });
        const enabled = await store.updateWebhook(created.id, { active: true });
        assert.deepEqual(enabled, { ...created, url: 'https://new.example.test/', events: ['session.ended'] });
        assert.ok(enabled && !('disabledReason' in enabled));
        assert.deepEqual(await store.getWebhook(created.id), enabled);
        assert.equal(await store.updateWebhook(987_654, { active: false }), undefined);
      });

      it('removes a subscription with its deliveries, answering false when there is none', async () => {
        const a = await newWebhook();
        const b = await newWebhook('https://b.example.test/');
        await store.enqueueWebhookDeliveries([delivery('d-a', a.id, 1_000), delivery('d-b', b.id, 1_000)]);
        assert.equal(await store.removeWebhook(a.id), true);
        assert.equal(await store.getWebhook(a.id), undefined);
        assert.deepEqual(await store.listWebhookDeliveries(a.id), []);
        assert.equal((await store.listWebhookDeliveries(b.id)).length, 1);
        assert.equal(await store.countPendingWebhookDeliveries(), 1);
        assert.equal(await store.removeWebhook(a.id), false);
      });
    });

    describe('webhook outbox', () => {
      let subscriptionId: number;
      beforeEach(async () => {
        subscriptionId = (await store.createWebhook({ url: 'http://127.0.0.1:9/hook', events: ['session.started'], secret: 's3cret' })).id;
      });

      it('enqueues deliveries pending and due at once, and lists them newest first', async () => {
        await store.enqueueWebhookDeliveries([delivery('d1', subscriptionId, 1_000), delivery('d2', subscriptionId, 1_001)]);
        const listed = await store.listWebhookDeliveries(subscriptionId);
        assert.deepEqual(listed, [
          { ...delivery('d2', subscriptionId, 1_001), status: 'pending', attempts: 0, nextAttemptAt: 1_001 },
          { ...delivery('d1', subscriptionId, 1_000), status: 'pending', attempts: 0, nextAttemptAt: 1_000 },
        ]);
        for (const field of ['lastAttemptAt', 'lastStatusCode', 'lastError', 'finishedAt'])
          assert.ok(!(field in listed[0]!), `no ${field} key`);
        assert.equal(await store.countPendingWebhookDeliveries(), 2);
        assert.deepEqual(
          (await store.listWebhookDeliveries(subscriptionId, { limit: 1 })).map((d) => d.id),
          ['d2'],
        );
      });

      it('keeps a replayed delivery as it was, and drops deliveries of a removed subscription', async () => {
        await store.enqueueWebhookDeliveries([delivery('d1', subscriptionId, 1_000)]);
        await store.enqueueWebhookDeliveries([
          { ...delivery('d1', subscriptionId, 5_000), payload: '{"other":true}' },
          delivery('d9', 987_654, 1_000),
        ]);
        const listed = await store.listWebhookDeliveries(subscriptionId);
        assert.deepEqual(
          listed.map((d) => [d.id, d.createdAt, d.payload]),
          [['d1', 1_000, delivery('d1', subscriptionId, 1_000).payload]],
        );
        assert.equal(await store.countPendingWebhookDeliveries(), 1);
      });

      it('claims due deliveries earliest first, at most `limit`, and leases them until the given time', async () => {
        await store.enqueueWebhookDeliveries([
          delivery('late', subscriptionId, 3_000),
          delivery('early', subscriptionId, 1_000),
          delivery('mid', subscriptionId, 2_000),
        ]);
        assert.deepEqual(await store.claimDueWebhookDeliveries(999, 10, 60_000), [], 'nothing is due yet');
        const claimed = await store.claimDueWebhookDeliveries(2_500, 1, 60_000);
        assert.deepEqual(
          claimed.map((c) => [c.delivery.id, c.url, c.secret, c.delivery.nextAttemptAt]),
          [['early', 'http://127.0.0.1:9/hook', 's3cret', 60_000]],
        );
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(2_500, 10, 60_000)).map((c) => c.delivery.id),
          ['mid'],
          'a claimed one is not handed out again',
        );
        assert.deepEqual(await store.claimDueWebhookDeliveries(2_500, 10, 60_000), []);
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(60_000, 10, 120_000)).map((c) => c.delivery.id),
          ['late', 'early', 'mid'],
          'a lapsed claim is due again, after what was due before it',
        );
        assert.deepEqual(await store.claimDueWebhookDeliveries(200_000, 0, 300_000), []);
      });

      it('passes over the subscriptions it is told to skip, in claims and in when the next is due', async () => {
        const other = (await store.createWebhook({ url: 'http://127.0.0.1:9/other', events: ['session.started'], secret: 's3cret' })).id;
        await store.enqueueWebhookDeliveries([
          delivery('busy-1', subscriptionId, 1_000),
          delivery('free-1', other, 2_000),
          delivery('busy-2', subscriptionId, 3_000),
        ]);
        assert.equal(await store.nextWebhookAttemptAt([subscriptionId]), 2_000);
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(5_000, 10, 60_000, [subscriptionId])).map((c) => c.delivery.id),
          ['free-1'],
        );
        assert.equal(await store.nextWebhookAttemptAt([subscriptionId]), 60_000, 'the other one is claimed: due when its claim lapses');
        assert.equal(await store.nextWebhookAttemptAt([subscriptionId, other]), undefined);
        assert.equal(await store.nextWebhookAttemptAt([]), 1_000);
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(5_000, 10, 60_000, [])).map((c) => c.delivery.id),
          ['busy-1', 'busy-2'],
        );
      });

      it('hands back claims that were not attempted, due again at once, and leaves finished ones alone', async () => {
        await store.enqueueWebhookDeliveries([
          delivery('a', subscriptionId, 1_000),
          delivery('b', subscriptionId, 1_000),
          delivery('c', subscriptionId, 1_000),
        ]);
        assert.equal((await store.claimDueWebhookDeliveries(5_000, 10, 60_000)).length, 3);
        await store.recordWebhookAttempt('c', { status: 'delivered', at: 5_100, statusCode: 204 });
        assert.equal(await store.releaseWebhookClaims(['a', 'b', 'c', 'unknown'], 5_200), 2);
        assert.equal(await store.releaseWebhookClaims([], 5_200), 0);
        assert.deepEqual((await store.claimDueWebhookDeliveries(5_200, 10, 60_000)).map((c) => c.delivery.id).sort(), ['a', 'b']);
        const [delivered] = await store.listWebhookDeliveries(subscriptionId, { status: 'delivered' });
        assert.equal(delivered?.finishedAt, 5_100);
      });

      it('claims nothing of an inactive subscription until it is active again', async () => {
        await store.enqueueWebhookDeliveries([delivery('d1', subscriptionId, 1_000)]);
        await store.updateWebhook(subscriptionId, { active: false });
        assert.deepEqual(await store.claimDueWebhookDeliveries(5_000, 10, 10_000), []);
        assert.equal(await store.nextWebhookAttemptAt(), undefined, 'nothing it could claim is due');
        await store.updateWebhook(subscriptionId, { active: true });
        assert.equal(await store.nextWebhookAttemptAt(), 1_000);
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(5_000, 10, 10_000)).map((c) => c.delivery.id),
          ['d1'],
        );
      });

      it("defers a subscription's pending deliveries that are due sooner, and no others", async () => {
        const other = (await store.createWebhook({ url: 'http://127.0.0.1:9/other', events: ['session.started'], secret: 's3cret' })).id;
        await store.enqueueWebhookDeliveries([
          delivery('soon', subscriptionId, 1_000),
          delivery('late', subscriptionId, 9_000),
          delivery('done', subscriptionId, 1_000),
          delivery('elsewhere', other, 1_000),
        ]);
        await store.claimDueWebhookDeliveries(1_000, 10, 1_000);
        await store.recordWebhookAttempt('done', { status: 'delivered', at: 1_000 });
        assert.equal(await store.deferWebhookDeliveries(subscriptionId, 5_000), 1);
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(4_999, 10, 200_000)).map((c) => c.delivery.id),
          ['elsewhere'],
        );
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(5_000, 10, 200_000)).map((c) => c.delivery.id),
          ['soon'],
        );
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(9_000, 10, 200_000)).map((c) => c.delivery.id),
          ['late'],
        );
        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        assert.equal(byId.get('done')?.status, 'delivered');
        assert.equal(await store.deferWebhookDeliveries(987_654, 5_000), 0);
      });

      it('answers when the earliest pending delivery is due', async () => {
        assert.equal(await store.nextWebhookAttemptAt(), undefined);
        await store.enqueueWebhookDeliveries([delivery('b', subscriptionId, 2_000), delivery('a', subscriptionId, 1_500)]);
        assert.equal(await store.nextWebhookAttemptAt(), 1_500);
        await store.claimDueWebhookDeliveries(1_500, 1, 9_000);
        assert.equal(await store.nextWebhookAttemptAt(), 2_000, 'a claimed delivery is due when its claim lapses');
        await store.recordWebhookAttempt('b', { status: 'delivered', at: 2_000 });
        await store.claimDueWebhookDeliveries(2_000, 10, 9_000);
        assert.equal(await store.nextWebhookAttemptAt(), 9_000);
      });

      it('records attempts: a retry stays pending with its next time, success and failure finish it', async () => {
        await store.enqueueWebhookDeliveries([delivery('ok', subscriptionId, 1_000), delivery('bad', subscriptionId, 1_000)]);
        await store.claimDueWebhookDeliveries(1_000, 10, 9_000);
        assert.equal(
          await store.recordWebhookAttempt('ok', {
            status: 'pending',
            at: 1_100,
            statusCode: 500,
            error: 'HTTP 500',
            nextAttemptAt: 2_000,
          }),
          true,
        );
        assert.equal(
          await store.recordWebhookAttempt('bad', {
            status: 'pending',
            at: 1_100,
            error: 'timed out after 10000 ms',
            nextAttemptAt: 3_000,
          }),
          true,
        );
        let [okRow] = await store
          .listWebhookDeliveries(subscriptionId, { limit: 10, status: 'pending' })
          .then((rows) => rows.filter((d) => d.id === 'ok'));
        assert.deepEqual(
          [
            okRow?.status,
            okRow?.attempts,
            okRow?.lastAttemptAt,
            okRow?.lastStatusCode,
            okRow?.lastError,
            okRow?.nextAttemptAt,
            okRow?.finishedAt,
          ],
          ['pending', 1, 1_100, 500, 'HTTP 500', 2_000, undefined],
        );
        assert.deepEqual(
          (await store.claimDueWebhookDeliveries(2_000, 10, 9_000)).map((c) => c.delivery.attempts),
          [1],
        );
        assert.equal(await store.recordWebhookAttempt('ok', { status: 'delivered', at: 2_050, statusCode: 204 }), true);
        assert.equal(await store.recordWebhookAttempt('bad', { status: 'failed', at: 2_060, statusCode: 410, error: 'HTTP 410' }), true);
        assert.equal(await store.recordWebhookAttempt('ok', { status: 'failed', at: 2_070 }), false, 'a finished delivery stays as it is');
        assert.equal(await store.recordWebhookAttempt('ghost', { status: 'delivered', at: 2_070 }), false);

        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        okRow = byId.get('ok');
        assert.deepEqual(
          [okRow?.status, okRow?.attempts, okRow?.lastStatusCode, okRow?.lastError, okRow?.finishedAt, okRow?.nextAttemptAt],
          ['delivered', 2, 204, undefined, 2_050, undefined],
        );
        const badRow = byId.get('bad');
        assert.deepEqual([badRow?.status, badRow?.attempts, badRow?.lastStatusCode, badRow?.finishedAt], ['failed', 2, 410, 2_060]);
        assert.equal(await store.countPendingWebhookDeliveries(), 0);
        assert.deepEqual(
          (await store.listWebhookDeliveries(subscriptionId, { status: 'failed' })).map((d) => d.id),
          ['bad'],
        );
        assert.deepEqual(await store.claimDueWebhookDeliveries(100_000, 10, 200_000), []);
      });

      it('expires pending deliveries older than the horizon and prunes finished ones', async () => {
        await store.enqueueWebhookDeliveries([
          delivery('old', subscriptionId, 1_000),
          delivery('new', subscriptionId, 5_000),
          delivery('done', subscriptionId, 1_000),
        ]);
        await store.claimDueWebhookDeliveries(1_000, 10, 1_000);
        await store.recordWebhookAttempt('done', { status: 'delivered', at: 1_500, statusCode: 200 });
        assert.equal(await store.expireWebhookDeliveries(5_000, 6_000, 'gave up'), 1);
        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        assert.deepEqual([byId.get('old')?.status, byId.get('old')?.lastError, byId.get('old')?.finishedAt], ['failed', 'gave up', 6_000]);
        assert.equal(byId.get('new')?.status, 'pending');
        assert.equal(await store.pruneWebhookDeliveries(2_000), 1, 'only "done" finished before 2,000');
        assert.deepEqual((await store.listWebhookDeliveries(subscriptionId)).map((d) => d.id).sort(), ['new', 'old']);
        assert.equal(await store.pruneWebhookDeliveries(7_000), 1);
        assert.deepEqual(
          (await store.listWebhookDeliveries(subscriptionId)).map((d) => d.id),
          ['new'],
          'pending ones are never pruned',
        );
      });

      it('redelivers a delivered or failed delivery: pending again, due at once, same id and body, a horizon of its own', async () => {
        const other = (await store.createWebhook({ url: 'http://127.0.0.1:9/other', events: ['session.started'], secret: 's3cret' })).id;
        await store.enqueueWebhookDeliveries([
          delivery('sent', subscriptionId, 1_000),
          delivery('lost', subscriptionId, 1_000),
          delivery('waiting', subscriptionId, 1_000),
        ]);
        await store.claimDueWebhookDeliveries(1_000, 10, 9_000);
        await store.recordWebhookAttempt('sent', { status: 'delivered', at: 1_100, statusCode: 204 });
        await store.recordWebhookAttempt('lost', {
          status: 'pending',
          at: 1_100,
          statusCode: 503,
          error: 'HTTP 503',
          nextAttemptAt: 2_000,
        });
        await store.recordWebhookAttempt('waiting', { status: 'pending', at: 1_100, error: 'timed out', nextAttemptAt: 50_000 });
        assert.equal(await store.expireWebhookDeliveries(1_500, 3_000, 'gave up'), 2, 'the two pending ones');
        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        assert.deepEqual(
          ['sent', 'lost', 'waiting'].map((id) => byId.get(id)?.status),
          ['delivered', 'failed', 'failed'],
        );

        const again = await store.redeliverWebhookDelivery(subscriptionId, 'sent', 10_000);
        assert.deepEqual(again, {
          requeued: true,
          delivery: {
            ...delivery('sent', subscriptionId, 1_000),
            status: 'pending',
            attempts: 1,
            lastAttemptAt: 1_100,
            lastStatusCode: 204,
            nextAttemptAt: 10_000,
            redeliveredAt: 10_000,
          },
        });
        assert.ok(!('finishedAt' in again.delivery));
        const failedAgain = await store.redeliverWebhookDelivery(subscriptionId, 'lost', 10_000);
        assert.deepEqual(
          [failedAgain?.requeued, failedAgain?.delivery.status, failedAgain?.delivery.lastError, failedAgain?.delivery.attempts],
          [true, 'pending', 'gave up', 1],
        );
        assert.equal(await store.countPendingWebhookDeliveries(), 2);

        // Pending already: left as it is, due time and all.
        const pending = await store.redeliverWebhookDelivery(subscriptionId, 'sent', 20_000);
        assert.deepEqual(pending, { requeued: false, delivery: again.delivery });
        // Unknown ids, and ids of another subscription, are no delivery of this one.
        assert.equal(await store.redeliverWebhookDelivery(subscriptionId, 'ghost', 20_000), undefined);
        assert.equal(await store.redeliverWebhookDelivery(other, 'sent', 20_000), undefined);

        assert.deepEqual(await store.claimDueWebhookDeliveries(9_999, 10, 30_000), [], 'not due before the redelivery');
        const claimed = await store.claimDueWebhookDeliveries(10_000, 10, 30_000);
        assert.deepEqual(claimed.map((c) => [c.delivery.id, c.delivery.payload, c.delivery.redeliveredAt]).sort(), [
          ['lost', delivery('lost', subscriptionId, 1_000).payload, 10_000],
          ['sent', delivery('sent', subscriptionId, 1_000).payload, 10_000],
        ]);
        // The horizon counts from the redelivery: an expiry for events before 5,000 leaves both alone.
        assert.equal(await store.expireWebhookDeliveries(5_000, 31_000, 'gave up'), 0);
        assert.equal(await store.expireWebhookDeliveries(10_001, 31_000, 'gave up'), 2);
      });
    });
  });
}
