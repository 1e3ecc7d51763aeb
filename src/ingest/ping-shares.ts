// The open sockets, split into shares that take turns at the ping round. Checking all sockets at once
// every interval wrote a ping to each silent one in one pass: at 10,000 silent sockets (watchers that
// only listen) a pass as long as the fan-out of a place's event to all of them, once per interval, and
// whatever arrived during it waited (BENCHMARKS.md, "Places: fan-out to watchers"). A timer that runs
// one share per tick checks every socket once per interval as before, in passes a share's size.
//
// A socket joins the smallest share, so a crowd that connects at once (a node's clients reconnecting
// after a restart) is spread over all of them.

/** Something kept in a share: it carries the index of its share, so leaving costs one lookup. */
export interface Shared {
  share: number;
}

export class PingShares<T extends Shared> {
  private readonly shares: Set<T>[];
  private turn = 0;
  private count = 0;

  constructor(shareCount: number) {
    if (!Number.isInteger(shareCount) || shareCount < 1) throw new RangeError(`ping-shares: ${shareCount} shares`);
    this.shares = Array.from({ length: shareCount }, () => new Set<T>());
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

  /** The share whose turn it is; the next call gives the one after it. */
  nextShare(): ReadonlySet<T> {
    const share = this.shares[this.turn]!;
    this.turn = (this.turn + 1) % this.shares.length;
    return share;
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
