// A watchdog child for servers the benchmark runs that are not Node children of its own (redis-server,
// PostgreSQL): the runner tells it their pids, and when the runner goes away without stopping them (it
// was SIGKILLed, so its own exit hooks never ran) or the guard's lifetime runs out, the guard's exit
// kills them by those pids: SIGKILL for Redis, SIGQUIT for PostgreSQL (its immediate shutdown, which
// also ends the postmaster's own children). A server stopped normally is released first, so the
// guard never signals a pid that may have been reused.
import { serveParent } from './child.ts';

const watched = new Map<number, NodeJS.Signals>();

process.on('exit', () => {
  for (const [pid, signal] of watched) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
});

serveParent(
  {
    watch: ({ pid, signal }: { pid: number; signal: NodeJS.Signals }) => {
      watched.set(pid, signal);
    },
    release: ({ pid }: { pid: number }) => {
      watched.delete(pid);
    },
  },
  { pid: process.pid },
);
