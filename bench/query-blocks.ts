// Where the queries of workload 4 hold the event loop: the focused view of its "longest loop block
// while answering" rows, without the pollers of its phase B (a few minutes instead of twenty).
//
//   node --import tsx bench/query-blocks.ts [--sessions 10000] [--requests 30] [--only bt-clients,ce-online]
//                                          [--profile] [--enrich]
//
// A rollcall server in a child (answer caches off, as workload 4's phase A) gets `sessions` fleet
// sessions; each query is asked `requests` times in a row, after two warm-up answers, while the
// server's loop probe watches (the busy gap is the row's figure). With --profile the same requests run
// again under the CPU profiler and, for every gap of 5 ms or more, the script prints what the profile's
// samples inside that gap were doing: the block is named, not guessed. --enrich first gives every
// session two connections and a full event log (the largest answers).
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, forkChild, killAllOnSignal, runIfMain } from './lib/child.ts';
import { formatSummary, summariseWindow, type CpuProfile } from './lib/cpuprofile.ts';
import { sequentialLatency } from './lib/http.ts';
import type { LoopBlock } from './lib/loop-probe.ts';
import { sourceState } from './lib/machine.ts';
import { queries, type Credentials } from './workloads/queries.ts';

/** Gaps at least this long are looked up in the profile. */
const EXPLAIN_OVER_MS = 5;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: '10000' },
      requests: { type: 'string', default: '30' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      enrich: { type: 'boolean', default: false },
    },
  });
  const sessions = Number(values.sessions);
  const requests = Number(values.requests);
  const only = values.only?.split(',');
  killAllOnSignal('query-blocks');
  const src = sourceState();
  console.log(
    `query-blocks: ${sessions} sessions, ${requests} requests each; code ${src.commit}${src.changedSrcFiles > 0 ? ` + ${src.changedSrcFiles} uncommitted change(s) in src/` : ''} (src ${src.fingerprint}); ${new Date().toISOString()}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const server = await forkChild<{ port: number }>(join(BENCH_DIR, 'servers/rollcall-server.ts'), {
    name: 'rollcall server (uncached)',
    env: { ROLLCALL_BT_CACHE_MS: '0', ROLLCALL_POLL_CACHE_MS: '0', ROLLCALL_SESSION_TTL: '3600' },
    lifetimeMs: 1_800_000,
  });
  try {
    const { ids } = await server.call<{ ids: number[] }>('populate', { count: sessions }, 600_000);
    if (values.enrich) await server.call('enrich', {}, 600_000);
    const credentials = await server.call<Credentials>('credentials');
    const url = `http://127.0.0.1:${server.info.port}`;
    const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'rollcall-query-blocks-')) : undefined;
    for (const q of queries(credentials, ids[Math.floor(ids.length / 2)]!)) {
      if (only && !only.includes(q.key)) continue;
      await sequentialLatency(`${url}${q.path}`, { count: 2, warmup: 0, headers: q.headers });
      await server.call('probeStart');
      const result = await sequentialLatency(`${url}${q.path}`, { count: requests, warmup: 0, headers: q.headers });
      const loop = await server.call<LoopBlock>('probeStop');
      console.log(
        `${q.key.padEnd(16)} ${(result.bytes / 1e6).toFixed(2).padStart(6)} MB  p50 ${result.p50Ms.toFixed(1).padStart(6)} ms  p99 ${result.p99Ms.toFixed(1).padStart(6)} ms  longest block ${loop.longestBusyGapMs.toFixed(1).padStart(5)} ms (wall ${loop.longestGapMs.toFixed(1)}, GC ${loop.longestGcMs.toFixed(1)})`,
      );
      if (!profileDir) continue;
      await server.call('profileStart');
      await server.call('probeStart', { recordOverMs: EXPLAIN_OVER_MS });
      await sequentialLatency(`${url}${q.path}`, { count: requests, warmup: 0, headers: q.headers });
      const profiled = await server.call<LoopBlock>('probeStop');
      const file = join(profileDir, `${q.key}.cpuprofile`);
      await server.call('profileStop', { file });
      const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
      const gaps = (profiled.gaps ?? []).sort((a, b) => b.busyMs - a.busyMs).slice(0, 3);
      console.log(
        `  profiled: longest block ${profiled.longestBusyGapMs.toFixed(1)} ms; ${profiled.gaps?.length ?? 0} blocks ≥ ${EXPLAIN_OVER_MS} ms`,
      );
      for (const gap of gaps) {
        console.log(`  a block of ${gap.busyMs.toFixed(1)} ms (wall ${gap.ms.toFixed(1)}):`);
        console.log(`${formatSummary(summariseWindow(profile, gap.startUs, gap.endUs), 8).replace(/^/gm, '    ')}`);
      }
    }
    if (profileDir) console.log(`profiles: ${profileDir}`);
  } finally {
    await server.stop();
  }
  console.log(
    `done ${new Date().toISOString()}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

runIfMain(import.meta.filename, main);
