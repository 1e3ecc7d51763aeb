// The ping round's shares: each socket in exactly one, spread evenly, taken in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PingShares, pingShareCount } from '../../src/ingest/ping-shares.ts';

const item = (name: string) => ({ name, share: -1 });

test('items join the smallest share, so a crowd arriving at once is spread over all of them', () => {
  const shares = new PingShares<ReturnType<typeof item>>(4);
  const items = Array.from({ length: 10 }, (_, i) => item(`s${i}`));
  for (const it of items) shares.add(it);
  const sizes = [0, 1, 2, 3].map(() => shares.nextShare().size);
  assert.deepEqual(sizes, [3, 3, 2, 2]);
  assert.equal(shares.size, 10);
  // Two leave share 0 (3 → 1): the next two arrivals fill it again before any other.
  shares.delete(items[0]!);
  shares.delete(items[4]!);
  const late = [item('late1'), item('late2')];
  for (const it of late) shares.add(it);
  assert.deepEqual(
    late.map((it) => it.share),
    [0, 0],
  );
});

test('shares take turns, every item is in one of them once, and a whole round gives every item once', () => {
  const shares = new PingShares<ReturnType<typeof item>>(3);
  const items = Array.from({ length: 7 }, (_, i) => item(`s${i}`));
  for (const it of items) shares.add(it);
  const seen: string[] = [];
  for (let turn = 0; turn < 3; turn++) for (const it of shares.nextShare()) seen.push(it.name);
  assert.deepEqual([...seen].sort(), items.map((it) => it.name).sort());
  // The fourth turn is the first share again.
  assert.deepEqual(
    [...shares.nextShare()].map((it) => it.name),
    items.filter((it) => it.share === 0).map((it) => it.name),
  );
  assert.deepEqual([...shares].map((it) => it.name).sort(), items.map((it) => it.name).sort());
});

test('deleting an item not held, or twice, changes nothing', () => {
  const shares = new PingShares<ReturnType<typeof item>>(2);
  const a = item('a');
  shares.add(a);
  shares.delete(item('stranger'));
  shares.delete(a);
  shares.delete(a);
  assert.equal(shares.size, 0);
  assert.throws(() => new PingShares(0), RangeError);
});

test('an interval is cut into ticks of about 250 ms, at most 60, at least one', () => {
  assert.equal(pingShareCount(15_000), 60);
  assert.equal(pingShareCount(60_000), 60);
  assert.equal(pingShareCount(1_000), 4);
  assert.equal(pingShareCount(100), 1);
});
