// A real rollcall server in a child process of its own, as `rollcall serve` builds it: configuration
// through loadConfig (flags for port 0, a throwaway data dir, silent logs and the ingest key; ROLLCALL_*
// variables from the environment, e.g. ROLLCALL_BT_CACHE_MS=0), createRollcall, listen on 127.0.0.1.
// The parent drives it over IPC: fill it with sessions through the core, create credentials, read
// counters, memory (after GC: run with --expose-gc), event-loop blocks and CPU profiles of a window.
//
// Heartbeats are counted where the server finishes them, not where they reach its socket: completed
// `presence.heartbeat` calls (HTTP single heartbeats, WebSocket hb frames that carry idle/view/
// representative) and accepted batch entries, by wrapping the PresenceService instance's methods (one
// extra async call each), plus the plain WebSocket `{"type":"hb"}` frames whose session the core
// touched, which the socket reports per batch on `heartbeatFramesChannel`. Pongs are never counted:
// the socket reports them to the core through `keepAlive`, which is not wrapped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { loadConfig } from '../../src/config/load.ts';
import { EVENT_LOG_LIMIT, sessionConnections, type SessionEvent } from '../../src/core/model.ts';
import { heartbeatFramesChannel, type HeartbeatFramesMessage } from '../../src/ingest/socket-sessions.ts';
import { createRollcall } from '../../src/server/compose.ts';
import { serveParent } from '../lib/child.ts';
import { BENCH_ADMIN_PASSWORD, BENCH_INGEST_KEY, BENCH_TOKEN_SECRET } from '../lib/constants.ts';
import { sessionBody, spread } from '../lib/fleet.ts';
import { watchLoop, type LoopBlock } from '../lib/loop-probe.ts';
import { settledMemory } from '../lib/memory.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';

export interface RollcallInfo {
  port: number;
  pid: number;
  btCacheMs: number;
}

export interface ServerStats {
  /** Heartbeats finished (HTTP single and batch entries, WebSocket hb frames; never pongs). */
  heartbeats: number;
  /** process.cpuUsage() total, µs. */
  cpuUs: number;
  atMs: number;
  sessions: number;
}

const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-'));
const config = loadConfig({
  env: process.env,
  flags: {
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    ingestKey: BENCH_INGEST_KEY,
    adminPassword: BENCH_ADMIN_PASSWORD,
    tokenSecret: BENCH_TOKEN_SECRET,
    logLevel: 'silent',
  },
});
const rollcall = await createRollcall(config);
const { presence, history, live } = rollcall;

let heartbeats = 0;
const heartbeat = presence.heartbeat.bind(presence);
presence.heartbeat = async (...args: Parameters<typeof heartbeat>) => {
  await heartbeat(...args);
  heartbeats++;
};
const batch = presence.heartbeats.bind(presence);
presence.heartbeats = async (...args: Parameters<typeof batch>) => {
  const answer = await batch(...args);
  heartbeats += answer.accepted;
  return answer;
};
heartbeatFramesChannel.subscribe((message) => {
  heartbeats += (message as HeartbeatFramesMessage).frames;
});

await rollcall.app.listen({ port: 0, host: '127.0.0.1' });
const address = rollcall.app.server.address();
if (!address || typeof address !== 'object') throw new Error('no address');

let stopProbe: (() => LoopBlock) | undefined;
/** The soak's event-loop delay histogram (bench/soak.ts): read and reset once per window. */
let loopDelay: IntervalHistogram | undefined;

