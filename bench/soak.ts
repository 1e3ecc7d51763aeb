// The soak test (hardening issue, item 7): many WebSocket clients with continuous churn against one real
// rollcall server for a long time, checking that no session is lost or duplicated and that memory stays
// flat. Not part of `npm test` (test/bench/soak.test.ts runs it at a tiny size so it cannot rot).
//
//   npm run soak                                          15,000 clients, 30 minutes of churn, 6 client processes
//   npm run soak -- --clients 15000 --minutes 30 --processes 6
//   npm run soak -- --quick                               1,000 clients, 1 minute, 2 client processes
//
// A real server (bench/servers/rollcall-server.ts: memory live store, SQLite history in a temp dir)
// runs with a short heartbeat and resume grace so that a soak sees many of each; client processes
// (bench/clients/soak-clients.ts) on 127.0.0.2… hold the clients and churn them. The server is the
// source of truth: every few seconds its live count (GET /v1/stats, admin credentials) is compared with
// what the clients say it must be at that instant; at the end, after the churn stops and every grace
// has passed, its set of session ids must equal the ids of the clients' bound sockets exactly.
// Prints a short table and writes bench/results/soak-<timestamp>.json. Every process is a child with a
// bounded lifetime, stopped by pid at the end, on failure and on a signal.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChurnAction, Counters, SoakClientOptions, SoakSample } from './clients/soak-clients.ts';
import { allStarted, BENCH_DIR, forkChild, killAll, killAllOnSignal, runIfMain, type Child } from './lib/child.ts';
import { BENCH_ADMIN_PASSWORD } from './lib/constants.ts';
import { machineInfo, sourceState } from './lib/machine.ts';
import { pollUntil, sleep } from './lib/stats.ts';
import { writeResults } from './run.ts';

export interface SoakOptions {
  clients: number;
  /** Minutes of churn (the connect burst before it is not counted). */
  minutes: number;
  processes: number;
  /** Share of the clients that take a churn action each minute (0.1: 10 %). */
  churnPerMinute: number;
  /** ROLLCALL_WS_HEARTBEAT_MS of the server: the clients' heartbeat interval and the ping round. */
  heartbeatMs: number;
  /** ROLLCALL_WS_RESUME_GRACE_MS of the server. */
  resumeGraceMs: number;
  /** How often the server's count is checked against the clients', ms. */
  checkMs: number;
  /** How often the server's RSS and heap are read, ms (a multiple of checkMs). */
  usageMs: number;
  /** One window of event-loop delay and churn rates, ms (a multiple of checkMs). */
  windowMs: number;
  /** RSS must stay within 10 % of its value at the end of warm-up, ms after the churn started. */
  warmupMs: number;
  /** Connection attempts in flight per client process during the first connect. */
  concurrency: number;
  log?: (line: string) => void;
}

/** The churn mix: each action a quarter of the churn. */
const WEIGHTS: Record<ChurnAction, number> = { bye: 1, resume: 1, abandon: 1, update: 1 };
/** The server's sweep interval (its default): how late after its grace an abandoned session ends. */
const SWEEP_INTERVAL_MS = 1_000;
/** Margin past grace + sweep for an abandoned session to end, ms, on a busy 2-core machine. */
const END_SLACK_MS = 5_000;
/** How long one protocol step (a welcome, the close after bye) may take, ms. */
const STEP_TIMEOUT_MS = 30_000;
/** Allowed RSS growth after warm-up. */
const RSS_LIMIT = 1.1;

export function soakDefaults(size: 'full' | 'quick' | 'tiny'): SoakOptions {
  const common = { churnPerMinute: 0.1, heartbeatMs: 5_000, resumeGraceMs: 3_000, concurrency: 50 };
  if (size === 'full')
    return {
      ...common,
      clients: 15_000,
      minutes: 30,
      processes: 6,
      checkMs: 5_000,
      usageMs: 10_000,
      windowMs: 60_000,
      warmupMs: 5 * 60_000,
    };
  if (size === 'quick')
    return { ...common, clients: 1_000, minutes: 1, processes: 2, checkMs: 2_000, usageMs: 4_000, windowMs: 20_000, warmupMs: 20_000 };
  // tiny (the test): churn so much that every action happens many times in 15 s.
  return {
    ...common,
    clients: 60,
    minutes: 0.25,
    processes: 2,
    churnPerMinute: 2,
    heartbeatMs: 1_000,
    resumeGraceMs: 1_000,
    checkMs: 1_000,
    usageMs: 1_000,
    windowMs: 5_000,
    warmupMs: 5_000,
    concurrency: 10,
  };
}

