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
    map.clear();
    assert.equal(map.size, 0);
    assert.deepEqual([...map.keys()], []);
  });

  it('spreads sequential ids and similar strings over every shard, evenly', () => {
    for (const keys of [
      Array.from({ length: 64_000 }, (_, i) => i + 1),
      Array.from({ length: 64_000 }, (_, i) => `u${i}`),
      Array.from({ length: 64_000 }, (_, i) => `ticket:${100_000 + i}`),
    ]) {
      const counts = new Array<number>(64).fill(0);
      for (const key of keys) counts[shardIndex(key)]!++;
      assert.ok(
        Math.min(...counts) > 800 && Math.max(...counts) < 1_200,
        `${typeof keys[0]}: ${Math.min(...counts)}–${Math.max(...counts)}`,
      );
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
