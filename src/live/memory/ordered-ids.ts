// Session ids in ascending order: a page is a binary search and a walk that stops at its limit.
// Removal leaves an id in place (walks skip ids that are no longer wanted) and the array is compacted
// once most of it is stale, so ending a session costs no array shift.
//
// The compaction is done a few ids per removal, not in one go: a mass expiry that ends a million
// sessions would otherwise filter a million ids at once (some 50–100 ms on a loaded machine, inside
// one slice of the sweep). While it runs, walks and binary searches use the old array, which still
// holds every live id (stale ones are skipped as always); the compacted copy replaces it when done.

/** Stale ids allowed beyond twice the live ones before a compaction. */
const SLACK = 1024;

/**
 * Ids a compaction looks at per removal. A compaction starts with at least three ids per live one,
 * so at 8 per removal it is done before a third of the live ids are gone.
 */
const COMPACT_STEP = 8;

export class OrderedIds {
  private ids: number[] = [];
  private live = 0;
  /** The compaction under way: live ids of `ids[0..read)`, in order. */
  private compacted: number[] | undefined;
  private read = 0;

  /** Adds `id` unless it is still there from before (ended and not yet compacted away). */
  add(id: number): void {
    this.live++;
    const ids = this.ids;
    // Ids are handed out in ascending order, so nearly every insert is an append (a compaction under
    // way reaches appended ids too).
    if (ids.length === 0 || ids[ids.length - 1]! < id) {
      ids.push(id);
      return;
    }
    const index = firstAbove(ids, id);
    const present = ids[index - 1] === id;
    if (!present) ids.splice(index, 0, id);
    // A compaction already past this place must keep the id too (it may have dropped it as stale).
    const at = present ? index - 1 : index;
    if (this.compacted && at < this.read) {
      if (!present) this.read++;
      insertSorted(this.compacted, id);
    }
  }

  /**
   * Notes that one id is no longer live, and goes on with a compaction (`isLive` tells which ids to
   * keep) once enough are stale.
   */
  removed(isLive: (id: number) => boolean): void {
    this.live--;
    if (this.live === 0) {
      this.ids = [];
      this.compacted = undefined;
      return;
    }
    if (!this.compacted) {
      if (this.ids.length <= 2 * this.live + SLACK) return;
      this.compacted = [];
      this.read = 0;
    }
    const ids = this.ids;
    const compacted = this.compacted;
    const end = Math.min(ids.length, this.read + COMPACT_STEP);
    for (let i = this.read; i < end; i++) if (isLive(ids[i]!)) compacted.push(ids[i]!);
    this.read = end;
    if (end === ids.length) {
      this.ids = compacted;
      this.compacted = undefined;
    }
  }

  /** Ids held, stale ones included (tests). */
  get held(): number {
    return this.ids.length;
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

/** Inserts `value` into an ascending array unless it is there. */
function insertSorted(sorted: number[], value: number): void {
  const index = firstAbove(sorted, value);
  if (sorted[index - 1] !== value) sorted.splice(index, 0, value);
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
