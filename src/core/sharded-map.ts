// A Map split into shards, for maps that hold an entry per session or per user: no single hash table
// then grows large. V8 doubles a Map's table when it fills and halves it when three quarters are free,
// rehashing every entry at once on the calling thread: with a million sessions, such rehashes held
// the event loop 46–170 ms (in a CPU profile) while a mass expiry emptied the indexes and filled the
// history writer's pending records (BENCHMARKS.md, "hash tables rehashed at once").
//
// The shards are of staggered sizes. Shards of equal shares fill (and empty) in step, so all of them
// rehash within a few hundred inserts of each other: a million sequential ids in 64 equal shards held
// the loop as long as one Map did (105–186 ms for a slice of 1,000 inserts). Here shard k gets a share
// in proportion to 2^(k/64): the largest shard's share is twice the smallest's, so as the map doubles,
// the shards reach their thresholds one after the other, evenly spread over the doubling, and a rehash
// moves about a 64th of the entries at a time (12–16 ms at worst for the same slices).
//
// Iteration goes shard after shard: insertion order holds within a shard only, so this is for maps
// whose readers do not care about order.

import { ChunkedList } from './chunked-list.ts';

const SHARDS = 64;
/**
 * Keys fall in 65,536 buckets, each bucket belongs to a shard. With 4,096, shares rounded to whole
 * buckets came out equal for a third of the shards, which then filled in step again.
 */
const BUCKET_BITS = 16;
const BUCKET_MASK = (1 << BUCKET_BITS) - 1;

/**
 * The shard of each bucket: shard k owns buckets in proportion to 2^(k/SHARDS), scattered over the
 * table (bucket i of the runs goes to position i × 40503 mod 65,536, a bijection, as 40503 is odd).
 * In runs, sequential ids fed each shard in turn, and the shards of neighbouring sizes, whose turns
 * were neighbours too, reached their thresholds within a few thousand inserts of each other.
 */
const shardOfBucket: Uint8Array = (() => {
  const weights = Array.from({ length: SHARDS }, (_, k) => 2 ** (k / SHARDS));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const table = new Uint8Array(BUCKET_MASK + 1);
  let bucket = 0;
  let share = 0;
  for (const [k, weight] of weights.entries()) {
    share += (weight / total) * table.length;
    const end = k === SHARDS - 1 ? table.length : Math.round(share);
    for (; bucket < end; bucket++) table[Math.imul(bucket, 40503) & BUCKET_MASK] = k;
  }
  return table;
})();

export class ShardedMap<K extends string | number, V> implements Iterable<[K, V]> {
  private readonly shards: Map<K, V>[] = Array.from({ length: SHARDS }, () => new Map<K, V>());
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    return this.shardOf(key).get(key);
  }

  has(key: K): boolean {
    return this.shardOf(key).has(key);
  }

  set(key: K, value: V): this {
    const shard = this.shardOf(key);
    const before = shard.size;
    shard.set(key, value);
    this.count += shard.size - before;
    return this;
  }

  delete(key: K): boolean {
    const deleted = this.shardOf(key).delete(key);
    if (deleted) this.count--;
    return deleted;
  }

  *keys(): IterableIterator<K> {
    for (const shard of this.shards) yield* shard.keys();
  }

  *values(): IterableIterator<V> {
    for (const shard of this.shards) yield* shard.values();
  }

  *entries(): IterableIterator<[K, V]> {
    for (const shard of this.shards) yield* shard.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  private shardOf(key: K): Map<K, V> {
    return this.shards[shardIndex(key)]!;
  }
}

/**
 * The shard of a key. Numbers (session ids, handed out in sequence) by their low bits; strings (user
 * ids, place names) by FNV-1a over their UTF-16 units, as V8's own string hash is out of reach.
 */
export function shardIndex(key: string | number): number {
  if (typeof key === 'number') return shardOfBucket[key & BUCKET_MASK]!;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return shardOfBucket[(hash >>> 0) & BUCKET_MASK]!;
}

/**
 * A ShardedMap that iterates in insertion order, as a Map does: entries in a list, the sharded map only
 * says where each key's entry is. For the history writer's pending records, whose order is the
 * order they are written in: the order the sessions ended, which is close to the order of their
 * users' keys in the history table far more often than a shard-by-shard order would be (a flush in
 * shard order wrote a million ends 2.7 times slower into SQLite). The entries are in a ChunkedList,
 * so their list never copies itself to grow either.
 */
export class OrderedShardedMap<K extends string | number, V> implements Iterable<[K, V]> {
  private readonly at = new ShardedMap<K, number>();
  /**
   * In insertion order; a deleted entry leaves a hole (undefined) until the map is dropped: fine for
   * maps that live until their next write, not for long-lived ones that see many deletes.
   */
  private readonly entryList = new ChunkedList<[K, V] | undefined>();

  get size(): number {
    return this.at.size;
  }

  get(key: K): V | undefined {
    const index = this.at.get(key);
    return index === undefined ? undefined : this.entryList.at(index)![1];
  }

  has(key: K): boolean {
    return this.at.has(key);
  }

  set(key: K, value: V): this {
    const index = this.at.get(key);
    if (index === undefined) {
      this.at.set(key, this.entryList.length);
      this.entryList.push([key, value]);
    } else {
      this.entryList.at(index)![1] = value;
    }
    return this;
  }

  delete(key: K): boolean {
    const index = this.at.get(key);
    if (index === undefined) return false;
    this.entryList.set(index, undefined);
    return this.at.delete(key);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.entryList) if (entry !== undefined) yield entry;
  }

  *values(): IterableIterator<V> {
    for (const entry of this.entryList) if (entry !== undefined) yield entry[1];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}
