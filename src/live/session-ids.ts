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

/**
 * Ids left in the current block when the next one is reserved in the background, so a session open
 * rarely waits for the source (history may be slow or locked by another process at that moment).
 */
const PREFETCH_BELOW = BLOCK_SIZE / 10;

export class SessionIdAllocator {
  private cursor = 0;
  private end = 0;
  private refill: Promise<void> | undefined;
  /** The next block, reserved ahead; undefined inside when that reservation failed. */
  private ahead: Promise<number | undefined> | undefined;

  constructor(
    private readonly source: SessionIdBlockSource = new InMemoryIdBlockSource(),
    private readonly isLive: (id: number) => boolean,
  ) {}

  async next(): Promise<number> {
    // Every id of the range may be live only in theory (2^31 sessions); the loop ends long before.
    for (;;) {
      if (this.cursor >= this.end) await this.reserveBlock();
      const id = (this.cursor++ % MAX_SESSION_ID) + 1;
      if (this.end - this.cursor === PREFETCH_BELOW) this.prefetch();
      if (!this.isLive(id)) return id;
    }
  }

  private reserveBlock(): Promise<void> {
    // Concurrent callers share one reservation instead of each burning a block.
    this.refill ??= (async () => {
      try {
        const ahead = this.ahead;
        this.ahead = undefined;
        const start = (await ahead) ?? (await this.source.reserve(BLOCK_SIZE));
        this.cursor = start;
        this.end = start + BLOCK_SIZE;
      } finally {
        this.refill = undefined;
      }
    })();
    return this.refill;
  }

  /** A failed reservation ahead is left for the next() that needs the block: it reserves again. */
  private prefetch(): void {
    this.ahead ??= this.source.reserve(BLOCK_SIZE).catch(() => undefined);
  }
}