interface Usage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  cpuUs: number;
  at: number;
}

interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface CountCheck {
  /** Seconds since the churn started (negative: during the first connect). */
  atS: number;
  server: number;
  base: number;
  opening: number;
  ending: number;
  bound: number;
  waiting: number;
  ok: boolean;
}

export interface SoakWindow {
  /** Seconds since the churn started, at the window's end. */
  endS: number;
  loop: LoopDelay;
  /** Server CPU time in the window, s, and as a share of one core. */
  cpuS: number;
  cpuShare: number;
  connects: number;
  resumes: number;
  /** Sessions ended by bye or abandoned (each abandon ends after the grace). */
  ends: number;
  updates: number;
  rssMiB: number;
}

export interface SoakResult {
  startedAt: string;
  command: string;
  options: Omit<SoakOptions, 'log'>;
  machine: ReturnType<typeof machineInfo>;
  source: ReturnType<typeof sourceState>;
  loadAverage: { start: number[]; end: number[] };
  /** The first connect, and the server's event-loop delay during it. */
  connect: { seconds: number; bound: number; loop: LoopDelay };
  usage: (Usage & { atS: number })[];
  windows: SoakWindow[];
  checks: { count: number; failed: number; largestMargin: number; samples: CountCheck[] };
  rss: { warmupEndMiB: number; maxAfterMiB: number; ratio: number; flat: boolean; startMiB: number; endMiB: number };
  loop: { worstWindowP99Ms: number; medianWindowP99Ms: number; maxMs: number };
  sessions: {
    opened: number;
    distinctIds: number;
    duplicatesWhileAlive: number;
    resumes: number;
    byes: number;
    abandons: number;
    updates: number;
    heartbeats: number;
    finalServer: number;
    finalClients: number;
  };
  serverCpuS: number;
  /** Failures the client processes saw (their first 20 messages each are in `failures`). */
  clientFailures: number;
  failures: string[];
  passed: boolean;
  seconds: number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const MiB = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const loadAverage = () => loadavg().map((n) => round(n));

export async function runSoak(options: SoakOptions, command = 'runSoak'): Promise<SoakResult> {
  const { log = () => {}, ...settings } = options;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const load = loadAverage();
  const churnMs = options.minutes * 60_000;
  const failures: string[] = [];
  const fail = (message: string) => {
    if (failures.length < 100) failures.push(message);
    log(`  FAILURE: ${message}`);
  };
  // A safety net only: every child ends by itself after this, whatever the runner does.
  const lifetimeMs = churnMs + 15 * 60_000 + options.clients * 20;
  const children: Child[] = [];
  try {
    const [server, ...fleet] = await allStarted<Child<{ port: number; pid: number }>>([
      forkChild(join(BENCH_DIR, 'servers/rollcall-server.ts'), {
        name: 'rollcall server',
        lifetimeMs,
        env: {
          ROLLCALL_WS_HEARTBEAT_MS: String(options.heartbeatMs),
          ROLLCALL_WS_RESUME_GRACE_MS: String(options.resumeGraceMs),
          ROLLCALL_SWEEP_INTERVAL_MS: String(SWEEP_INTERVAL_MS),
        },
      }),
      ...Array.from({ length: options.processes }, (_, p) =>
        forkChild<{ port: number; pid: number }>(join(BENCH_DIR, 'clients/soak-clients.ts'), { name: `soak clients ${p}`, lifetimeMs }),
      ),
    ]);
    children.push(server!, ...fleet);
    const base = `http://127.0.0.1:${server!.info.port}`;
    const authorization = `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}`;
    const serverCount = async (): Promise<number> => {
      const answer = await fetch(`${base}/v1/stats`, { headers: { authorization } });
      if (!answer.ok) throw new Error(`GET /v1/stats: ${answer.status}`);
      return ((await answer.json()) as { sessions: { total: number } }).sessions.total;
    };

    // ---- the first connect --------------------------------------------------------------------------
    const share = (p: number) => Math.floor(options.clients / options.processes) + (p < options.clients % options.processes ? 1 : 0);
    await server!.call('loopDelay');
    const usageAtStart = await server!.call<Usage>('usage');
    log(`connecting ${options.clients.toLocaleString('en-US')} clients from ${options.processes} processes …`);
    const connectStart = performance.now();
    const starts = await Promise.all(
      fleet.map((c, p) =>
        c.call<{ bound: number; failures: number }>(
          'start',
          {
            url: `ws://127.0.0.1:${server!.info.port}/v1/connect`,
            localAddress: `127.0.0.${2 + p}`,
            // Each process names its fleet members from its own range, so no two clients share an index.
            firstIndex: p * 10_000_000,
            count: share(p),
            concurrency: options.concurrency,
            resumeGraceMs: options.resumeGraceMs,
            sweepIntervalMs: SWEEP_INTERVAL_MS,
            endSlackMs: END_SLACK_MS,
            resumePauseMs: Math.min(1_000, options.resumeGraceMs / 3),
            stepTimeoutMs: STEP_TIMEOUT_MS,
          } satisfies SoakClientOptions,
          lifetimeMs,
        ),
      ),
    );
    const connect = { seconds: round((performance.now() - connectStart) / 1000, 1), bound: sum(starts.map((s) => s.bound)) };
    log(`  ${connect.bound.toLocaleString('en-US')} bound in ${connect.seconds} s`);
    if (connect.bound !== options.clients) fail(`only ${connect.bound} of ${options.clients} clients connected`);

    // ---- the checks ---------------------------------------------------------------------------------
    const alive = new Set<number>();
    const everOpened = new Set<number>();
    let opened = 0;
    let duplicatesWhileAlive = 0;
    const shownFailures = fleet.map(() => 0);
    const clientFailures = fleet.map(() => 0);
    const checks: CountCheck[] = [];
    let largestMargin = 0;
    let churnStartedAt = performance.now();
    const sinceChurn = () => round((performance.now() - churnStartedAt) / 1000, 1);

    /** Session ids handed out and ended, from every process, in time order: no id twice while alive. */
    const track = (samples: SoakSample[]) => {
      const events = samples.flatMap((s) => [
        ...s.opened.map((e) => ({ ...e, open: true })),
        ...s.ended.map((e) => ({ ...e, open: false })),
      ]);
      events.sort((a, b) => a.at - b.at || Number(a.open) - Number(b.open));
      for (const e of events) {
        if (!e.open) {
          alive.delete(e.id);
          continue;
        }
        opened++;
        everOpened.add(e.id);
        if (alive.has(e.id)) {
          duplicatesWhileAlive++;
          fail(`session id ${e.id} handed out while a client still held it`);
        }
        alive.add(e.id);
      }
    };

    /** The server's count over [from, to] must lie within what the clients say, given what was in flight. */
    const check = async (): Promise<SoakSample[]> => {
      // The clock is the machine's: a few ms either side cover Date.now()'s rounding in every process.
      const from = Date.now() - 5;
      const count = await serverCount();
      const to = Date.now() + 5;
      const samples = await Promise.all(fleet.map((c) => c.call<SoakSample>('sample', { from, to })));
      track(samples);
      const c: CountCheck = {
        atS: sinceChurn(),
        server: count,
        base: sum(samples.map((s) => s.base)),
        opening: sum(samples.map((s) => s.opening)),
        ending: sum(samples.map((s) => s.ending)),
        bound: sum(samples.map((s) => s.bound)),
        waiting: sum(samples.map((s) => s.waiting)),
        ok: false,
      };
      c.ok = c.base - c.ending <= c.server && c.server <= c.base + c.opening;
      largestMargin = Math.max(largestMargin, Math.abs(c.server - c.base));
      checks.push(c);
      if (!c.ok)
        fail(
          `at ${c.atS} s the server counted ${c.server} live sessions; the clients hold ${c.base} (${c.opening} opening, ${c.ending} ending at that instant)`,
        );
      samples.forEach((s, p) => {
        // A client process keeps its first 20 messages and counts the rest.
        for (const message of s.failureMessages.slice(shownFailures[p]!)) fail(message);
        shownFailures[p] = s.failureMessages.length;
        if (s.failures > clientFailures[p]! && s.failures > s.failureMessages.length)
          log(`  (client process ${p}: ${s.failures} failures in all, the first ${s.failureMessages.length} shown)`);
        clientFailures[p] = s.failures;
      });
      return samples;
    };

    // ---- churn ------------------------------------------------------------------------------------------
    const usage: SoakResult['usage'] = [{ ...usageAtStart, atS: -connect.seconds }];
    const windows: SoakWindow[] = [];
    const connectLoop = await server!.call<LoopDelay>('loopDelay');
    let lastSamples = await check();
    await Promise.all(
      fleet.map((c) => c.call('churn', { perMinute: (options.clients * options.churnPerMinute) / options.processes, weights: WEIGHTS })),
    );
    churnStartedAt = performance.now();
    const readUsage = async () => {
      const entry = { ...(await server!.call<Usage>('usage')), atS: sinceChurn() };
      usage.push(entry);
      return entry;
    };
    await readUsage();
    let windowStart = { usage: usage.at(-1)!, counters: lastSamples.map((s) => s.counters) };
    const closeWindow = async (samples: SoakSample[]) => {
      const loop = await server!.call<LoopDelay>('loopDelay');
      const u = await readUsage();
      const counters = samples.map((s) => s.counters);
      const delta = (key: keyof Counters) => sum(counters.map((c, p) => c[key] - windowStart.counters[p]![key]));
      const cpuS = (u.cpuUs - windowStart.usage.cpuUs) / 1e6;
      const w: SoakWindow = {
        endS: sinceChurn(),
        loop: { p50Ms: round(loop.p50Ms), p99Ms: round(loop.p99Ms), maxMs: round(loop.maxMs), samples: loop.samples },
        cpuS: round(cpuS),
        cpuShare: round(cpuS / ((u.at - windowStart.usage.at) / 1000)),
        connects: delta('connects'),
        resumes: delta('resumes'),
        ends: delta('byes') + delta('abandons'),
        updates: delta('updates'),
        rssMiB: MiB(u.rss),
      };
      windows.push(w);
      log(
        `  ${w.endS.toFixed(0).padStart(5)} s  RSS ${w.rssMiB} MiB  heap ${MiB(u.heapUsed)} MiB  loop p99 ${w.loop.p99Ms} ms (max ${w.loop.maxMs})  CPU ${Math.round(w.cpuShare * 100)} %  connects ${w.connects}  resumes ${w.resumes}  ends ${w.ends}  updates ${w.updates}  live ${checks.at(-1)?.server}`,
      );
      windowStart = { usage: u, counters };
    };
    for (let tick = 1; tick * options.checkMs <= churnMs; tick++) {
      const due = churnStartedAt + tick * options.checkMs;
      await sleep(Math.max(0, due - performance.now()));
      lastSamples = await check();
      const elapsed = tick * options.checkMs;
      if (elapsed % options.windowMs === 0) await closeWindow(lastSamples);
      else if (elapsed % options.usageMs === 0) await readUsage();
    }
    // A soak that is not a whole number of windows long ends with a shorter one.
    if (churnMs % options.windowMs >= options.checkMs) await closeWindow(lastSamples);

    // ---- the end: churn stops, graces pass, the final check is exact ------------------------------------
    const stops = await Promise.all(fleet.map((c) => c.call<{ settledBy: number }>('stopChurn', {}, STEP_TIMEOUT_MS * 5)));
    const settledBy = Math.max(...stops.map((s) => s.settledBy));
    log(`churn stopped; waiting ${Math.max(0, Math.round((settledBy - Date.now()) / 1000))} s for the last graces to pass …`);
    await sleep(Math.max(0, settledBy - Date.now()));
    let final = await check();
    // Nothing is in flight any more: the count must be exact. A short poll lets a sweep that is late on
    // a loaded machine catch up; a count that does not settle is a failure.
    const expected = () => sum(final.map((s) => s.base));
    const settled = await pollUntil(
      async () => {
        final = await Promise.all(fleet.map((c) => c.call<SoakSample>('sample', { from: Date.now(), to: Date.now() })));
        track(final);
        return (await serverCount()) === expected();
      },
      30_000,
      500,
    );
    const finalServer = await serverCount();
    if (!settled)
      fail(
        `after the churn stopped and every grace passed, the server counts ${finalServer} live sessions and the clients hold ${expected()}`,
      );
    const serverIds = new Set(await server!.call<number[]>('sessionIds'));
    const clientIds = (await Promise.all(fleet.map((c) => c.call<number[]>('boundIds')))).flat();
    const clientSet = new Set(clientIds);
    if (clientSet.size !== clientIds.length) fail(`${clientIds.length - clientSet.size} session id(s) bound to two client sockets at once`);
    const missing = [...clientSet].filter((id) => !serverIds.has(id));
    const extra = [...serverIds].filter((id) => !clientSet.has(id));
    if (missing.length > 0)
      fail(`${missing.length} session(s) the clients hold are not live on the server (lost), e.g. ${missing.slice(0, 5).join(', ')}`);
    if (extra.length > 0) fail(`${extra.length} session(s) live on the server that no client holds, e.g. ${extra.slice(0, 5).join(', ')}`);
    const finalWaiting = sum(final.map((s) => s.waiting));
    if (finalWaiting !== 0) fail(`${finalWaiting} session(s) still waiting for a resume at the end`);
    const totals = final.map((s) => s.counters);
    const total = (key: keyof Counters) => sum(totals.map((c) => c[key]));
    const usageAtEnd = await server!.call<Usage>('usage');

    // ---- figures --------------------------------------------------------------------------------------
    const warmupEnd = [...usage].reverse().find((u) => u.atS * 1000 <= options.warmupMs)!;
    const after = usage.filter((u) => u.atS * 1000 > options.warmupMs && u.atS * 1000 <= churnMs + options.checkMs);
    const maxAfter = after.length > 0 ? Math.max(...after.map((u) => u.rss)) : Number.NaN;
    const rss = {
      warmupEndMiB: MiB(warmupEnd.rss),
      maxAfterMiB: MiB(maxAfter),
      ratio: round(maxAfter / warmupEnd.rss, 3),
      flat: maxAfter <= RSS_LIMIT * warmupEnd.rss,
      startMiB: MiB(usageAtStart.rss),
      endMiB: MiB(usageAtEnd.rss),
    };
    if (!rss.flat)
      fail(`RSS grew from ${rss.warmupEndMiB} MiB at the end of warm-up to ${rss.maxAfterMiB} MiB (× ${rss.ratio}, limit × ${RSS_LIMIT})`);
    const p99s = windows.map((w) => w.loop.p99Ms).sort((a, b) => a - b);
    const result: SoakResult = {
      startedAt,
      command,
      options: settings,
      machine: machineInfo(),
      source: sourceState(),
      loadAverage: { start: load, end: loadAverage() },
      connect: { ...connect, loop: connectLoop },
      usage,
      windows,
      checks: { count: checks.length, failed: checks.filter((c) => !c.ok).length, largestMargin, samples: checks },
      rss,
      loop: {
        worstWindowP99Ms: p99s.at(-1) ?? Number.NaN,
        medianWindowP99Ms: p99s[Math.ceil(p99s.length / 2) - 1] ?? Number.NaN,
        maxMs: Math.max(...windows.map((w) => w.loop.maxMs)),
      },
      sessions: {
        opened,
        distinctIds: everOpened.size,
        duplicatesWhileAlive,
        resumes: total('resumes'),
        byes: total('byes'),
        abandons: total('abandons'),
        updates: total('updates'),
        heartbeats: total('heartbeats'),
        finalServer,
        finalClients: clientSet.size,
      },
      serverCpuS: round((usageAtEnd.cpuUs - usageAtStart.cpuUs) / 1e6, 1),
      clientFailures: sum(clientFailures),
      failures,
      passed: failures.length === 0,
      seconds: round((performance.now() - started) / 1000, 1),
    };
    return result;
  } finally {
    await Promise.all(children.map((c) => c.stop().catch(() => c.kill())));
  }
}

export function formatSoak(r: SoakResult): string {
  const lines = [
    `soak: ${r.options.clients.toLocaleString('en-US')} clients, ${r.options.minutes} min of churn (${Math.round(r.options.churnPerMinute * 100)} %/min), heartbeat ${r.options.heartbeatMs} ms, resume grace ${r.options.resumeGraceMs} ms`,
    `  connect            ${r.connect.bound.toLocaleString('en-US')} bound in ${r.connect.seconds} s`,
    `  RSS                ${r.rss.warmupEndMiB} MiB at the end of warm-up (${round(r.options.warmupMs / 1000, 0)} s of churn), max ${r.rss.maxAfterMiB} MiB after (× ${r.rss.ratio}): ${r.rss.flat ? 'flat within 10 %' : 'NOT flat'}`,
    `  event loop         p99 per window: median ${r.loop.medianWindowP99Ms} ms, worst ${r.loop.worstWindowP99Ms} ms; max ${r.loop.maxMs} ms`,
    `  server CPU         ${r.serverCpuS} s`,
    `  count checks       ${r.checks.count} (${r.checks.failed} failed), largest |server − clients| in flight ${r.checks.largestMargin}`,
    `  sessions           ${r.sessions.distinctIds.toLocaleString('en-US')} ids handed out, ${r.sessions.duplicatesWhileAlive} twice while alive; ${r.sessions.resumes} resumes (same id), ${r.sessions.byes} byes, ${r.sessions.abandons} abandoned, ${r.sessions.updates} updates, ${r.sessions.heartbeats.toLocaleString('en-US')} heartbeats`,
    `  final              server ${r.sessions.finalServer} live = clients ${r.sessions.finalClients} bound`,
    `  load average       ${r.loadAverage.start.join(' ')} → ${r.loadAverage.end.join(' ')}`,
    `  verdict            ${r.passed ? 'PASSED' : `FAILED (${r.failures.length} failure(s))`}`,
    ...r.failures.slice(0, 20).map((f) => `    ${f}`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      clients: { type: 'string' },
      minutes: { type: 'string' },
      processes: { type: 'string' },
      churn: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const options = soakDefaults(values.quick ? 'quick' : 'full');
  const number = (text: string | undefined, name: string, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: a positive number, not ${text}`);
    return n;
  };
  options.clients = Math.round(number(values.clients, 'clients', options.clients));
  options.minutes = number(values.minutes, 'minutes', options.minutes);
  options.processes = Math.round(number(values.processes, 'processes', options.processes));
  options.churnPerMinute = number(values.churn, 'churn', options.churnPerMinute * 100) / 100;
  // Warm-up: the first 5 minutes of churn, or the first third of a shorter soak.
  options.warmupMs = Math.min(options.warmupMs, (options.minutes * 60_000) / 3);
  // A process may hold at most 20,000 open files here; keep each well under it.
  if (options.clients / options.processes > 15_000)
    throw new Error(`--processes: at most 15,000 clients per process (${options.clients} / ${options.processes})`);
  if (options.processes > 250) throw new Error('--processes: at most 250 (source addresses 127.0.0.2–127.0.0.251)');

  killAllOnSignal('soak');

  const m = machineInfo();
  const src = sourceState();
  const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();
  console.log(
    `rollcall soak — ${m.cpus} × ${m.cpuModel}, ${m.totalMemGiB} GiB, Node ${m.node}, load ${m.loadAverage.join(' ')}; code ${src.commit}${src.changedSrcFiles > 0 ? ` + ${src.changedSrcFiles} uncommitted change(s) in src/` : ''}`,
  );
  try {
    const result = await runSoak({ ...options, log: (line) => console.log(line) }, command);
    console.log(`\n${formatSoak(result)}\n`);
    console.log(`results: ${writeResults(result, values.out, 'soak-')}`);
    process.exitCode = result.passed ? 0 : 1;
  } finally {
    killAll();
  }
}

runIfMain(import.meta.filename, main);
