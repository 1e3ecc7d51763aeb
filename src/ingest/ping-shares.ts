// The open sockets, split into shares that take turns at the ping round. Checking all sockets at once
// every interval wrote a ping to each silent one in one pass: at 10,000 silent sockets (watchers that
// only listen) a pass as long as the fan-out of a place's event to all of them, once per interval, and
// whatever arrived during it waited (BENCHMARKS.md, "Places: fan-out to watchers"). A timer ticks about
// every 250 ms and checks the shares that are due, so every socket is still checked once per interval.
//
// Due by the clock, not by counting ticks: a busy loop runs a timer late (a fan-out to 10,000 watchers
// holds it 200-500 ms), and a round of one share per tick then stretched to 60 late ticks, 25-40 s
// instead of 15. Sockets were checked, and their sessions kept alive, less often than the 2.5
// intervals a socket session lives, and answering watchers were ended as ping_timeout. A late tick
// now checks every share whose time came.
//
// A socket joins the smallest share, so a crowd that connects at once (a node's clients reconnecting
// after a restart) is spread over all of them.

/** Something kept in a share: it carries the index of its share, so leaving costs one lookup. */
export interface Shared {
  share: number;
}

export class PingShares<T extends Shared> {
  private readonly shares: Set<T>[];
  /** When each share is next due, on the caller's clock. */
  private readonly dueAt: Float64Array;
  private turn = 0;
  private count = 0;
  /** The due time last given to a share: the next is at least a turn later, so turns stay spread. */
  private lastDue = Number.NEGATIVE_INFINITY;
  /** Milliseconds between two shares' turns: how often a timer should ask what is due. */
  readonly turnMs: number;

  /**
   * `shareCount` shares, each due once per `intervalMs`, their turns spread evenly over the interval
   * that starts at `now` (the first share is due one turn from then).
   */
  constructor(
    shareCount: number,
    private readonly intervalMs: number,
    now: number,
  ) {
    if (!Number.isInteger(shareCount) || shareCount < 1) throw new RangeError(`ping-shares: ${shareCount} shares`);
    if (!(intervalMs > 0)) throw new RangeError(`ping-shares: an interval of ${intervalMs} ms`);
    this.shares = Array.from({ length: shareCount }, () => new Set<T>());
    this.turnMs = intervalMs / shareCount;
    this.dueAt = Float64Array.from({ length: shareCount }, (_, i) => now + (i + 1) * this.turnMs);
  }

  get size(): number {
    return this.count;
  }

  add(item: T): void {
    let smallest = 0;
    for (let i = 1; i < this.shares.length; i++) if (this.shares[i]!.size < this.shares[smallest]!.size) smallest = i;
    item.share = smallest;
    this.shares[smallest]!.add(item);
    this.count++;
  }

  delete(item: T): void {
    if (this.shares[item.share]?.delete(item)) this.count--;
  }

  /**
   * The shares due at `now`, in turn, each at most once per call. A share is next due an interval after
   * it was due, so late ticks do not push the round back; but never sooner than half an interval from
   * now, so a socket pinged in a late check has that long to answer before its next one (after a
   * stall of about an interval, a share would otherwise be due twice in quick succession), and never
   * within a turn of the share before it, so shares checked together after a stall spread out again.
   */
  due(now: number): ReadonlySet<T>[] {
    const due: ReadonlySet<T>[] = [];
    while (due.length < this.shares.length && this.dueAt[this.turn]! <= now) {
      due.push(this.shares[this.turn]!);
      this.lastDue = Math.max(this.dueAt[this.turn]! + this.intervalMs, now + this.intervalMs / 2, this.lastDue + this.turnMs);
      this.dueAt[this.turn] = this.lastDue;
      this.turn = (this.turn + 1) % this.shares.length;
    }
    return due;
  }

  /** Every share, one after the other: one whole round. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const share of this.shares) yield* share;
  }
}

/**
 * How many shares an interval is cut into: a tick about every 250 ms (60 shares at the default 15 s
 * heartbeat), never shorter, so a short interval (tests, 1 s heartbeats) keeps one round per interval.
 */
export function pingShareCount(heartbeatMs: number): number {
  return Math.max(1, Math.min(60, Math.floor(heartbeatMs / 250)));
}
