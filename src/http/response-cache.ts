// Shares computed answers between identical queries for a short window, so a crowd of pollers costs
// one computation per window instead of one per request. A computation that is still running is shared
// too (single flight): concurrent identical requests wait for the same answer. Used by every query
// route that answers large documents: the command API, Clientexec, Motadata and /v1/sessions pages.
//
// Freshness: an answer is reused only while the data's version (the live store's applied seq) is the
// one it was computed at, and its computation *started* less than `windowMs` ago. A change anywhere in
// the cluster reaches every node under the same seq, so no node serves an answer from before a change
// it has applied, and nodes at the same seq compute the same answer (and the same ETag), so a poller
// behind a load balancer revalidates against any of them. The window bounds what moves without a
// change: last-activity times, which heartbeats move in place.
//
// Rights: callers authorise every request themselves, before they ask the cache, and put everything
// that changes the answer (the caller's permission included) into the key; a part of an answer that
// depends on who asks is never cached, but added per request.

export interface ResponseCacheOptions {
  /** Milliseconds an answer is shared; 0 turns sharing off entirely. */
  windowMs: number;
  /** The version of the data answers show; an answer computed at another version is not reused. */
  version?: () => number;
  /**
   * Most distinct keys kept at once; the oldest go first beyond it. Keys are made of normalised
   * parameters, so a caller cycling through id lists cannot make the cache grow without bound.
   */
  maxEntries?: number;
  now?: () => number;
}

interface Entry<V> {
  startedAt: number;
  version: number;
  value: Promise<V>;
  expiry: NodeJS.Timeout;
}

const DEFAULT_MAX_ENTRIES = 256;

export class ResponseCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly version: () => number;

  constructor(options: ResponseCacheOptions) {
    this.windowMs = options.windowMs;
    this.version = options.version ?? (() => 0);
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** The answer for `key`: a shared one still within its window, or a new one from `compute`. */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    if (this.windowMs === 0) return compute();
    const now = this.now();
    const version = this.version();
    const found = this.entries.get(key);
    if (found && found.version === version && now - found.startedAt < this.windowMs) return found.value;
    if (found) this.forget(key, found);

    const value = (async () => compute())();
    // Dropped when the window ends, so a large answer does not stay in memory until the next request.
    const expiry = setTimeout(() => this.forget(key, entry), this.windowMs);
    expiry.unref();
    const entry: Entry<V> = { startedAt: now, version, value, expiry };
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
