// The benchmark harness (bench/) must not rot silently: every workload of `npm run bench` runs here at a
// tiny size (bench/config.ts, profile `tiny`), with the same code paths as the real run — child
// processes, loopback source addresses, autocannon, the Socket.IO peer. Only that the pieces run and
// produce sane figures is checked, never a target: timings belong to the benchmark, not to tests.
// The four workloads run at once to keep this file short; they share the CPU, which only changes numbers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SIZES } from '../../bench/config.ts';
import { runningChildren } from '../../bench/lib/child.ts';
import { summariseProfile, type CpuProfile } from '../../bench/lib/cpuprofile.ts';
import { clientTypeOf, sessionBody, sessionJson, uniqueStringBytes } from '../../bench/lib/fleet.ts';
import { startProfile, stopProfile } from '../../bench/lib/profiler.ts';
import { formatTable, row, type WorkloadResult } from '../../bench/lib/report.ts';
import { writeResults, type RunResult } from '../../bench/run.ts';
import { runHistory } from '../../bench/workloads/history.ts';
import { runHttpIngest } from '../../bench/workloads/http-ingest.ts';
import { runQueries } from '../../bench/workloads/queries.ts';
import { runRegistry } from '../../bench/workloads/registry.ts';
import { runWsIngest } from '../../bench/workloads/ws-ingest.ts';
import { runCluster } from '../../bench/workloads/cluster.ts';
import { runPlaces } from '../../bench/workloads/places.ts';
import { runningNodes } from '../../bench/lib/rollcall-nodes.ts';
import { skipUnlessCluster } from '../helpers/cluster.ts';
import { HelloSessionSchema } from '../../src/core/input-schemas.ts';
import { CLIENT_TYPES } from '../../src/core/model.ts';
import { validateBody } from '../../src/ingest/validation.ts';
import { skipUnlessPostgres } from '../helpers/postgres.ts';

function assertSane(result: WorkloadResult, workloads: string[]): void {
  assert.ok(result.rows.length > 0, `${result.name}: no rows`);
  for (const r of result.rows) {
    assert.ok(workloads.includes(r.workload), `${result.name}: row of workload ${r.workload}`);
    // Memory per session or connection is a difference of two process readings: at this tiny size
    // (a few dozen connections) the allocator's noise can outweigh it and even make it negative.
    const memoryDelta = r.unit === 'B' || r.unit === 'KB';
    // A count of failures may well be 0 on both sides, and then has no ratio.
    const failureCount = r.unit === 'answers';
    assert.ok(Number.isFinite(r.value) && (memoryDelta || r.value >= 0), `${result.name}: ${r.metric} = ${r.value}`);
    if (r.baseline) {
      const baselineOk = memoryDelta || r.baseline.value > 0 || (failureCount && r.baseline.value === 0);
      assert.ok(Number.isFinite(r.baseline.value) && baselineOk, `${result.name}: baseline of ${r.metric} = ${r.baseline.value}`);
      if (!memoryDelta && !failureCount) assert.ok(Number.isFinite(r.ratio), `${result.name}: ratio of ${r.metric}`);
    }
    if (r.target) assert.equal(typeof r.met, 'boolean', `${result.name}: ${r.metric} has a target but no verdict`);
  }
}

