// Session ids in ascending order: a page is a binary search and a walk that stops at its limit.
// Removal leaves an id in place (walks skip ids that are no longer wanted) and the array is compacted
// once most of it is stale, so ending a session costs no array shift.

/** Stale ids allowed beyond twice the live ones before a compaction. */
const SLACK = 1024;

export class OrderedIds {
  private ids: number[] = [];
  private live = 0;

  /** Adds `id` unless it is still there from before (ended and not yet compacted away). */
  add(id: number): void {
    this.live++;
    const ids = this.ids;
    // Ids are handed out in ascending order, so nearly every insert is an append.
    if (ids.length === 0 || ids[ids.length - 1]! < id) {
      ids.push(id);
      return;
    }
    const index = firstAbove(ids, id);
    if (ids[index - 1] !== id) ids.splice(index, 0, id);
  }

  /** Notes that one id is no longer live; answers true when enough are stale to call `compact`. */
  removed(): boolean {
    this.live--;
    return this.ids.length > 2 * this.live + SLACK;
  }

  /** Drops the stale ids. */
  compact(isLive: (id: number) => boolean): void {
    this.ids = this.ids.filter(isLive);
  }

  /**
   * Calls `visit` with the ids above `afterId` (all without it), ascending, stale ones included (the
   * caller skips them), until it answers false.
   */
  walk(afterId: number | undefined, visit: (id: number) => boolean): void {
    const ids = this.ids;
    for (let i = afterId === undefined ? 0 : firstAbove(ids, afterId); i < ids.length; i++) {
      if (!visit(ids[i]!)) return;
    }
  }
}

/** Index of the first element greater than `value` in an ascending array. */
function firstAbove(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
