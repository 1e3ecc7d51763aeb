// bench/peers/socketio-presence.ts in a child process of its own, driven over IPC like the others.
import { serveParent } from '../lib/child.ts';
import { BENCH_TOKEN_SECRET } from '../lib/constants.ts';
import { settledMemory } from '../lib/memory.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';
import { startSocketIoPresence } from '../peers/socketio-presence.ts';

const peer = await startSocketIoPresence({ tokenSecret: BENCH_TOKEN_SECRET });

serveParent(
  {
    stats: () => {
      const cpu = process.cpuUsage();
      return { heartbeats: peer.heartbeats(), cpuUs: cpu.user + cpu.system, atMs: performance.now(), sessions: 0 };
    },
    memory: () => settledMemory(),
    touch: ({ count, offset }: { count: number; offset: number }) => peer.touch(count, offset),
    profileStart: () => startProfile(),
    profileStop: ({ file }: { file?: string }) => stopProfile(file),
  },
  { port: peer.port, pid: process.pid },
  () => peer.close(),
);