describe('bench harness', () => {
  it('runs the cluster workload at a tiny size: three nodes, Socket.IO on Redis, a node killed', {
    timeout: 180_000,
    skip: skipUnlessCluster(),
  }, async () => {
    const result = await runCluster(SIZES.tiny.cluster);
    assertSane(result, ['7']);
    // The ghost cleanup's exactness holds at any size: every session of the killed node ended once, no other.
    const exact = result.rows.find((r) => r.metric.includes('ended exactly once with node_lost'));
    assert.equal(exact?.met, true, JSON.stringify(exact));
    assert.equal(runningChildren(), 0, 'the workload left a child process running');
  });

  it('runs the places workload at a tiny size: watchers on rollcall and on Socket.IO rooms, every event delivered', {
    timeout: 90_000,
  }, async () => {
    const tiny = SIZES.tiny.places;
    const result = await runPlaces(tiny);
    assertSane(result, ['8']);
    // The workload itself fails when an event misses a watcher or arrives twice; here, that it measured
    // every change of every window, in both scenarios, on both systems.
    const windows = result.details.windows as { system: string; scenario: string; events: number; deliveries: number; lastMs: number[] }[];
    assert.equal(windows.length, 2 * 2 * tiny.rounds);
    for (const w of windows) {
      assert.equal(w.lastMs.length, w.events, `${w.system} ${w.scenario}`);
      assert.equal(
        w.deliveries,
        w.events * (w.scenario === 'crowd' ? tiny.watchers : tiny.watchers / tiny.spread.places),
        `${w.system} ${w.scenario}`,
      );
      assert.ok(
        w.lastMs.every((ms) => ms > 0),
        `${w.system} ${w.scenario}: an event arrived before it was sent`,
      );
    }
    assert.equal(runningChildren(), 0, 'the workload left a child process running');
    assert.equal(runningNodes(), 0, 'the workload left a rollcall node running');
  });

  it('runs every workload at a tiny size and reports sane figures', { timeout: 180_000 }, async () => {
    const tiny = SIZES.tiny;
    const [registry, ws, http, queries] = await Promise.all([
      runRegistry(tiny.registry),
      runWsIngest(tiny.ws),
      runHttpIngest(tiny.http),
      runQueries(tiny.queries),
    ]);
    assertSane(registry, ['1']);
    const [wsIngest, socketIo] = ws;
    assertSane(wsIngest!, ['2']);
    assertSane(socketIo!, ['5']);
    assertSane(http, ['3']);
    assertSane(queries, ['4']);

    // Everything that was measured was measured: every client connected, every heartbeat was counted.
    const connect = wsIngest!.details.connect as Record<string, { connected: number }>;
    for (const kind of ['bare', 'rollcall', 'socketio']) assert.equal(connect[kind]!.connected, tiny.ws.connections, kind);
    for (const w of wsIngest!.details.windows as { kind: string; unaccounted: number; perSec: number }[]) {
      assert.equal(w.unaccounted, 0, `${w.kind}: heartbeats sent but not counted by the server`);
      assert.ok(w.perSec > 0, w.kind);
    }
    const figures = registry.details.figures as { expiry: { expiredSessions: number }; refiledSessions: number };
    assert.equal(figures.expiry.expiredSessions, tiny.registry.sessions);
    assert.equal(figures.refiledSessions, tiny.registry.sessions);
    assert.equal(runningChildren(), 0, 'a workload left a child process running');

    // The results file the runner writes holds the table and reads back.
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-test-'));
    try {
      const all = [registry, ...ws, http, queries];
      const result: RunResult = {
        startedAt: new Date().toISOString(),
        profile: 'tiny',
        machine: { cpuModel: 'x', cpus: 2, totalMemGiB: 1, os: 'x', node: process.version, loadAverage: [] },
        source: { commit: 'x', changedSrcFiles: 0, fingerprint: 'x' },
        workloads: all,
        failures: [],
        warnings: [],
        table: formatTable(all.flatMap((w) => w.rows)),
        seconds: 1,
      };
      const path = writeResults(result, join(dir, 'result.json'));
      const back = JSON.parse(readFileSync(path, 'utf8')) as RunResult;
      assert.equal(back.workloads.length, 5);
      for (const n of ['| 1 |', '| 2 |', '| 3 |', '| 4 |', '| 5 |']) assert.ok(back.table.includes(n), n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the history workload (SQLite and PostgreSQL) at a tiny size', { skip: skipUnlessPostgres(), timeout: 60_000 }, async () => {
    const history = await runHistory(SIZES.tiny.history);
    assertSane(history, ['6']);
    const figures = history.details.figures as Record<string, { userFlushes: unknown[]; sessionLogFlushes: unknown[] }>;
    for (const store of ['sqlite', 'postgres']) {
      assert.equal(figures[store]!.userFlushes.length, SIZES.tiny.history.rounds, store);
      assert.equal(figures[store]!.sessionLogFlushes.length, 2 * SIZES.tiny.history.rounds, store);
    }
  });

  it('fleet bodies are valid ingest bodies, deterministic, and cover every client type', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      validateBody(HelloSessionSchema, sessionBody(i));
      validateBody(HelloSessionSchema, sessionBody(i, false));
      assert.equal(sessionJson(i, true), sessionJson(i, true));
      assert.equal(sessionBody(i).clientType, clientTypeOf(i));
      assert.ok(uniqueStringBytes(sessionBody(i)) > 0);
      seen.add(clientTypeOf(i));
    }
    assert.deepEqual([...seen].sort(), [...CLIENT_TYPES].sort());
  });

  it('rows compare against their baseline and judge their target', () => {
    const r = row('3', 'x', 'req/s', 80, { baseline: { label: 'bare', value: 100 }, target: { on: 'ratio', op: '>=', limit: 0.8 } });
    assert.equal(r.ratio, 0.8);
    assert.equal(r.met, true);
    assert.equal(row('1', 'y', 'ms', 2, { target: { on: 'value', op: '<', limit: 2 } }).met, false);
    assert.match(formatTable([r]), /\| 3 +\| x +\| 80 req\/s +\| 100 \(bare\) +\| 0\.80 +\| ratio >= 0\.8 +\| yes +\|/);
  });

  it('profiles a window and names its top functions', async () => {
    await startProfile(100);
    const spin = (n: number): number => (n < 2 ? n : spin(n - 1) + spin(n - 2));
    const until = performance.now() + 100;
    while (performance.now() < until) spin(18);
    const summary = await stopProfile();
    assert.ok(summary.samples > 0);
    assert.ok(
      summary.topSelf.some((e) => e.fn.includes('test/bench/harness.test.ts')),
      JSON.stringify(summary.topSelf.slice(0, 5)),
    );
    const empty: CpuProfile = { nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0 };
    assert.equal(summariseProfile(empty).samples, 0);
  });
});
