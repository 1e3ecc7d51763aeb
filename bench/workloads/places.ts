// Workload 8: fan-out of place events to watchers (issue 14, "Fan-out that scales"), against the usual
// alternative: Socket.IO rooms (bench/peers/socketio-presence.ts, servePlaces).
// - rollcall: a real `rollcall serve` (bench/lib/rollcall-nodes.ts: memory store, SQLite history, default
//   settings) with bench/lib/node-probe.ts preloaded, which answers its CPU time over IPC;
// - Socket.IO: the presence peer of workload 5 (bench/servers/socketio-server.ts) in a process of its own;
// - client processes (bench/clients/place-watchers.ts), each on its own source address, each holding a
//   share of both systems' watchers, connected side by side for the whole workload. A rollcall watcher is
//   a session (hello with a client token whose `places` claim grants bench:*) that sends `watch`; a
//   Socket.IO watcher is a socket (the same token in `auth`) that emits `watch` and so joins the place's
//   watchers' room.
// Two scenarios with the same watchers: everyone in one place ("crowd"), then spread evenly over many
// places ("spread"; the watchers move with unwatch + watch). Joiners (sessions or sockets in this
// process, their own users, tokens granting bench:*) join and leave places: rollcall `join`/`leave`
// frames, which the core applies and the place watch fans out, serialised once per place; Socket.IO
// `join`/`leave` events, each answered with one broadcast to the place's watchers' room.
// Per change: the time from the moment its frame was written to the moment its last watcher read its
// event. Every process stamps times with the machine's monotonic clock (process.hrtime), which they
// all share; the workload checks that first. Changes go in rounds (one per joiner, each in its own
// place); the next round starts once every watcher has its events, after a short pause, so each figure
// is the fan-out of one change (per joiner), not a queue. Every event must reach every watcher of its
// place exactly once, of the right kind (join, leave), or the workload fails.
// Server CPU: process.cpuUsage() of the server process over each window, per event delivered (one event
// to one watcher); events per CPU-second is its inverse. Windows alternate between the systems
// (rollcall → Socket.IO, then Socket.IO → rollcall); each compared figure is the median round's.
import { join } from 'node:path';
import { signClientToken } from '../../src/auth/client-tokens.ts';
import type { PlacesScenario, PlacesSizes } from '../config.ts';
import { allStarted, BENCH_DIR, forkChild, type Child } from '../lib/child.ts';
import { BENCH_ADMIN_PASSWORD, BENCH_INGEST_KEY, BENCH_TOKEN_SECRET } from '../lib/constants.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import { BENCH_PLACES_GRANT, benchPlace, placeOfWatcher } from '../lib/fleet.ts';
import { openSocketIo, openWs, type IoConnection } from '../lib/fleet-sockets.ts';
import type { NodeStats } from '../lib/node-probe.ts';
import { row, type Row, type WorkloadResult } from '../lib/report.ts';
import { startRollcallNode, type RollcallNode } from '../lib/rollcall-nodes.ts';
import { max, median, medianIndex, monotonicMs, percentile, sleep } from '../lib/stats.ts';
import type WebSocket from 'ws';

const W = '8';
type System = 'rollcall' | 'socketio';
const SYSTEMS: readonly System[] = ['rollcall', 'socketio'];
const LABEL: Record<System, string> = { rollcall: 'rollcall', socketio: 'Socket.IO rooms' };
type ScenarioName = 'crowd' | 'spread';
/** How long a round of changes may take to reach every watcher before the workload gives up. */
const DELIVERY_TIMEOUT_MS = 60_000;
/** The latency target of issue 14 (p99, at 10,000 watchers), and the events per CPU-second ratio. */
const P99_TARGET_MS = 100;
const CPU_RATIO_TARGET = 2;
/** How long each server's CPU is read with everyone watching and nothing happening. */
const IDLE_MS = 2_000;
/** What a joiner's session shows (a member's view is part of each join event). */
const JOINER_VIEW = { m: 'support', v: 'getticket', t: 'ticketid|105792' };

interface Joiner {
  send(kind: 'join' | 'leave', place: string): void;
  /** What the server answered that it should not have (a refusal), the first few. */
  readonly refused: string[];
  close(): void;
}

interface Arrivals {
  count: number[];
  first: number[];
  last: number[];
}

interface Collected {
  arrivals: Record<string, Arrivals>;
  received: number;
  wrongKind: number;
  unexpected: string[];
}

