// A list kept in chunks of 4,096 items, for lists that may hold an item per session (the history
// writer's session-log writes and pending records). An array that grows doubles its store and copies
// every item into the new one on the calling thread; at a million items that store is a large object
// of 8 MB, and allocating it can set off a full collection there and then: the writer's `log` held the
// loop 79–94 ms in a profile of a million sessions ending. A chunk is filled once and never copied.

const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

export class ChunkedList<T> implements Iterable<T> {
  private readonly chunks: T[][] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    const offset = this.count & CHUNK_MASK;
    if (offset === 0) this.chunks.push([]);
    this.chunks[this.chunks.length - 1]![offset] = item;
    this.count++;
  }

  /** The item at `index`, or undefined past the end. */
  at(index: number): T | undefined {
    return index >= 0 && index < this.count ? this.chunks[index >>> CHUNK_BITS]![index & CHUNK_MASK] : undefined;
  }

  /** Replaces the item at `index`, which must be in the list. */
  set(index: number, item: T): void {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`chunked-list: no item at ${index}`);
    this.chunks[index >>> CHUNK_BITS]![index & CHUNK_MASK] = item;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }
}
