// Shares computed answers between identical queries for a short window, so a crowd of pollers costs
// one computation per window instead of one per request. A computation that is still running is shared
// too (single flight): concurrent identical requests wait for the same answer. Used by every query
// route that answers large documents: the command API, Clientexec, Motadata and /v1/sessions pages.
//
// Freshness: an answer is reused only while its computation *started* less than `windowMs` ago, so a
// change in presence shows in every answer computed after it, at most `windowMs` later — also when
// a computation takes longer than the window. Nothing else invalidates an answer: no change notice
// is listened to, so the cache works the same on every node of a cluster.
//
// Rights: callers authorise every request themselves, before they ask the cache, and put everything
// that changes the answer (the caller's permission included) into the key; a part of an answer that
// depends on who asks is never cached, but added per request.

export interface ResponseCacheOptions {
  /** Milliseconds an answer is shared; 0 turns sharing off entirely. */
  windowMs: number;
  /**
   * Most distinct keys kept at once; the oldest go first beyond it. Keys are made of normalised
   * parameters, so a caller cycling through id lists cannot make the cache grow without bound.
   */
  maxEntries?: number;
  now?: () => number;
}

interface Entry<V> {
  startedAt: number;
  value: Promise<V>;
  expiry: NodeJS.Timeout;
}

const DEFAULT_MAX_ENTRIES = 256;

export class ResponseCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: ResponseCacheOptions) {
    this.windowMs = options.windowMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** The answer for `key`: a shared one still within its window, or a new one from `compute`. */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    if (this.windowMs === 0) return compute();
    const now = this.now();
    const found = this.entries.get(key);
    if (found && now - found.startedAt < this.windowMs) return found.value;
    if (found) this.forget(key, found);

    const value = (async () => compute())();
    // Dropped when the window ends, so a large answer does not stay in memory until the next request.
    const expiry = setTimeout(() => this.forget(key, entry), this.windowMs);
    expiry.unref();
    const entry: Entry<V> = { startedAt: now, value, expiry };
    this.entries.set(key, entry);
    // A failure is never shared beyond the requests already waiting for it: the next one tries again.
    value.catch(() => this.forget(key, entry));
    while (this.entries.size > this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry<V>];
      this.forget(oldestKey, oldest);
    }
    return value;
  }

  /** Whether answers are shared at all (a window above 0): only shared answers carry a tag. */
  get shares(): boolean {
    return this.windowMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const [key, entry] of this.entries) this.forget(key, entry);
  }

  private forget(key: string, entry: Entry<V>): void {
    clearTimeout(entry.expiry);
    // Only this entry: a newer one under the same key stays.
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
