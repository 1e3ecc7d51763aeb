// The ping round's shares: each socket in exactly one, spread evenly, due in turn by the clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PingShares, pingShareCount } from '../../src/ingest/ping-shares.ts';

const item = (name: string) => ({ name, share: -1 });

/** The shares due at each of `times`, one list per call. */
const dueAt = <T extends { share: number }>(shares: PingShares<T>, times: number[]) => times.map((t) => shares.due(t));

test('items join the smallest share, so a crowd arriving at once is spread over all of them', () => {
  const shares = new PingShares<ReturnType<typeof item>>(4, 1_000, 0);
  const items = Array.from({ length: 10 }, (_, i) => item(`s${i}`));
  for (const it of items) shares.add(it);
  const sizes = dueAt(shares, [250, 500, 750, 1_000]).map((due) => due[0]!.size);
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

test('shares take turns a third of the interval apart, every item is in one of them once, and a whole round gives every item once', () => {
  const shares = new PingShares<ReturnType<typeof item>>(3, 900, 0);
  const items = Array.from({ length: 7 }, (_, i) => item(`s${i}`));
  for (const it of items) shares.add(it);
  // Nothing is due before its turn: the first share at 300, the next at 600.
  assert.deepEqual(dueAt(shares, [0, 299]), [[], []]);
  const seen: string[] = [];
  for (const due of dueAt(shares, [300, 599, 600, 900])) for (const share of due) for (const it of share) seen.push(it.name);
  assert.deepEqual([...seen].sort(), items.map((it) => it.name).sort());
  // The fourth turn is the first share again, an interval after its first.
  assert.deepEqual(shares.due(1_199), []);
  assert.deepEqual(
    shares.due(1_200).flatMap((share) => [...share].map((it) => it.name)),
    items.filter((it) => it.share === 0).map((it) => it.name),
  );
  assert.deepEqual([...shares].map((it) => it.name).sort(), items.map((it) => it.name).sort());
});

test('deleting an item not held, or twice, changes nothing', () => {
  const shares = new PingShares<ReturnType<typeof item>>(2, 1_000, 0);
  const a = item('a');
  shares.add(a);
  shares.delete(item('stranger'));
  shares.delete(a);
  shares.delete(a);
  assert.equal(shares.size, 0);
  assert.throws(() => new PingShares(0, 1_000, 0), RangeError);
  assert.throws(() => new PingShares(2, 0, 0), RangeError);
  assert.equal(new PingShares(4, 1_000, 0).turnMs, 250);
});

test('late ticks catch up: each share is still due once per interval when the timer runs late', () => {
  // A loop busy with fan-outs ran the 250 ms timer every 450 ms: taking one share per tick stretched a
  // round of 4 shares to 1.8 s, and sockets were kept alive too seldom (ping-shares.ts).
  const shares = new PingShares<ReturnType<typeof item>>(4, 1_000, 0);
  const checks = new Map<number, number[]>();
  for (let share = 0; share < 4; share++) shares.add(item(`s${share}`));
  for (let now = 450; now <= 20_000; now += 450) {
    for (const share of shares.due(now)) for (const it of share) checks.set(it.share, [...(checks.get(it.share) ?? []), now]);
  }
  assert.equal(checks.size, 4, 'every share was checked');
  for (const [share, times] of checks) {
    assert.ok(times.length >= 19 && times.length <= 20, `share ${share} checked ${times.length} times in 20 s`);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      assert.ok(gap >= 500 && gap <= 1_450, `share ${share}: checks ${gap} ms apart`);
    }
  }
});

test('after a stall longer than an interval, each share is due once, and not again within half an interval', () => {
  const shares = new PingShares<ReturnType<typeof item>>(4, 1_000, 0);
  for (let share = 0; share < 4; share++) shares.add(item(`s${share}`));
  assert.equal(shares.due(3_500).length, 4);
  assert.deepEqual(shares.due(3_510), []);
  assert.deepEqual(shares.due(3_999), []);
  // Half an interval later, the turns resume one by one.
  assert.equal(shares.due(4_000).length, 1);
});

test('an interval is cut into ticks of about 250 ms, at most 60, at least one', () => {
  assert.equal(pingShareCount(15_000), 60);
  assert.equal(pingShareCount(60_000), 60);
  assert.equal(pingShareCount(1_000), 4);
  assert.equal(pingShareCount(100), 1);
});
