import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrderedShardedMap, ShardedMap, shardIndex } from '../../src/core/sharded-map.ts';

describe('ShardedMap', () => {
  it('answers as a Map does: get, has, set over an existing key, delete of a missing one, size', () => {
    const map = new ShardedMap<string, number>();
    const plain = new Map<string, number>();
    const keys = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);
    for (const [i, key] of keys.entries()) {
      map.set(key, i);
      plain.set(key, i);
    }
    for (const key of keys.slice(0, 100)) {
      map.set(key, -1);
      plain.set(key, -1);
    }
    assert.equal(map.delete('nobody'), false);
    for (const key of keys.filter((_, i) => i % 3 === 0)) {
      assert.equal(map.delete(key), plain.delete(key));
    }
    assert.equal(map.size, plain.size);
    for (const key of [...keys, 'nobody']) {
      assert.equal(map.get(key), plain.get(key), key);
      assert.equal(map.has(key), plain.has(key), key);
    }
    const sorted = <T>(items: Iterable<T>) => [...items].sort();
    assert.deepEqual(sorted(map.keys()), sorted(plain.keys()));
    assert.deepEqual(sorted(map.values()), sorted(plain.values()));
    assert.deepEqual(
      [...map].sort(([a], [b]) => a.localeCompare(b)),
      [...plain].sort(([a], [b]) => a.localeCompare(b)),
    );
  });

  it('gives every shard a share of keys, the largest twice the smallest, for ids and strings alike', () => {
    for (const keys of [
      Array.from({ length: 256_000 }, (_, i) => i + 1),
      Array.from({ length: 256_000 }, (_, i) => `u${i}`),
      Array.from({ length: 256_000 }, (_, i) => `ticket:${100_000 + i}`),
    ]) {
      const counts = new Array<number>(64).fill(0);
      for (const key of keys) counts[shardIndex(key)]!++;
      const smallest = Math.min(...counts);
      const largest = Math.max(...counts);
      assert.ok(smallest > 0, `${typeof keys[0]}: an empty shard`);
      // Shares in proportion to 2^(k/64): 1/92.3 to 2/92.3 of the keys, give or take the hash's noise.
      assert.ok(largest / smallest > 1.7 && largest / smallest < 2.3, `${typeof keys[0]}: ${smallest}–${largest}`);
      assert.ok(smallest > keys.length / 92.3 / 1.15 && largest < (keys.length / 92.3) * 2 * 1.15, `${smallest}–${largest}`);
    }
  });

  it('fills its shards out of step: as it doubles, they reach a size one after another, never together', () => {
    // V8 rehashes a Map's whole table when its entry count crosses a power of two. Equal shards of
    // sequential ids all crossed within 64 inserts of each other: one rehash of everything, in 64 pieces.
    const sizes = new Array<number>(64).fill(0);
    const crossedAt: number[] = [];
    const threshold = 16_384;
    for (let id = 1; crossedAt.length < 64; id++) {
      const shard = shardIndex(id);
      if (++sizes[shard]! === threshold) crossedAt.push(id);
    }
    // From the first shard to cross to the last, about one doubling of the whole map...
    const span = crossedAt.at(-1)! / crossedAt[0]!;
    assert.ok(span > 1.8 && span < 2.2, `crossings spread over × ${span.toFixed(2)}`);
    // ...and in no stretch of a 32nd of that doubling do more than 4 shards cross.
    const window = (crossedAt.at(-1)! - crossedAt[0]!) / 32;
    for (const [i, at] of crossedAt.entries()) {
      const together = crossedAt.slice(i).filter((other) => other - at < window).length;
      assert.ok(together <= 4, `${together} shards crossed within ${Math.round(window)} inserts of id ${at}`);
    }
  });

  it('in its ordered form, iterates in insertion order as a Map does, deletions and overwrites included', () => {
    const map = new OrderedShardedMap<string, number>();
    const plain = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      for (const m of [map, plain]) m.set(`k${(i * 7) % 300}`, i);
      if (i % 5 === 0) for (const m of [map, plain]) m.delete(`k${(i * 3) % 300}`);
    }
    assert.equal(map.size, plain.size);
    assert.deepEqual([...map], [...plain]);
    assert.deepEqual([...map.values()], [...plain.values()]);
    for (let i = 0; i < 300; i++) assert.equal(map.get(`k${i}`), plain.get(`k${i}`));
    assert.equal(map.delete('k-none'), false);
  });
});
