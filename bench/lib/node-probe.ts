// Preloaded (`node --import`) into a real `rollcall serve` process that the cluster workload starts
// (bench/lib/rollcall-nodes.ts), so the process is exactly what an operator runs, plus a way for the
// benchmark to read it over the IPC channel:
//   stats         plain WebSocket heartbeat frames the core finished (the `rollcall:ws-heartbeat-frames`
//                 diagnostics channel that ingest publishes once per batch; pongs are not in it), this
//                 process's CPU time and the time of reading;
//   usage         memory as it is (no forced GC);
//   profileStart / profileStop   a CPU profile of a window (the inspector's sampling profiler).
// Like every benchmark child it exits when its parent goes away (the IPC channel closes) or when its
// lifetime (BENCH_LIFETIME_MS) runs out, so no node outlives a run even if the runner is SIGKILLed.
import { subscribe } from 'node:diagnostics_channel';
import { answerParent, limitLifetime } from './child.ts';
import { startProfile, stopProfile } from './profiler.ts';

let heartbeats = 0;
// By name: the channel is process-wide, so this needs no reference to the server's objects.
subscribe('rollcall:ws-heartbeat-frames', (message) => {
  heartbeats += (message as { frames: number }).frames;
});

export interface NodeStats {
  heartbeats: number;
  /** process.cpuUsage() user + system, µs. */
  cpuUs: number;
  atMs: number;
}

if (process.send) {
  limitLifetime();
  answerParent({
    stats: (): NodeStats => {
      const cpu = process.cpuUsage();
      return { heartbeats, cpuUs: cpu.user + cpu.system, atMs: performance.timeOrigin + performance.now() };
    },
    usage: () => process.memoryUsage(),
    profileStart: () => startProfile(),
    profileStop: (args: { file?: string } | undefined) => stopProfile(args?.file),
  });
  // The channel must not keep a node alive that rollcall itself would let exit.
  process.channel?.unref();
}
