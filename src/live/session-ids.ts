// Session ids are positive 32-bit integers that must not come back while a client could still hold
// one. They advance monotonically through the whole range before wrapping, and blocks of them are
// reserved from a persistent counter, so a restarted node never hands out an id given out before it
// stopped (a stale client heartbeating an old id must not keep somebody else's session alive).

export const MAX_SESSION_ID = 2 ** 31 - 1;

/** Hands out the start of a block of `size` ids; the counter behind it keeps increasing. */
export interface SessionIdBlockSource {
  reserve(size: number): Promise<number>;
}

/** Ids reserved per visit to the source. */
const BLOCK_SIZE = 10_000;

/** For tests and throwaway nodes: a counter that lives only in memory. */
export class InMemoryIdBlockSource implements SessionIdBlockSource {
  private next = 0;
  async reserve(size: number): Promise<number> {
    const start = this.next;
    this.next += size;
    return start;
  }
}

export class SessionIdAllocator {
  private cursor = 0;
  private end = 0;
  private refill: Promise<void> | undefined;

  constructor(
    private readonly source: SessionIdBlockSource = new InMemoryIdBlockSource(),
    private readonly isLive: (id: number) => boolean,
  ) {}

  async next(): Promise<number> {
    // Every id of the range may be live only in theory (2^31 sessions); the loop ends long before.
    for (;;) {
      if (this.cursor >= this.end) await this.reserveBlock();
      const id = (this.cursor++ % MAX_SESSION_ID) + 1;
      if (!this.isLive(id)) return id;
    }
  }

  private reserveBlock(): Promise<void> {
    // Concurrent callers share one reservation instead of each burning a block.
    this.refill ??= this.source.reserve(BLOCK_SIZE).then(
      (start) => {
        this.cursor = start;
        this.end = start + BLOCK_SIZE;
        this.refill = undefined;
      },
      (error: unknown) => {
        this.refill = undefined;
        throw error;
      },
    );
    return this.refill;
  }
}
