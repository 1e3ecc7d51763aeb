// What a connection to Redis is made of (connection.ts): a client for one server, or one that follows
// the master Sentinel names (sentinel-link.ts); and the reconnect timing both use.

export type ErrorReporter = (error: unknown, context: string) => void;

/** Raw commands over one connection; nothing else of a client's API. */
export interface Link {
  send<T>(args: readonly string[]): Promise<T>;
  /** Waits for the replies of commands sent, then closes. */
  close(): Promise<void>;
  /** Closes at once; commands waiting for replies fail (a blocked XREAD among them). */
  destroy(): void;
}

export interface ConnectionEvents {
  /** Faults, each outage once. */
  report: ErrorReporter;
  /**
   * The connection lost its server or moved to another (a reconnect, a failover): this node may have
   * missed beats of other nodes that were cut off as well (redis-live-store.ts waits before it takes
   * any node for lost).
   */
  interrupted: () => void;
}

/** Attempts of the first connection before a connect gives up (about 5 s of back-off). */
export const FIRST_CONNECT_ATTEMPTS = 8;
/** Longest pause between reconnect attempts, ms. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** Pause before reconnect attempt `retries` (from 0), ms: doubling from 50 ms up to 1 s, with jitter. */
export const reconnectDelay = (retries: number): number =>
  Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 50);
