import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { MAX_SESSION_ID, SessionIdAllocator } from '../../src/live/session-ids.ts';
import { makeSession } from '../helpers/sessions.ts';
import { describeLiveStoreContract } from './live-store.contract.ts';

describeLiveStoreContract('memory', async () => ({ store: new MemoryLiveStore(), cleanup: async () => {} }));

test('ids continue from the persistent block source after a restart', async () => {
  let counter = 0;
  const source = { reserve: async (size: number) => ((counter += size), counter - size) };
  const first = new MemoryLiveStore({ idSource: source });
  const a = await first.allocateSessionId();
  const restarted = new MemoryLiveStore({ idSource: source });
  const b = await restarted.allocateSessionId();
  assert.ok(b > a, `an id after restart (${b}) must not repeat one handed out before (${a})`);
});

test('ids wrap past 2^31 - 1 and skip ids still live', async () => {
  const live = new Set([1, 2]);
  const source = { reserve: async () => MAX_SESSION_ID - 1 };
  const allocator = new SessionIdAllocator(source, (id) => live.has(id));
  assert.equal(await allocator.next(), MAX_SESSION_ID);
  assert.equal(await allocator.next(), 3);
});

const TYPES = ['web', 'representative', 'support_customer'] as const;
const typeOf = (id: number) => TYPES[id % 3]!;

test('pages stay exact through heavy churn, and an id live again after its end is listed once', async () => {
  const store = new MemoryLiveStore();
  const live = new Set<number>();
  // Deterministic churn: 12,000 sessions in, most of them out again (enough for every index to be
  // compacted), some ids back in.
  for (let id = 1; id <= 12_000; id++) {
    await store.add(makeSession({ id, clientType: typeOf(id) }));
    live.add(id);
    if (id % 4 !== 0) {
      await store.remove(id - (id % 3));
      live.delete(id - (id % 3));
    }
  }
  for (const id of [3, 6, 9, 11_998]) {
    if (!live.has(id)) {
      // Back with another client type than it had: the old type's index must not list it.
      await store.add(makeSession({ id, clientType: typeOf(id + 1) }));
      live.add(id);
    }
  }
  const expected = [...live].sort((a, b) => a - b);
  assert.deepEqual((await store.list()).map((s) => s.id), expected);
  const paged: number[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = await store.list({ limit: 97, ...(afterId !== undefined && { afterId }) });
    paged.push(...page.map((s) => s.id));
    if (page.length < 97) break;
    afterId = page.at(-1)!.id;
  }
  assert.deepEqual(paged, expected);
  assert.equal(await store.count(), expected.length);
  for (const type of TYPES) {
    const sessions = await store.list();
    const ofType = sessions.filter((s) => s.clientType === type).map((s) => s.id);
    assert.deepEqual((await store.list({ clientTypes: [type] })).map((s) => s.id), ofType, type);
    assert.equal(await store.count({ clientTypes: [type] }), ofType.length);
    const middle = ofType[Math.floor(ofType.length / 2)]!;
    const page = await store.list({ clientTypes: [type], afterId: middle, limit: 10 });
    assert.deepEqual(page.map((s) => s.id), ofType.filter((id) => id > middle).slice(0, 10));
  }
});
