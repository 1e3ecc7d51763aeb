// Long answers are written in slices: after each slice of about `sliceMs` of work the writer yields to
// the event loop, so 10,000 sessions never hold it for a whole document (heartbeats and other requests
// go on meanwhile; bench/bt-serialize.ts measures the longest block).
import { performance } from 'node:perf_hooks';
import { yieldToEventLoop } from '../core/yield-to-event-loop.ts';

/**
 * Milliseconds of writing between two yields to the event loop while a long list is written. Copying
 * cached fragments is most of a slice, so a slice holds the loop about this long.
 */
export const DEFAULT_SLICE_MS = 2;

export { yieldToEventLoop };

/**
 * Calls `write` for every item; whenever a slice of `sliceMs` has passed, calls `endSlice` (a writer
 * cuts its piece there) and yields to the event loop. `sliceMs` 0 ends a slice after every item;
 * Infinity never yields.
 */
export async function forEachSliced<T>(
  items: Iterable<T>,
  write: (item: T) => void,
  sliceMs: number,
  endSlice?: () => void,
): Promise<void> {
  if (sliceMs === Number.POSITIVE_INFINITY) {
    for (const item of items) write(item);
    return;
  }
  let sliceStart = performance.now();
  for (const item of items) {
    write(item);
    if (performance.now() - sliceStart >= sliceMs) {
      endSlice?.();
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}