interface Window {
  system: System;
  scenario: ScenarioName;
  /** 0 for the warm-up and profiled windows, which no figure uses. */
  round: number;
  events: number;
  /** Events delivered: one event to one watcher. */
  deliveries: number;
  cpuUs: number;
  ms: number;
  /** Server CPU over the window, in cores. */
  cpuShare: number;
  perCpuSecond: number;
  usPerDelivery: number;
  /** Per change: its last watcher's arrival − the moment it was sent, ms. */
  lastMs: number[];
  /** Per change: its first watcher's arrival − the moment it was sent, ms. */
  firstMs: number[];
}

interface Server {
  call<T = unknown>(cmd: string, args?: object, timeoutMs?: number): Promise<T>;
}

export async function runPlaces(sizes: PlacesSizes, options: { profileDir?: string } = {}): Promise<WorkloadResult> {
  const startedAt = performance.now();
  const scenarios: Record<ScenarioName, PlacesScenario> = { crowd: sizes.crowd, spread: sizes.spread };
  for (const [name, s] of Object.entries(scenarios)) {
    if (s.joiners > s.places || s.events % (2 * s.joiners) !== 0)
      throw new Error(`places ${name}: joiners ≤ places and events a multiple of 2 × joiners`);
  }
  // A safety net only: every child also ends when this process goes away.
  const lifetimeMs = 600_000 + sizes.watchers * 60;
  let node: RollcallNode | undefined;
  const children: Child[] = [];
  const joiners: Record<System, Joiner[]> = { rollcall: [], socketio: [] };
  try {
    const [nodeStart, childStart] = await Promise.allSettled([
      startRollcallNode(
        'places-rollcall',
        {
          ROLLCALL_TOKEN_SECRET: BENCH_TOKEN_SECRET,
          ROLLCALL_INGEST_KEY: BENCH_INGEST_KEY,
          ROLLCALL_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
          ROLLCALL_LOG_LEVEL: 'warn',
        },
        lifetimeMs,
      ),
      allStarted<Child>([
        forkChild(join(BENCH_DIR, 'servers/socketio-server.ts'), { name: 'socketio server', lifetimeMs }),
        ...Array.from({ length: sizes.processes }, (_, p) =>
          forkChild(join(BENCH_DIR, 'clients/place-watchers.ts'), { name: `watchers ${p}`, lifetimeMs }),
        ),
      ]),
    ]);
    if (nodeStart.status === 'fulfilled') node = nodeStart.value;
    if (childStart.status === 'fulfilled') children.push(...childStart.value);
    if (nodeStart.status === 'rejected') throw nodeStart.reason;
    if (childStart.status === 'rejected') throw childStart.reason;
    const [socketio, ...clients] = children as [Child<{ port: number }>, ...Child[]];
    const servers: Record<System, Server> = { rollcall: node!, socketio };
    const urls: Record<System, string> = {
      rollcall: `ws://127.0.0.1:${node!.port}/v1/connect`,
      socketio: `http://127.0.0.1:${socketio.info.port}`,
    };

    const clock = await checkSharedClock(clients);

    // ---- watchers, both systems side by side --------------------------------------------------------
    const share = (p: number) => Math.floor(sizes.watchers / sizes.processes) + (p < sizes.watchers % sizes.processes ? 1 : 0);
    const firstOf = (p: number) => Array.from({ length: p }, (_, q) => share(q)).reduce((a, b) => a + b, 0);
    const connect: Record<string, unknown> = {};
    for (const system of SYSTEMS) {
      const answers = await Promise.all(
        clients.map((c, p) =>
          c.call<{ connected: number; failed: number; errors: string[]; startedAt: number; endedAt: number }>(
            'connect',
            {
              system,
              url: urls[system],
              count: share(p),
              first: firstOf(p),
              localAddress: `127.0.0.${2 + p}`,
              concurrency: sizes.concurrency,
            },
            lifetimeMs,
          ),
        ),
      );
      const connected = answers.reduce((a, b) => a + b.connected, 0);
      const spanMs = Math.max(...answers.map((a) => a.endedAt)) - Math.min(...answers.map((a) => a.startedAt));
      connect[system] = { connected, perSec: connected / (spanMs / 1000) };
      // Every watcher counts: each event must reach all of its place's watchers.
      if (connected !== sizes.watchers)
        throw new Error(
          `${LABEL[system]}: ${connected} of ${sizes.watchers} watchers connected: ${answers
            .flatMap((a) => a.errors)
            .slice(0, 5)
            .join('; ')}`,
        );
      const tokens = await Promise.all(
        Array.from({ length: Math.max(sizes.crowd.joiners, sizes.spread.joiners) }, (_, j) =>
          signClientToken(
            BENCH_TOKEN_SECRET,
            { sub: `joiner-${j}`, name: `Joiner ${j}`, utype: 'staff', ctypes: ['web'], places: [BENCH_PLACES_GRANT] },
            3600,
          ),
        ),
      );
      joiners[system] = await Promise.all(
        tokens.map((token) => (system === 'rollcall' ? rollcallJoiner(urls.rollcall, token) : socketIoJoiner(urls.socketio, token))),
      );
    }

    // ---- the windows -----------------------------------------------------------------------------------
    const windows: Window[] = [];
    const profiles: Record<string, ProfileSummary> = {};
    const idle: Record<string, Record<string, { cpuShare: number }>> = {};
    for (const name of ['crowd', 'spread'] as const) {
      const scenario = scenarios[name];
      // Watchers of each place per client process, and in all.
      const watchersIn = clients.map((_, q) => {
        const counts = new Array<number>(scenario.places).fill(0);
        for (let g = firstOf(q); g < firstOf(q) + share(q); g++) counts[placeOfWatcher(g, scenario.places)]!++;
        return counts;
      });
      const perPlace = Array.from({ length: scenario.places }, (_, p) => watchersIn.reduce((a, counts) => a + counts[p]!, 0));
      for (const system of SYSTEMS) {
        await Promise.all(
          clients.map((c) => c.call('watch', { system, places: scenario.places, concurrency: sizes.concurrency }, lifetimeMs)),
        );
      }
      // What each server spends with everyone watching and nothing happening (pings, timers): part of
      // every window's CPU, said in the details so a window's figure can be read against it.
      const quiet = await Promise.all(SYSTEMS.map((system) => servers[system].call<NodeStats>('stats')));
      const quietFrom = monotonicMs();
      await sleep(IDLE_MS);
      const quietTo = await Promise.all(SYSTEMS.map((system) => servers[system].call<NodeStats>('stats')));
      idle[name] = Object.fromEntries(
        SYSTEMS.map((system, i) => [system, { cpuShare: (quietTo[i]!.cpuUs - quiet[i]!.cpuUs) / 1000 / (monotonicMs() - quietFrom) }]),
      );
      const window = async (system: System, round: number, events: number, profile?: string): Promise<Window> => {
        const s = servers[system];
        await Promise.all(clients.map((c) => c.call('reset', { system })));
        // Joiner j changes the places j, j + J, j + 2J… in turn: into one, out again, into the next.
        const at = Array.from({ length: scenario.joiners }, () => ({ next: 0, inside: undefined as number | undefined }));
        const ordinals = new Array<number>(scenario.places).fill(0);
        const expected = clients.map(() => 0);
        const sent: { place: number; ordinal: number; sentAt: number }[] = [];
        if (profile) await s.call('profileStart');
        const began = monotonicMs();
        const before = await s.call<NodeStats>('stats');
        for (let done = 0; done < events; done += scenario.joiners) {
          for (let j = 0; j < scenario.joiners; j++) {
            const state = at[j]!;
            const leaving = state.inside !== undefined;
            const place = leaving ? state.inside! : j + scenario.joiners * state.next;
            if (leaving) {
              state.inside = undefined;
              state.next = (state.next + 1) * scenario.joiners + j < scenario.places ? state.next + 1 : 0;
            } else {
              state.inside = place;
            }
            sent.push({ place, ordinal: ordinals[place]!++, sentAt: monotonicMs() });
            joiners[system][j]!.send(leaving ? 'leave' : 'join', benchPlace(place));
            clients.forEach((_, q) => (expected[q]! += watchersIn[q]![place]!));
          }
          const answers = await Promise.all(
            clients.map((c, q) =>
              c.call<{ received: number; closed: Record<string, number> }>(
                'until',
                { system, frames: expected[q], timeoutMs: DELIVERY_TIMEOUT_MS },
                DELIVERY_TIMEOUT_MS + 30_000,
              ),
            ),
          );
          answers.forEach((a, q) => {
            if (a.received < expected[q]!)
              throw new Error(
                `${LABEL[system]} ${name}: watchers ${q} got ${a.received} of ${expected[q]} events within ${DELIVERY_TIMEOUT_MS} ms; sockets closed: ${JSON.stringify(a.closed)}`,
              );
          });
          if (done + scenario.joiners < events) await sleep(scenario.pauseMs * (0.5 + Math.random()));
        }
        const after = await s.call<NodeStats>('stats');
        const ms = monotonicMs() - began;
        if (profile)
          profiles[profile] = await s.call<ProfileSummary>(
            'profileStop',
            { file: join(options.profileDir!, `${profile}.cpuprofile`) },
            120_000,
          );
        const collected = await Promise.all(clients.map((c) => c.call<Collected>('collect', { system })));
        const lastMs: number[] = [];
        const firstMs: number[] = [];
        let deliveries = 0;
        for (const { place, ordinal, sentAt } of sent) {
          let count = 0;
          let first = Number.POSITIVE_INFINITY;
          let last = Number.NEGATIVE_INFINITY;
          for (const c of collected) {
            const arrivals = c.arrivals[benchPlace(place)];
            if (!arrivals || arrivals.count[ordinal] === undefined) continue;
            count += arrivals.count[ordinal]!;
            first = Math.min(first, arrivals.first[ordinal]!);
            last = Math.max(last, arrivals.last[ordinal]!);
          }
          if (count !== perPlace[place])
            throw new Error(
              `${LABEL[system]} ${name}: event ${ordinal} of ${benchPlace(place)} reached ${count} of its ${perPlace[place]} watchers`,
            );
          deliveries += count;
          lastMs.push(last - sentAt);
          firstMs.push(first - sentAt);
        }
        const refused = joiners[system].flatMap((j) => j.refused);
        if (refused.length > 0) throw new Error(`${LABEL[system]} ${name}: a joiner was answered ${refused.join(' | ')}`);
        const received = collected.reduce((a, c) => a + c.received, 0);
        const wrongKind = collected.reduce((a, c) => a + c.wrongKind, 0);
        const unexpected = collected.flatMap((c) => c.unexpected);
        if (received !== deliveries || wrongKind > 0 || unexpected.length > 0) {
          throw new Error(
            `${LABEL[system]} ${name}: ${received} events arrived for ${deliveries} sent, ${wrongKind} of the wrong kind; unexpected frames: ${unexpected.slice(0, 3).join(' | ')}`,
          );
        }
        const cpuUs = after.cpuUs - before.cpuUs;
        return {
          system,
          scenario: name,
          round,
          events,
          deliveries,
          cpuUs,
          ms,
          cpuShare: cpuUs / 1000 / ms,
          perCpuSecond: deliveries / (cpuUs / 1e6),
          usPerDelivery: cpuUs / deliveries,
          lastMs,
          firstMs,
        };
      };
      // The first changes of a fresh process run in the interpreter: warm both up, unmeasured.
      const cycle = 2 * scenario.joiners;
      for (const system of SYSTEMS) await window(system, 0, Math.max(1, Math.round(sizes.warmupEvents / cycle)) * cycle);
      for (let round = 1; round <= sizes.rounds; round++) {
        const order = round % 2 === 1 ? SYSTEMS : [...SYSTEMS].reverse();
        for (const system of order) windows.push(await window(system, round, scenario.events));
      }
      if (options.profileDir) {
        // Separate windows, so the profiler's own cost is in no reported figure.
        for (const system of SYSTEMS) await window(system, 0, scenario.events, `places-${name}-${system}`);
      }
    }

    // ---- figures ---------------------------------------------------------------------------------------
    const rows: Row[] = [];
    const summary: Record<string, unknown> = {};
    for (const name of ['crowd', 'spread'] as const) {
      const scenario = scenarios[name];
      const perPlace = sizes.watchers / scenario.places;
      const label =
        scenario.places === 1
          ? `one place, ${sizes.watchers.toLocaleString('en-US')} watchers`
          : `${scenario.places.toLocaleString('en-US')} places × ${perPlace.toLocaleString('en-US')} watchers`;
      const of = (system: System) => windows.filter((w) => w.scenario === name && w.system === system);
      const latency = (system: System) => {
        const last = of(system).flatMap((w) => w.lastMs);
        const first = of(system).flatMap((w) => w.firstMs);
        return {
          p50: percentile(last, 50),
          p99: percentile(last, 99),
          max: max(last),
          firstP50: percentile(first, 50),
          changes: last.length,
        };
      };
      const rc = latency('rollcall');
      const sio = latency('socketio');
      const window = (round: number, system: System) => of(system).find((w) => w.round === round)!;
      const ratios = Array.from(
        { length: sizes.rounds },
        (_, r) => window(r + 1, 'rollcall').perCpuSecond / window(r + 1, 'socketio').perCpuSecond,
      );
      const round = medianIndex(ratios) + 1;
      const usMedian = (system: System) => median(of(system).map((w) => w.usPerDelivery));
      const cpuShares = SYSTEMS.map(
        (system) =>
          `${LABEL[system]} ${of(system)
            .map((w) => `${Math.round(w.cpuShare * 100)}%`)
            .join(', ')}`,
      ).join('; ');
      summary[name] = { rollcall: rc, socketio: sio, ratiosPerRound: ratios };
      rows.push(
        row(W, `${label}: a join or leave → its event at the last watcher, p50`, 'ms', rc.p50, {
          baseline: { label: LABEL.socketio, value: sio.p50 },
          note: `at the first watcher: rollcall ${rc.firstP50.toFixed(2)} ms, Socket.IO ${sio.firstP50.toFixed(2)} ms (p50); ${rc.changes} changes each, ${scenario.joiners} at a time`,
        }),
        row(W, `${label}: a join or leave → its event at the last watcher, p99`, 'ms', rc.p99, {
          baseline: { label: LABEL.socketio, value: sio.p99 },
          target: { on: 'value', op: '<', limit: P99_TARGET_MS },
          note: `max: rollcall ${rc.max.toFixed(1)} ms, Socket.IO ${sio.max.toFixed(1)} ms`,
        }),
        row(
          W,
          `${label}: events delivered per server CPU-second (round with the median ratio of ${sizes.rounds})`,
          'events/s',
          window(round, 'rollcall').perCpuSecond,
          {
            baseline: { label: LABEL.socketio, value: window(round, 'socketio').perCpuSecond },
            target: { on: 'ratio', op: '>=', limit: CPU_RATIO_TARGET },
            note:
              `per-round ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; server CPU per delivered event (median of windows): ` +
              `rollcall ${usMedian('rollcall').toFixed(2)} µs, Socket.IO ${usMedian('socketio').toFixed(2)} µs; server CPU share per window: ${cpuShares}`,
          },
        ),
      );
    }
    return {
      name: 'places',
      title: 'Places: fan-out of place events to watchers vs Socket.IO rooms',
      params: { ...sizes, addresses: clients.map((_, p) => `127.0.0.${2 + p}`) },
      rows,
      details: { clock, connect, idle, summary, windows, profiles },
      seconds: (performance.now() - startedAt) / 1000,
    };
  } finally {
    for (const j of [...joiners.rollcall, ...joiners.socketio]) j.close();
    await Promise.all(children.map((c) => c.stop()));
    await node?.stop();
  }
}

