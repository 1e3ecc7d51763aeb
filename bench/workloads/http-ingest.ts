// Workload 3: HTTP ingest. rollcall (a real server in a child process, sessions opened through its core)
// and a bare Fastify server (same version, same paths, routes that only answer) take byte-identical
// requests from autocannon, in interleaved windows (bare → rollcall, repeated):
// - single heartbeats: POST /v1/sessions/:id/heartbeat {"idle":false} with the ingest key, cycling
//   through every live session id; rollcall answers 204 after the core touched the session;
// - batch heartbeats: POST /v1/heartbeats with 10,000 {id} entries per call; heartbeats/s = calls/s ×
//   10,000 (the bare route parses the same body and answers a count).
import { join } from 'node:path';
import type { HttpSizes } from '../config.ts';
import { allStarted, BENCH_DIR, forkChild, type Child } from '../lib/child.ts';
import { BENCH_INGEST_KEY } from '../lib/constants.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import { fetchOnce, load, type LoadResult } from '../lib/http.ts';
import { row, type WorkloadResult } from '../lib/report.ts';
import { median, medianIndex } from '../lib/stats.ts';

export async function runHttpIngest(sizes: HttpSizes, options: { profileDir?: string } = {}): Promise<WorkloadResult> {
  const startedAt = performance.now();
  const lifetimeMs = 120_000 + sizes.rounds * 4 * (sizes.seconds * 1000 + 3_000);
  let rollcall: Child<{ port: number }> | undefined;
  let bare: Child<{ port: number }> | undefined;
  try {
    const started = await allStarted([
      // Sessions outlive the run: a heartbeat that found its session expired would measure a 404.
      forkChild<{ port: number }>(join(BENCH_DIR, 'servers/rollcall-server.ts'), {
        name: 'rollcall server',
        lifetimeMs,
        env: { ROLLCALL_SESSION_TTL: '3600' },
      }),
      forkChild<{ port: number }>(join(BENCH_DIR, 'servers/bare-fastify.ts'), { name: 'bare fastify', lifetimeMs }),
    ]);
    rollcall = started[0]!;
    bare = started[1]!;
    const { ids } = await rollcall.call<{ ids: number[] }>('populate', { count: sizes.sessions }, lifetimeMs);
    const paths = ids.map((id) => `/v1/sessions/${id}/heartbeat`);
    const headers = { authorization: `Bearer ${BENCH_INGEST_KEY}`, 'content-type': 'application/json' };
    const batchBody = JSON.stringify({ heartbeats: Array.from({ length: sizes.batchSize }, (_, k) => ({ id: ids[k % ids.length]! })) });
    const target = (child: Child<{ port: number }>) => `http://127.0.0.1:${child.info.port}`;

    const single = (child: Child<{ port: number }>) =>
      load({
        url: target(child),
        method: 'POST',
        headers,
        body: '{"idle":false}',
        paths,
        seconds: sizes.seconds,
        connections: sizes.connections,
      });
    const batch = (child: Child<{ port: number }>) =>
      load({
        url: `${target(child)}/v1/heartbeats`,
        method: 'POST',
        headers,
        body: batchBody,
        seconds: sizes.seconds,
        connections: sizes.batchConnections,
      });
    const checked = (what: string, result: LoadResult) => {
      if (result.non2xx > 0 || result.errors > 0 || result.ok === 0) {
        throw new Error(`${what}: ${result.ok} ok, ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      return result;
    };

    // Warm-up (JIT, connections, the ingest key's hash): a few hundred requests of each kind, unmeasured.
    for (const child of [bare, rollcall]) {
      for (let k = 0; k < 200; k++)
        await fetchOnce(`${target(child)}${paths[k % paths.length]}`, { method: 'POST', headers, body: '{"idle":false}' });
      for (let k = 0; k < 5; k++) await fetchOnce(`${target(child)}/v1/heartbeats`, { method: 'POST', headers, body: batchBody });
    }

    const rounds: {
      round: number;
      bareSingle: LoadResult;
      rollcallSingle: LoadResult;
      bareBatch: LoadResult;
      rollcallBatch: LoadResult;
    }[] = [];
    for (let round = 1; round <= sizes.rounds; round++) {
      const bareSingle = checked('bare single', await single(bare));
      const rollcallSingle = checked('rollcall single', await single(rollcall));
      const bareBatch = checked('bare batch', await batch(bare));
      const rollcallBatch = checked('rollcall batch', await batch(rollcall));
      rounds.push({ round, bareSingle, rollcallSingle, bareBatch, rollcallBatch });
    }
    const profiles: Record<string, ProfileSummary> = {};
    if (options.profileDir) {
      for (const [name, child, run] of [
        ['http-single-heartbeat', rollcall, single],
        ['http-single-heartbeat-bare', bare, single],
        ['http-batch-heartbeats', rollcall, batch],
        ['http-batch-heartbeats-bare', bare, batch],
      ] as const) {
        await child.call('profileStart');
        await run(child);
        profiles[name] = await child.call<ProfileSummary>('profileStop', { file: join(options.profileDir, `${name}.cpuprofile`) });
      }
    }

    const med = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
    // Each row shows the round whose ratio is the median one: its two figures and their ratio agree.
    const singleRound = () => rounds[medianIndex(singleRatios)]!;
    const batchRound = () => rounds[medianIndex(batchRatios)]!;
    const singleRatios = rounds.map((r) => r.rollcallSingle.rps / r.bareSingle.rps);
    const batchRatios = rounds.map((r) => r.rollcallBatch.rps / r.bareBatch.rps);
    const hb = (r: LoadResult) => r.rps * sizes.batchSize;
    return {
      name: 'http',
      title: 'HTTP ingest vs bare Fastify',
      params: { ...sizes },
      rows: [
        row(
          '3',
          `HTTP single heartbeats/s, ${sizes.connections} connections (round with the median ratio of ${sizes.rounds})`,
          'req/s',
          singleRound().rollcallSingle.rps,
          {
            baseline: { label: 'bare Fastify 204', value: singleRound().bareSingle.rps },
            target: { on: 'ratio', op: '>=', limit: 0.8 },
            note: `per-round ratios ${singleRatios.map((x) => x.toFixed(2)).join(', ')}; p99 ${med((r) => r.rollcallSingle.p99Ms)} ms vs ${med((r) => r.bareSingle.p99Ms)} ms (median)`,
          },
        ),
        row(
          '3',
          `HTTP batch heartbeats/s, ${sizes.batchSize.toLocaleString('en-US')} per call, ${sizes.batchConnections} connections (median of ${sizes.rounds})`,
          'hb/s',
          med((r) => hb(r.rollcallBatch)),
          {
            baseline: { label: 'bare Fastify parse + 200', value: hb(batchRound().bareBatch) },
            ratio: median(batchRatios),
            target: { on: 'value', op: '>=', limit: 1_000_000 },
            note: `per-round ratios ${batchRatios.map((x) => x.toFixed(2)).join(', ')}; baseline and ratio from the median round`,
          },
        ),
      ],
      details: { rounds, singleRatios, batchRatios, profiles },
      seconds: (performance.now() - startedAt) / 1000,
    };
  } finally {
    await Promise.all([rollcall?.stop(), bare?.stop()]);
  }
}
