// Long work on the event loop (sweeps, grouping, paged reads, chunked writes, sliced answers) gives the
// loop back between slices with this, so ingest, queries and timers go on meanwhile.

/** Lets the event loop turn once (I/O, timers, other requests) before the caller goes on. */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
