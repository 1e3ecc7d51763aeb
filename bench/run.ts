// rollcall's benchmark suite (issue 6). Every compared figure is a ratio against a baseline measured in
// the same run on the same machine, because these machines are shared and noisy.
//
//   npm run bench                      full sizes (minutes)
//   npm run bench:quick                the same workloads, smaller, in under a minute
//   npm run bench -- --only ws,http    some workloads: registry, ws, http, queries, history, cluster, places
//   npm run bench -- --profile         also CPU-profile the measured windows (top functions in the
//                                      JSON; .cpuprofile files in a temp dir, printed at the end)
//
// Prints a table and writes bench/results/<timestamp>.json. Every process it starts is a child with
// a lifetime of its own, is stopped (by pid) when its workload ends or fails, and the run kills any
// still running on exit or signal.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SIZES, type Profile, type Sizes } from './config.ts';
import { BENCH_DIR, killAll, killAllOnSignal, runIfMain } from './lib/child.ts';
import { machineInfo, sourceState, srcFingerprint, type SourceState } from './lib/machine.ts';
import { formatTable, type WorkloadResult } from './lib/report.ts';
import { runCluster } from './workloads/cluster.ts';
import { runHistory } from './workloads/history.ts';
import { runHttpIngest } from './workloads/http-ingest.ts';
import { runPlaces } from './workloads/places.ts';
import { runQueries } from './workloads/queries.ts';
import { runRegistry } from './workloads/registry.ts';
import { runWsIngest } from './workloads/ws-ingest.ts';

export const WORKLOADS = ['registry', 'ws', 'http', 'queries', 'history', 'cluster', 'places'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface RunOptions {
  sizes: Sizes;
  only?: readonly WorkloadName[];
  profileDir?: string;
  log?: (line: string) => void;
}

export interface RunResult {
  startedAt: string;
  profile: Profile;
  machine: ReturnType<typeof machineInfo>;
  source: SourceState;
  workloads: WorkloadResult[];
  failures: { workload: string; error: string }[];
  warnings: string[];
  table: string;
  seconds: number;
}

/** Runs the workloads one after the other (never two at once: they would share the CPU). */
export async function runBenchmarks({ sizes, only, profileDir, log = () => {} }: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const selected = WORKLOADS.filter((w) => !only || only.includes(w));
  const workloads: WorkloadResult[] = [];
  const failures: RunResult['failures'] = [];
  const warnings: string[] = [];
  const source = sourceState();
  for (const name of selected) {
    log(`… ${name}`);
    try {
      // src/ is read when a workload's children start: a change while one runs could mix two versions
      // within it. Each workload records the src/ it ran on.
      const before = srcFingerprint();
      const results = await runWorkload(name, sizes, profileDir);
      const after = srcFingerprint();
      if (after !== before) {
        warnings.push(`src/ changed while ${name} ran (${before} → ${after}): its figures may mix two versions of the code`);
        log(`  WARNING: ${warnings.at(-1)}`);
      } else if (before !== source.fingerprint) {
        warnings.push(`${name} ran on src/ ${before}, not on ${source.fingerprint} as the run started (src/ changed between workloads)`);
        log(`  note: ${warnings.at(-1)}`);
      }
      for (const result of results) {
        result.params.src = before === after ? before : `${before} → ${after}`;
        workloads.push(result);
        log(`  ${result.title}: ${result.seconds.toFixed(1)} s`);
      }
    } catch (error) {
      failures.push({ workload: name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      log(`  ${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      killAll();
    }
  }
  const table = formatTable(workloads.flatMap((w) => w.rows));
  return {
    startedAt,
    profile: sizes.profile,
    machine,
    source,
    workloads,
    failures,
    warnings,
    table,
    seconds: (performance.now() - started) / 1000,
  };
}

async function runWorkload(name: WorkloadName, sizes: Sizes, profileDir: string | undefined): Promise<WorkloadResult[]> {
  switch (name) {
    case 'registry':
      return [await runRegistry(sizes.registry, { profileDir })];
    case 'ws':
      return runWsIngest(sizes.ws, { profileDir });
    case 'http':
      return [await runHttpIngest(sizes.http, { profileDir })];
    case 'queries':
      return [await runQueries(sizes.queries, { profileDir })];
    case 'history':
      return [await runHistory(sizes.history)];
    case 'cluster':
      return [await runCluster(sizes.cluster, { profileDir })];
    case 'places':
      return [await runPlaces(sizes.places, { profileDir })];
  }
}

/** Writes a run's JSON to `file`, or to bench/results/<prefix><timestamp>.json; answers the path. */
export function writeResults(result: { startedAt: string }, file?: string, prefix = ''): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const path = file ?? join(dir, `${prefix}${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      tiny: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const sizes = SIZES[values.tiny ? 'tiny' : values.quick ? 'quick' : 'full'];
  const only = values.only?.split(',').map((w) => w.trim()) as WorkloadName[] | undefined;
  for (const w of only ?? []) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w}: use ${WORKLOADS.join(', ')}`);
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'rollcall-bench-profiles-')) : undefined;

  killAllOnSignal('benchmark');

  const m = machineInfo();
  const src = sourceState();
  console.log(
    `rollcall bench (${sizes.profile}) — ${m.cpus} × ${m.cpuModel}, ${m.totalMemGiB} GiB, ${m.os}, Node ${m.node}, load ${m.loadAverage.join(' ')}`,
  );
  console.log(
    `code: ${src.commit}${src.changedSrcFiles > 0 ? ` + ${src.changedSrcFiles} uncommitted change(s) in src/` : ''} (src fingerprint ${src.fingerprint})`,
  );
  const result = await runBenchmarks({ sizes, only, profileDir, log: (line) => console.log(line) });
  console.log(`\n${result.table}\n`);
  for (const failure of result.failures) console.log(`FAILED ${failure.workload}: ${failure.error}\n`);
  for (const warning of result.warnings) console.log(`WARNING: ${warning}\n`);
  const missed = result.workloads.flatMap((w) => w.rows).filter((r) => r.met === false);
  console.log(`${missed.length} target(s) missed; ${result.seconds.toFixed(0)} s; load average now ${machineInfo().loadAverage.join(' ')}`);
  const path = writeResults(result, values.out);
  console.log(`results: ${path}`);
  if (profileDir) console.log(`profiles: ${profileDir}`);
  process.exitCode = result.failures.length > 0 ? 1 : 0;
}

runIfMain(import.meta.filename, main);
