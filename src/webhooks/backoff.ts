// When a failed webhook delivery is tried again: exponential backoff with jitter. The n-th retry waits
// between half and all of min(base × 2^(n-1), max), so receivers that fail together are not all
// retried in the same instant.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** [0, 1); Math.random by default. */
  random?: () => number;
}

/** Milliseconds to wait after the `failures`-th failed attempt (1 for the first). */
export function retryDelay(failures: number, { baseMs, maxMs, random = Math.random }: BackoffOptions): number {
  // 2^(failures-1) overflows to Infinity long before failures gets large; min() keeps that harmless.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