serveParent(
  {
    stats: async (): Promise<ServerStats> => {
      const cpu = process.cpuUsage();
      return { heartbeats, cpuUs: cpu.user + cpu.system, atMs: performance.now(), sessions: await live.count() };
    },
    /** Writes pending history first, so the figure does not depend on where the flush timer stands. */
    memory: async () => {
      await presence.flushHistory();
      return settledMemory();
    },
    /**
     * Opens `count` fleet sessions through the core with the ingest key (fleet indexes from `first`),
     * as HTTP sessions; answers their ids. History is written before it answers.
     */
    populate: async ({ count, first = 0 }: { count: number; first?: number }) => {
      const ids: number[] = [];
      const start = performance.now();
      for (let i = first; i < first + count; i++) {
        const { session } = await presence.open(sessionBody(i), { kind: 'ingest' }, { transport: 'http', remoteAddress: '127.0.0.1' });
        ids.push(session.id);
      }
      const openMs = performance.now() - start;
      await presence.flushHistory();
      return { ids, openMs };
    },
    /**
     * The largest answer a client can give (bench/bt-serialize.ts): every session gets two node
     * connections and a full event log, written straight into the store (ingest has no call for it).
     */
    enrich: async () => {
      let n = 0;
      for (const session of await presence.listSessions()) {
        const events: SessionEvent[] = Array.from({ length: EVENT_LOG_LIMIT }, (_, k) => ({
          at: session.startedAt + k * 1000,
          kind: k % 2 === 0 ? 'connected' : 'disconnected',
          text: k % 2 === 0 ? `Connected to node ${session.nodeId} as master` : `Disconnected from node ${session.nodeId}: connection lost`,
        }));
        await live.update(
          session.id,
          (s) => ({
            ...s,
            events,
            connections: [
              sessionConnections(s)[0]!,
              {
                ...sessionConnections(s)[0]!,
                nodeId: 'a3c5e7f9-0000-4000-8000-000000000002',
                purpose: 'traffic',
                receiveTrafficNode: true,
              },
            ],
          }),
          Date.now(),
        );
        n++;
      }
      return { enriched: n };
    },
    /** A reader account for the command API (username/password), and an admin-owned API key. */
    credentials: async () => {
      const password = 'bench-reader-password';
      await history.createAccount({ username: 'bench-reader', role: 'reader', passwordHash: await hashPassword(password) });
      const admin = await history.findAccount('admin');
      if (!admin) throw new Error('no admin account');
      const key = generateApiKey('api');
      await history.createApiKey({ kind: 'api', accountId: admin.id, prefix: key.prefix, hash: key.hash, label: 'bench' });
      return { username: 'bench-reader', password, apiKey: key.key, adminPassword: BENCH_ADMIN_PASSWORD };
    },
    /**
     * Heartbeats `count` live sessions spread over all of them through the core, as their clients'
     * heartbeats would: "who is online" must then be made again (bench/workloads/ws-ingest.ts).
     */
    touch: async ({ count, offset }: { count: number; offset: number }) => {
      const ids = (await presence.listSessions()).map((s) => s.id);
      await presence.keepAlive(spread(ids.length, count, offset).map((k) => ids[k]!));
    },
    /** Every live session's id (the soak's final check: the server's set against the clients'). */
    sessionIds: async () => (await presence.listSessions()).map((s) => s.id),
    /**
     * Memory and CPU as they are, without a collection first (the soak watches RSS drift over time;
     * forcing a GC every sample would hide what a running server really holds).
     */
    usage: () => {
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      const cpu = process.cpuUsage();
      return { rss, heapUsed, heapTotal, external, arrayBuffers, cpuUs: cpu.user + cpu.system, at: Date.now() };
    },
    /**
     * The event loop's delay since the last call (or since the first, which starts the histogram):
     * perf_hooks.monitorEventLoopDelay at 5 ms resolution, in ms. Reset after each read, so each answer
     * covers one window.
     */
    loopDelay: () => {
      if (!loopDelay) {
        loopDelay = monitorEventLoopDelay({ resolution: 5 });
        loopDelay.enable();
        return undefined;
      }
      const figures = {
        p50Ms: loopDelay.percentile(50) / 1e6,
        p99Ms: loopDelay.percentile(99) / 1e6,
        maxMs: loopDelay.max / 1e6,
        samples: loopDelay.count,
      };
      loopDelay.reset();
      return figures;
    },
    /** `recordOverMs`: also list every gap at least this long, with its bounds (see loop-probe.ts). */
    probeStart: ({ recordOverMs }: { recordOverMs?: number } = {}) => {
      stopProbe = watchLoop({ recordOverMs });
    },
    probeStop: () => {
      const result = stopProbe?.();
      stopProbe = undefined;
      return result;
    },
    heapSnapshot: async ({ file }: { file: string }) => {
      await presence.flushHistory();
      await settledMemory();
      return writeHeapSnapshot(file);
    },
    profileStart: () => startProfile(),
    profileStop: ({ file }: { file?: string }) => stopProfile(file),
  },
  { port: address.port, pid: process.pid, btCacheMs: config.btCacheMs } satisfies RollcallInfo,
  async () => {
    await rollcall.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
