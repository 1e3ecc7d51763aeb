// Reconnect delays. Exponential backoff with "full jitter" (delay drawn uniformly from 0 up to the
// exponential bound) spreads a crowd of clients that lost the same server, so they do not all come back
// in the same instant and knock it over again.

export interface BackoffOptions {
  /** Bound of the first delay, in ms; each further attempt doubles it. Default 500. */
  baseMs?: number;
  /** Largest delay, in ms. Default 30,000. */
  maxMs?: number;
  /**
   * Window, in ms, over which clients spread their reconnect after the server announced a restart
   * (close code 1012): the service is expected back at once, so no exponential wait. Default 2,000.
   */
  restartMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 500, maxMs: 30_000, restartMs: 2_000 };

export class Backoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #restartMs: number;
  readonly #random: () => number;
  #attempts = 0;

  /** `random` returns a number in [0, 1); injectable so tests can pin the jitter. */
  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#baseMs = Math.max(0, options.baseMs ?? DEFAULT_BACKOFF.baseMs);
    this.#maxMs = Math.max(this.#baseMs, options.maxMs ?? DEFAULT_BACKOFF.maxMs);
    this.#restartMs = Math.max(0, options.restartMs ?? DEFAULT_BACKOFF.restartMs);
    this.#random = random;
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The upper bound of the next delay, without consuming an attempt. */
  get nextBoundMs(): number {
    // 2 ** attempts overflows to Infinity long after it passed maxMs; Math.min keeps the result finite.
    return Math.min(this.#maxMs, this.#baseMs * 2 ** this.#attempts);
  }

  /** The delay before the next attempt, in ms; counts one more failed attempt. */
  next(): number {
    const delay = Math.floor(this.#random() * this.nextBoundMs);
    this.#attempts++;
    return delay;
  }

  /**
   * The delay after an announced restart. A restart right after a successful connection waits only within
   * the restart window; one that repeats before any success falls back to the exponential schedule, so a
   * server stuck restarting is not hammered.
   */
  afterRestart(): number {
    if (this.#attempts > 0) return this.next();
    this.#attempts++;
    return Math.floor(this.#random() * this.#restartMs);
  }

  /** Called after a successful connection: the next failure starts from the base delay again. */
  reset(): void {
    this.#attempts = 0;
  }
}