/**
 * Every process must read the same monotonic clock, or arrival times taken in the watchers' processes
 * do not compare with the send times taken here: each one's reading must fall between two of this
 * process's, taken before and after asking it.
 */
async function checkSharedClock(clients: readonly Child[]): Promise<{ worstRoundTripMs: number }> {
  let worst = 0;
  for (const c of clients) {
    const before = monotonicMs();
    const theirs = await c.call<number>('clock');
    const after = monotonicMs();
    if (theirs < before || theirs > after)
      throw new Error(
        `${c.name}: its monotonic clock reads ${theirs}, outside [${before}, ${after}] here: times from different processes would not compare`,
      );
    worst = Math.max(worst, after - before);
  }
  return { worstRoundTripMs: worst };
}

async function rollcallJoiner(url: string, token: string): Promise<Joiner> {
  const ws: WebSocket = await openWs(
    url,
    '127.0.0.1',
    JSON.stringify({ type: 'hello', token, session: { clientType: 'web', view: JOINER_VIEW } }),
    true,
  );
  const refused: string[] = [];
  // rollcall answers a join or leave with nothing, and a refused one with an error frame.
  ws.on('message', (data: Buffer) => {
    if (refused.length < 5) refused.push(data.toString('utf8', 0, 200));
  });
  return {
    send: (kind, place) => ws.send(JSON.stringify({ type: kind, place })),
    refused,
    close: () => ws.terminate(),
  };
}

async function socketIoJoiner(url: string, token: string): Promise<Joiner> {
  const { socket }: IoConnection = await openSocketIo(url, '127.0.0.1', { token, session: { clientType: 'web', view: JOINER_VIEW } });
  // The peer answers a refused join with nothing: the missing events show it.
  return {
    send: (kind, place) => socket.emit(kind, place),
    refused: [],
    close: () => socket.close(),
  };
}
