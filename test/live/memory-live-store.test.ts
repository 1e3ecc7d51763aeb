import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { MAX_SESSION_ID, SessionIdAllocator } from '../../src/live/session-ids.ts';
import { makeSession } from '../helpers/sessions.ts';
import { describeLiveStoreContract } from './live-store.contract.ts';

describeLiveStoreContract('memory', async () => ({ store: new MemoryLiveStore(), cleanup: async () => {} }));

test('changes are numbered from the start time × 1000, so seqs from before a restart read as too old', async () => {
  const before = Date.now() * 1000;
  const store = new MemoryLiveStore();
  const start = store.appliedSeq();
  assert.ok(start >= before && start <= Date.now() * 1000);
  assert.ok(Number.isSafeInteger(start * 2), 'far from the largest safe integer');
  const { session } = await store.open(makeSession({ id: 1 }));
  assert.equal(session.version, start + 1);
});

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

test('the next block of ids is reserved ahead, so crossing a block never waits for the source', async () => {
  const reservations: number[] = [];
  let counter = 0;
  let release: (() => void) | undefined;
  const source = {
    reserve: async (size: number) => {
      reservations.push(counter);
      const start = counter;
      counter += size;
      // Every reservation after the first waits until the test lets it finish.
      if (reservations.length > 1) await new Promise<void>((resolve) => (release = resolve));
      return start;
    },
  };
  const allocator = new SessionIdAllocator(source, () => false);
  const first = await allocator.next();
  for (let i = 1; i < 8_999; i++) await allocator.next();
  assert.equal(reservations.length, 1, 'one block so far');
  await allocator.next(); // the 9,000th: a tenth of the block is left
  assert.equal(reservations.length, 2, 'the next block is being reserved ahead');
  release!();
  for (let i = 9_000; i < 10_000; i++) await allocator.next();
  const crossing = await allocator.next();
  assert.equal(crossing, first + 10_000, 'the block reserved ahead follows on');
  assert.equal(reservations.length, 2, 'no reservation on demand');
});

test('a failed reservation ahead is retried when the block is needed', async () => {
  let calls = 0;
  const source = {
    reserve: async (size: number) => {
      calls++;
      if (calls === 2) throw new Error('history unavailable');
      return (calls - 1) * size;
    },
  };
  const allocator = new SessionIdAllocator(source, () => false);
  for (let i = 0; i < 10_000; i++) await allocator.next();
  assert.equal(calls, 2, 'the reservation ahead was tried and failed');
  assert.equal(await allocator.next(), 20_001, 'a new block on demand');
  assert.equal(calls, 3);
});

const TYPES = ['web', 'representative', 'support_customer'] as const;
const typeOf = (id: number) => TYPES[id % 3]!;

test('pages stay exact through heavy churn, and an id live again after its end is listed once', async () => {
  const store = new MemoryLiveStore();
  const live = new Set<number>();
  // Deterministic churn: 12,000 sessions in, most of them out again (enough for every index to be
  // compacted), some ids back in.
  for (let id = 1; id <= 12_000; id++) {
    await store.open(makeSession({ id, clientType: typeOf(id) }));
    live.add(id);
    if (id % 4 !== 0) {
      await store.end(id - (id % 3), { reason: 'closed', at: id });
      live.delete(id - (id % 3));
    }
  }
  for (const id of [3, 6, 9, 11_998]) {
    if (!live.has(id)) {
      // Back with another client type than it had: the old type's index must not list it.
      await store.open(makeSession({ id, clientType: typeOf(id + 1) }));
      live.add(id);
    }
  }
  const expected = [...live].sort((a, b) => a - b);
  assert.deepEqual(
    (await store.list()).map((s) => s.id),
    expected,
  );
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
    assert.deepEqual(
      (await store.list({ clientTypes: [type] })).map((s) => s.id),
      ofType,
      type,
    );
    assert.equal(await store.count({ clientTypes: [type] }), ofType.length);
    const middle = ofType[Math.floor(ofType.length / 2)]!;
    const page = await store.list({ clientTypes: [type], afterId: middle, limit: 10 });
    assert.deepEqual(
      page.map((s) => s.id),
      ofType.filter((id) => id > middle).slice(0, 10),
    );
  }
});
