// A Map split into shards, for maps that hold an entry per session or per user: no single hash table
// then grows large. V8 doubles a Map's table when it fills and halves it when three quarters are free,
// rehashing every entry at once on the calling thread: with a million sessions, such rehashes held
// the event loop 46–170 ms (in a CPU profile) while a mass expiry emptied the indexes and filled the
// history writer's pending records (BENCHMARKS.md, "hash tables rehashed at once"). With 64 shards a
// rehash moves a 64th of the entries.
//
// Iteration goes shard after shard: insertion order holds within a shard only, so this is for maps
// whose readers do not care about order.

const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;

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

  clear(): void {
    for (const shard of this.shards) shard.clear();
    this.count = 0;
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
  if (typeof key === 'number') return key & (SHARDS - 1);
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) & (SHARDS - 1);
}

/**
 * A ShardedMap that iterates in insertion order, as a Map does: entries in an array, the sharded map
 * only says where each key's entry is. For the history writer's pending records, whose order is the
 * order they are written in: the order the sessions ended, which is close to the order of their
 * users' keys in the history table far more often than a shard-by-shard order would be (a flush in
 * shard order wrote a million ends 2.7 times slower into SQLite).
 */
export class OrderedShardedMap<K extends string | number, V> implements Iterable<[K, V]> {
  private readonly at = new ShardedMap<K, number>();
  /** In insertion order; a deleted entry leaves a hole (undefined) until the map is dropped. */
  private readonly entryList: ([K, V] | undefined)[] = [];

  get size(): number {
    return this.at.size;
  }

  get(key: K): V | undefined {
    const index = this.at.get(key);
    return index === undefined ? undefined : this.entryList[index]![1];
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
      this.entryList[index]![1] = value;
    }
    return this;
  }

  delete(key: K): boolean {
    const index = this.at.get(key);
    if (index === undefined) return false;
    this.entryList[index] = undefined;
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
