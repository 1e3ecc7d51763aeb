// Small statistics helpers. Percentiles use the nearest-rank method on a sorted copy.

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);
export const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
export const max = (values: readonly number[]) => (values.length === 0 ? Number.NaN : Math.max(...values));
export const min = (values: readonly number[]) => (values.length === 0 ? Number.NaN : Math.min(...values));

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution (performance.now()). */
export const nowMs = () => performance.now();

/**
 * Milliseconds on the machine's monotonic clock (process.hrtime: CLOCK_MONOTONIC on Linux), which every
 * process on the machine reads alike: a time taken in one process compares with one taken in another,
 * unlike performance.now() (each process has its own origin) or Date.now() (whole ms, and stepped by
 * clock adjustments).
 */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds or `timeoutMs` passes; answers whether it held. */
export async function pollUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** The index of the median element (nearest rank, the lower one for an even count). */
export function medianIndex(values: readonly number[]): number {
  if (values.length === 0) return -1;
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[Math.ceil(order.length / 2) - 1]![1];
}
