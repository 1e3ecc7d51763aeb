// Workload 1, the measuring side: N live sessions in one process, opened through the core
// (PresenceService.open with the ingest actor) over the in-memory LiveStore and a real SQLite history,
// with a clock the workload moves itself so expiry can be driven without waiting.
// Runs in a child with --expose-gc and a big heap (bench/workloads/registry.ts starts it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '../../src/config/load.ts';
import type { Actor } from '../../src/core/actor.ts';
import type { HelloSessionBody } from '../../src/core/input-schemas.ts';
import { PresenceService } from '../../src/core/presence-service.ts';
import { createLiveStore } from '../../src/live/factory.ts';
import { openHistory } from '../../src/server/open-history.ts';
import { serveParent } from '../lib/child.ts';
import { allStringBytes, sessionBody, uniqueStringBytes, v8StringBytes } from '../lib/fleet.ts';
import { settledMemory } from '../lib/memory.ts';
import { watchLoop, type LoopBlock } from '../lib/loop-probe.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import { median } from '../lib/stats.ts';

export interface RegistryFigures {
  sessions: number;
  openPerSec: number;
  heapBytesPerSession: number;
  rssBytesPerSession: number;
  uniqueStringBytesPerSession: number;
  allStringBytesPerSession: number;
  typeQueryMs: number;
  typeQuerySessions: number;
  typeQueryUsers: number;
  firstPageMs: number;
  middlePageMs: number;
  routineSweepMs: number;
  batchTouchPerSec: number;
  refileSweepMs: number;
  /** CPU time of the same sweep: what it costs whatever share of a core the machine gave it. */
  refileSweepCpuMs: number;
  refiledSessions: number;
  profiles: Record<string, ProfileSummary>;
  /** With --profile and N ≤ 200,000: heap snapshots before and after opening (paths). */
  heapSnapshots?: { before: string; after: string };
}

const TTL_MS = 90_000;
const INGEST: Actor = { kind: 'ingest' };
/** The workload's clock moves 1 ms per this many sessions opened (1M sessions open over 50 s of clock). */
const SESSIONS_PER_MS = 20;
const BATCH = 10_000;

export interface ExpiryFigures {
  expirySweepMs: number;
  expirySweepCpuMs: number;
  expiredSessions: number;
  /** How long the sweep held the event loop at most (it yields between slices), and how it was seen. */
  expiryLoop: LoopBlock;
  /** The history flush that writes their ends and last seen, and how long it held the loop at most. */
  expiryFlushMs: number;
  expiryFlushLoop: LoopBlock;
  profile?: ProfileSummary;
}

/** The process's CPU time (all its threads, GC helpers included) in a `process.cpuUsage` difference. */
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-registry-'));
let opened: Awaited<ReturnType<typeof openHistory>> | undefined;
/** What `run` leaves for `expire`: the last step, asked for separately so the parent can time-box it. */
let massExpiry: (() => Promise<ExpiryFigures>) | undefined;

async function cleanUp(): Promise<void> {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
}

