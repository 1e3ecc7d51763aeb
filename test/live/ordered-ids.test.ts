import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OrderedIds } from '../../src/live/memory/ordered-ids.ts';

/** Every id a walk visits that is live, in order. */
function walked(ids: OrderedIds, live: Set<number>, afterId?: number): number[] {
  const seen: number[] = [];
  ids.walk(afterId, (id) => {
    if (live.has(id)) seen.push(id);
    return true;
  });
  return seen;
}

test('ending most of many ids compacts a few per removal; walks see the live ids in order throughout', () => {
  const ids = new OrderedIds();
  const live = new Set<number>();
  for (let id = 1; id <= 20_000; id++) {
    ids.add(id);
    live.add(id);
  }
  const isLive = (id: number) => live.has(id);
  let largestDrop = 0;
  for (let id = 1; id <= 19_000; id++) {
    live.delete(id);
    const before = ids.held;
    ids.removed(isLive);
    largestDrop = Math.max(largestDrop, before - ids.held);
    if (id % 997 === 0) {
      assert.deepEqual(walked(ids, live), [...live]);
      assert.deepEqual(
        walked(ids, live, 19_500),
        [...live].filter((x) => x > 19_500),
      );
    }
  }
  assert.ok(ids.held < 3 * live.size + 1024, `compacted: ${ids.held} ids held for ${live.size} live`);
  assert.deepEqual(walked(ids, live), [...live]);
  for (let id = 19_001; id <= 20_000; id++) {
    live.delete(id);
    ids.removed(isLive);
  }
  assert.equal(ids.held, 0, 'nothing is held once no id is live');
});

test('adds, re-adds and removals in any order keep every live id, once, in order', () => {
  let compactions = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 3_200 })), { minLength: 6_000, maxLength: 9_000 }),
      (steps) => {
        const ids = new OrderedIds();
        const live = new Set<number>();
        const isLive = (id: number) => live.has(id);
        for (let i = 1; i <= 3_000; i++) {
          ids.add(i);
          live.add(i);
        }
        // One step in ten adds (mostly in the middle): most ids end, so compactions start and finish.
        for (const [kind, id] of steps) {
          const add = kind === 0;
          if (add && !live.has(id)) {
            live.add(id);
            ids.add(id);
          } else if (!add && live.has(id)) {
            live.delete(id);
            const before = ids.held;
            ids.removed(isLive);
            if (ids.held < before) compactions++;
          }
        }
        const seen = walked(ids, live);
        assert.deepEqual(
          seen,
          [...live].sort((a, b) => a - b),
        );
      },
    ),
    { numRuns: 30, endOnFailure: true },
  );
  assert.ok(compactions > 0, 'compactions started and finished among the runs');
});
