// How long something held the event loop: the approach of bench/bt-serialize.ts, shared.
// Two probes: perf_hooks.monitorEventLoopDelay (1 ms resolution) and a setImmediate chain whose longest
// gap is the longest stretch anything held the loop. The gap is also counted only while this process
// used the CPU: on a shared machine the scheduler stops the process too, which the wall clock alone
// would blame on the code. Garbage-collection pauses are recorded to tell how much of a block is the
// collector's.
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

export interface LoopBlock {
  /** Longest gap between two turns of the loop, wall clock. */
  longestGapMs: number;
  /** The same, bounded by the CPU time this process used in that gap. */
  longestBusyGapMs: number;
  longestGcMs: number;
  delayMaxMs: number;
  delayP99Ms: number;
  /**
   * With `recordOverMs`: every gap at least that long (busy, as the row counts it), with its bounds on
   * the monotonic clock in µs, the clock of a V8 CPU profile's samples, so a profile of the same
   * window says what ran in it (bench/query-blocks.ts).
   */
  gaps?: { startUs: number; endUs: number; ms: number; busyMs: number }[];
}

/** Starts watching; the function it answers stops and reports. */
export function watchLoop(options: { recordOverMs?: number } = {}): () => LoopBlock {
  const gaps: NonNullable<LoopBlock['gaps']> = [];
  let lastUs = process.hrtime.bigint() / 1000n;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let longestGc = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGc = Math.max(longestGc, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  let longestGap = 0;
  let longestBusyGap = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let running = true;
  const tick = () => {
    // A turn already scheduled when the watch stopped: what came after the window is none of its gaps.
    if (!running) return;
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const gap = now - last;
    longestGap = Math.max(longestGap, gap);
    const busy = Math.min(gap, (cpu.user + cpu.system) / 1000);
    longestBusyGap = Math.max(longestBusyGap, busy);
    const nowUs = process.hrtime.bigint() / 1000n;
    if (options.recordOverMs !== undefined && busy >= options.recordOverMs) {
      gaps.push({ startUs: Number(lastUs), endUs: Number(nowUs), ms: gap, busyMs: busy });
    }
    lastUs = nowUs;
    last = now;
    lastCpu = process.cpuUsage();
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    running = false;
    histogram.disable();
    gc.disconnect();
    return {
      longestGapMs: longestGap,
      longestBusyGapMs: longestBusyGap,
      longestGcMs: longestGc,
      delayMaxMs: histogram.max / 1e6,
      delayP99Ms: histogram.percentile(99) / 1e6,
      ...(options.recordOverMs !== undefined && { gaps }),
    };
  };
}
