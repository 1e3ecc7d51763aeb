// A Map of Sets that drops a key with its last value: "which X are in Y" indexes.
export class SetMap<K, V> {
  private readonly sets = new Map<K, Set<V>>();

  add(key: K, value: V): void {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(value);
  }

  delete(key: K, value: V): void {
    const set = this.sets.get(key);
    if (!set) return;
    set.delete(value);
    if (set.size === 0) this.sets.delete(key);
  }

  get(key: K): ReadonlySet<V> {
    return this.sets.get(key) ?? (EMPTY as ReadonlySet<V>);
  }

  keys(): IterableIterator<K> {
    return this.sets.keys();
  }

  clear(): void {
    this.sets.clear();
  }
}

const EMPTY: ReadonlySet<never> = new Set();
