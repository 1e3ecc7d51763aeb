// Every live session's expiry time in one Float64Array, indexed by a dense slot the store gives each
// session. A heartbeat writes one number; a sweep scans the array. Scanning a million numbers takes
// about a millisecond and allocates nothing, where keeping sessions ordered by expiry would cost every
// heartbeat a reordering (or every sweep a re-filing of all the sessions heartbeats extended).

const INITIAL_CAPACITY = 1024;

export class ExpirySlots {
  private expiresAt = new Float64Array(INITIAL_CAPACITY).fill(Number.POSITIVE_INFINITY);
  /** Slots in use or freed are all below this. */
  private used = 0;
  private readonly free: number[] = [];
  /** No slot expires before this (a lower bound): a sweep before it has nothing to scan. */
  private earliest = Number.POSITIVE_INFINITY;
  /** Where a scan stopped when it reached its limit; the next one goes on from here. */
  private cursor = 0;
  /** The earliest expiry among slots the unfinished scan passed and kept. */
  private scannedEarliest = Number.POSITIVE_INFINITY;

  /** Takes a free slot for a session expiring at `expiresAt`. */
  allocate(expiresAt: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.expiresAt.length) this.grow();
    }
    this.set(slot, expiresAt);
    return slot;
  }

  release(slot: number): void {
    this.expiresAt[slot] = Number.POSITIVE_INFINITY;
    this.free.push(slot);
  }

  /** Moves a slot's expiry, later or earlier. */
  set(slot: number, expiresAt: number): void {
    this.expiresAt[slot] = expiresAt;
    if (expiresAt < this.earliest) this.earliest = expiresAt;
    // A slot behind the cursor of an unfinished scan is not looked at again in this scan.
    if (slot < this.cursor && expiresAt < this.scannedEarliest) this.scannedEarliest = expiresAt;
  }

  /**
   * Calls `due` for up to `limit` slots whose expiry is at or before `now`, in slot order. A scan that
   * reaches the limit goes on where it stopped at the next call. `due` may release the slot it gets.
   * Answers how many were due.
   */
  scan(now: number, limit: number, due: (slot: number) => void): number {
    if (now < this.earliest || limit <= 0) return 0;
    const times = this.expiresAt;
    let found = 0;
    let kept = this.scannedEarliest;
    let slot = this.cursor;
    for (; slot < this.used; slot++) {
      const expiresAt = times[slot]!;
      if (expiresAt <= now) {
        due(slot);
        if (++found === limit) {
          slot++;
          break;
        }
      } else if (expiresAt < kept) {
        kept = expiresAt;
      }
    }
    if (slot < this.used) {
      this.cursor = slot;
      this.scannedEarliest = kept;
    } else {
      // The whole array was seen: what it kept is the new lower bound.
      this.cursor = 0;
      this.scannedEarliest = Number.POSITIVE_INFINITY;
      this.earliest = kept;
    }
    return found;
  }

  private grow(): void {
    const grown = new Float64Array(this.expiresAt.length * 2).fill(Number.POSITIVE_INFINITY);
    grown.set(this.expiresAt);
    this.expiresAt = grown;
  }
}