async function run({
  sessions: n,
  queryRuns,
  profileDir,
}: {
  sessions: number;
  queryRuns: number;
  profileDir?: string;
}): Promise<RegistryFigures> {
  const profiles: Record<string, ProfileSummary> = {};
  const profiled = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    if (!profileDir) return work();
    await startProfile();
    try {
      return await work();
    } finally {
      profiles[name] = await stopProfile(join(profileDir, `registry-${name}.cpuprofile`));
    }
  };
  opened = await openHistory(loadConfig({ flags: { dataDir: dir, logLevel: 'silent' } }));
  {
    const { history, dataDir } = opened;
    const live = await createLiveStore(
      { liveStore: 'memory', redisKeyPrefix: 'rollcall' },
      {
        nodeId: dataDir.nodeId,
        idSource: { reserve: (size) => history.advanceCounter('session_ids', size) },
        onError: (error) => console.error(error),
      },
    );
    const t0 = Date.now();
    let clock = t0;
    const presence = new PresenceService(live, history, {
      nodeId: dataDir.nodeId,
      nodeRole: 'master',
      sessionTtlMs: TTL_MS,
      wsHeartbeatMs: 15_000,
      wsResumeGraceMs: 10_000,
      offlineWindowMs: 86_400_000,
      sweepIntervalMs: 1_000,
      historyFlushMs: 2_000,
      now: () => clock,
      onError: (error, context) => process.stderr.write(`${context}: ${String(error)}\n`),
    });
    const remote = (i: number) => `203.0.${(i >> 8) & 255}.${i & 255}`;

    // Warm-up: the code paths JIT-compiled, the agent cache and the SQLite statements ready, so the
    // baseline holds everything but the sessions. Fleet indexes past N: none of these users recur.
    for (let i = n; i < n + 2_000; i++) {
      const { session } = await presence.open(sessionBody(i), INGEST, { transport: 'http', remoteAddress: remote(i) });
      await presence.end(session.id, INGEST);
    }
    // The expiry paths too, as a server running for a while has them: a small registry heartbeats, is
    // swept while every session is extended, then swept when all are due. The clock goes back to t0
    // afterwards; none of these sessions is left.
    for (let round = 0; round < 10; round++) {
      clock = t0;
      const warmIds: { id: number }[] = [];
      for (let i = n + 2_000; i < n + 4_000; i++) {
        const { session } = await presence.open(sessionBody(i), INGEST, { transport: 'http', remoteAddress: remote(i) });
        warmIds.push({ id: session.id });
      }
      clock = t0 + 10_000;
      await presence.heartbeats({ heartbeats: warmIds }, INGEST);
      clock = t0 + TTL_MS + 1;
      await presence.sweep();
      clock = t0 + 10_000 + TTL_MS + 1;
      await presence.sweep();
      if ((await presence.countSessions()) !== 0) throw new Error('the warm-up left sessions behind');
    }
    clock = t0;
    await presence.flushHistory();
    const snapshots =
      profileDir && n <= 200_000
        ? { before: join(profileDir, 'registry-before.heapsnapshot'), after: join(profileDir, 'registry-after.heapsnapshot') }
        : undefined;
    if (snapshots) writeHeapSnapshot(snapshots.before);
    const before = await settledMemory();

    // ---- open N -----------------------------------------------------------------------------------
    let openMs = 0;
    let uniqueBytes = 0;
    let allBytes = 0;
    const ids: number[] = [];
    // The profile (with --profile) covers the opening of one batch in the middle, not the making of bodies.
    const profiledBatch = Math.floor(n / BATCH / 2) * BATCH;
    for (let start = 0; start < n; start += BATCH) {
      const bodies: HelloSessionBody[] = [];
      const addresses: string[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const body = sessionBody(i);
        bodies.push(body);
        addresses.push(JSON.parse(JSON.stringify(remote(i))) as string);
        uniqueBytes += uniqueStringBytes(body) + v8StringBytes(addresses.at(-1)!);
        allBytes += allStringBytes(body) + v8StringBytes(addresses.at(-1)!);
      }
      const openBatch = async () => {
        const begin = performance.now();
        for (let k = 0; k < bodies.length; k++) {
          clock = t0 + Math.floor((start + k) / SESSIONS_PER_MS);
          const { session } = await presence.open(bodies[k]!, INGEST, { transport: 'http', remoteAddress: addresses[k]! });
          ids.push(session.id);
        }
        openMs += performance.now() - begin;
      };
      if (start === profiledBatch) await profiled('open', openBatch);
      else await openBatch();
    }
    const lastOpen = clock;
    // History gets the new users and session-log lines in batches; written now, the figure below holds
    // the live registry only.
    await presence.flushHistory();
    const ids32 = Int32Array.from(ids);
    ids.length = 0;
    const after = await settledMemory();
    if (snapshots) writeHeapSnapshot(snapshots.after);

    // ---- queries ----------------------------------------------------------------------------------
    const time = async (work: () => Promise<unknown>) => {
      const runs: number[] = [];
      for (let r = 0; r < queryRuns; r++) {
        const begin = performance.now();
        await work();
        runs.push(performance.now() - begin);
      }
      return median(runs);
    };
    let typeQuerySessions = 0;
    let typeQueryUsers = 0;
    const typeQueryMs = await profiled('type-query', () =>
      time(async () => {
        const reps = await presence.listSessions({ clientTypes: ['representative'] });
        typeQuerySessions = reps.length;
        typeQueryUsers = new Set(reps.map((s) => s.user.id)).size;
      }),
    );
    const firstPageMs = await time(() => presence.listSessions({ limit: 100 }));
    const middle = ids32[Math.floor(n / 2)]!;
    const middlePageMs = await profiled('page', () =>
      time(async () => {
        const page = await presence.listSessions({ limit: 100, afterId: middle });
        if (page.length !== Math.min(100, n - Math.floor(n / 2) - 1)) throw new Error(`page of ${page.length}`);
      }),
    );

    // ---- expiry -----------------------------------------------------------------------------------
    // A routine sweep a second after the last open: nothing is due.
    clock = lastOpen + 1_000;
    let begin = performance.now();
    await presence.sweep();
    const routineSweepMs = performance.now() - begin;

    // Every session heartbeats (batch ingest, 10,000 per call) ten seconds later…
    clock = lastOpen + 10_000;
    begin = performance.now();
    for (let start = 0; start < n; start += BATCH) {
      const heartbeats = Array.from(ids32.subarray(start, start + BATCH), (id) => ({ id }));
      const { unknown } = await presence.heartbeats({ heartbeats }, INGEST);
      if (unknown.length > 0) throw new Error(`${unknown.length} sessions were not live`);
    }
    const batchTouchPerSec = n / ((performance.now() - begin) / 1000);

    // …so when their first expiry comes, the sweep finds every one extended and ends none: it looks at
    // all N (the largest sweep a healthy registry does).
    clock = lastOpen + TTL_MS + 1;
    // Each timed sweep starts on a settled heap: the heartbeats above left a million objects of
    // garbage, and a collection of it landing in the window would be their cost, not the sweep's.
    await settledMemory();
    let refileSweepCpuMs = 0;
    const refileSweepMs = await profiled('sweep-refile', async () => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await presence.sweep();
      const elapsed = performance.now() - start;
      refileSweepCpuMs = cpuMs(process.cpuUsage(cpu));
      return elapsed;
    });
    const refiledSessions = await presence.countSessions();

    // Then everyone goes quiet at once (a network cut): one sweep ends all N, in slices that give the
    // event loop back (the loop probe says for how long it was held at most), then history writes
    // their ends in chunks. Asked for separately (`expire`), so the parent can time-box it.
    massExpiry = async () => {
      clock = lastOpen + 10_000 + TTL_MS + 1;
      await settledMemory();
      if (profileDir) await startProfile();
      const cpu = process.cpuUsage();
      // Gaps of 20 ms or more are listed with their bounds, so a profile (--profile) can say what ran in them.
      const stopWatching = watchLoop({ recordOverMs: 20 });
      const start = performance.now();
      await presence.sweep();
      const expirySweepMs = performance.now() - start;
      const expiryLoop = stopWatching();
      const expirySweepCpuMs = cpuMs(process.cpuUsage(cpu));
      const profile = profileDir ? await stopProfile(join(profileDir, 'registry-sweep-expire.cpuprofile')) : undefined;
      const expiredSessions = n - (await presence.countSessions());
      const stopWatchingFlush = watchLoop();
      const flushStart = performance.now();
      await presence.flushHistory();
      const expiryFlushMs = performance.now() - flushStart;
      const expiryFlushLoop = stopWatchingFlush();
      return { expirySweepMs, expirySweepCpuMs, expiredSessions, expiryLoop, expiryFlushMs, expiryFlushLoop, ...(profile && { profile }) };
    };

    return {
      sessions: n,
      openPerSec: n / (openMs / 1000),
      heapBytesPerSession: (after.heapUsed - before.heapUsed) / n,
      rssBytesPerSession: (after.rss - before.rss) / n,
      uniqueStringBytesPerSession: uniqueBytes / n,
      allStringBytesPerSession: allBytes / n,
      typeQueryMs,
      typeQuerySessions,
      typeQueryUsers,
      firstPageMs,
      middlePageMs,
      routineSweepMs,
      batchTouchPerSec,
      refileSweepMs,
      refileSweepCpuMs,
      refiledSessions,
      profiles,
      ...(snapshots && { heapSnapshots: snapshots }),
    };
  }
}

serveParent(
  {
    run,
    expire: () => {
      if (!massExpiry) throw new Error('run first');
      return massExpiry();
    },
  },
  // The parent removes `dir` too: when it has to kill this process, nothing here runs.
  { pid: process.pid, dir },
  cleanUp,
);
