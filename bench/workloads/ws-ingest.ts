// Workloads 2 and 5: WebSocket ingest, and the usual alternative.
// Three servers run side by side, each in a child process of its own: rollcall (the real server), a bare
// `ws` server that only counts messages (the physical limit), and the Socket.IO presence peer
// (bench/peers/socketio-presence.ts). Client processes (bench/clients/socket-clients.ts), each on its
// own loopback source address, connect the same fleet to each server in turn; then heartbeats are
// blasted at one server at a time, in interleaved rounds (bare → rollcall → Socket.IO, repeated), so a
// noisy neighbour hurts all three alike. Figures:
// - connect rate: clients connected per second, from the first attempt to the last welcome;
// - memory per connection: the server's RSS (and heap) after GC, connected minus before, / clients;
// - heartbeats per second the server finished, counted by the server over the measured window, and
//   the server's CPU time per heartbeat (clients write as fast as credit allows: see the pacing below);
// - "who is online" latency with everyone connected, uncached (heartbeats before each request) and read
//   by curl: rollcall GET /v1/users?status=online vs the
//   peer's fetchSockets() answer.
import { join } from 'node:path';
import type { WsSizes } from '../config.ts';
import { allStarted, BENCH_DIR, forkChild, type Child } from '../lib/child.ts';
import { BENCH_ADMIN_PASSWORD } from '../lib/constants.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import { alternatingLatency, sequentialLatency, type LatencyResult } from '../lib/http.ts';
import { heapGrowth, type HeapGroup } from '../lib/heapsnapshot.ts';
import type { MemorySnapshot } from '../lib/memory.ts';
import { row, type WorkloadResult } from '../lib/report.ts';
import { median, medianIndex, pollUntil, sleep } from '../lib/stats.ts';

type Kind = 'bare' | 'rollcall' | 'socketio';
const KINDS: readonly Kind[] = ['bare', 'rollcall', 'socketio'];
const LABEL: Record<Kind, string> = { bare: 'bare ws', rollcall: 'rollcall', socketio: 'Socket.IO' };
/** How often the pacing loop reads the server's counter and hands out credit. */
const PACING_TURN_MS = 4;

interface ServerStats {
  heartbeats: number;
  cpuUs: number;
  atMs: number;
}

interface Window {
  round: number;
  kind: Kind;
  perSec: number;
  cpuUsPerHb: number;
  /** Server CPU used over the window, as a share of one core. */
  cpuShare: number;
  sent: number;
  /** Heartbeats the clients sent during the whole blast minus those the server counted. */
  unaccounted: number;
}

interface ConnectFigures {
  connected: number;
  failed: number;
  perSec: number;
  errors: string[];
  rssPerConn: number;
  heapPerConn: number;
}

export async function runWsIngest(sizes: WsSizes, options: { profileDir?: string } = {}): Promise<WorkloadResult[]> {
  const startedAt = performance.now();
  const windowsMs = sizes.rounds * KINDS.length * (sizes.warmMs + sizes.measureMs + 2_000);
  // A safety net only (each child ends by itself after it): connecting is slow on a loaded machine.
  const lifetimeMs = 240_000 + windowsMs + sizes.connections * 3 * 20;
  const servers = new Map<Kind, Child<{ port: number }>>();
  const clients: Child[] = [];
  try {
    const scripts: Record<Kind, string> = {
      bare: 'servers/bare-ws.ts',
      rollcall: 'servers/rollcall-server.ts',
      socketio: 'servers/socketio-server.ts',
    };
    // Servers and client processes start at once: starting is most of a small run.
    const started = await allStarted<Child<{ port: number }>>([
      ...KINDS.map((kind) =>
        forkChild<{ port: number }>(join(BENCH_DIR, scripts[kind]), { name: `${kind} server`, nodeArgs: ['--expose-gc'], lifetimeMs }),
      ),
      ...Array.from({ length: sizes.processes }, (_, p) =>
        forkChild<{ port: number }>(join(BENCH_DIR, 'clients/socket-clients.ts'), { name: `clients ${p}`, lifetimeMs }),
      ),
    ]);
    KINDS.forEach((kind, i) => servers.set(kind, started[i]!));
    clients.push(...started.slice(KINDS.length));
    const server = (kind: Kind) => servers.get(kind)!;
    const urls: Record<Kind, string> = {
      bare: `ws://127.0.0.1:${server('bare').info.port}/`,
      rollcall: `ws://127.0.0.1:${server('rollcall').info.port}/v1/connect`,
      socketio: `http://127.0.0.1:${server('socketio').info.port}`,
    };
    const share = (p: number) => Math.floor(sizes.connections / sizes.processes) + (p < sizes.connections % sizes.processes ? 1 : 0);
    const firstOf = (p: number) => Array.from({ length: p }, (_, q) => share(q)).reduce((a, b) => a + b, 0);

    // ---- connect, one server at a time ---------------------------------------------------------------
    const connect: Partial<Record<Kind, ConnectFigures>> = {};
    let heapPerConnection: (HeapGroup & { perConnection: number })[] | undefined;
    for (const kind of KINDS) {
      const snapshots =
        options.profileDir && kind === 'rollcall' && sizes.connections <= 5_000
          ? ([join(options.profileDir, 'ws-before.heapsnapshot'), join(options.profileDir, 'ws-after.heapsnapshot')] as const)
          : undefined;
      if (snapshots) await server(kind).call('heapSnapshot', { file: snapshots[0] }, 120_000);
      const before = await server(kind).call<MemorySnapshot>('memory');
      const answers = await Promise.all(
        clients.map((c, p) =>
          c.call<{ connected: number; failed: number; errors: string[]; startedAt: number; endedAt: number }>(
            'connect',
            {
              target: kind,
              kind,
              url: urls[kind],
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
      const after = await server(kind).call<MemorySnapshot>('memory');
      if (snapshots) {
        await server(kind).call('heapSnapshot', { file: snapshots[1] }, 120_000);
        heapPerConnection = heapGrowth(snapshots[0], snapshots[1]).map((g) => ({
          ...g,
          perConnection: Math.round((g.bytes / sizes.connections) * 10) / 10,
        }));
      }
      connect[kind] = {
        connected,
        failed: answers.reduce((a, b) => a + b.failed, 0),
        perSec: connected / (spanMs / 1000),
        errors: answers.flatMap((a) => a.errors).slice(0, 5),
        rssPerConn: (after.rss - before.rss) / connected,
        heapPerConn: (after.heapUsed - before.heapUsed) / connected,
      };
      if (connected < sizes.connections * 0.99) {
        throw new Error(`${LABEL[kind]}: only ${connected} of ${sizes.connections} clients connected: ${connect[kind]!.errors.join('; ')}`);
      }
    }

    // ---- heartbeats, interleaved rounds --------------------------------------------------------------
    const profiles: Record<string, ProfileSummary> = {};
    // Credit-based pacing: at most `inFlight` frames sent and not yet finished by the server. The loop
    // reads the server's counter every few ms and hands the difference out as credit to the client
    // processes. The server never writes for it; the counter costs it one small IPC answer per turn.
    const inFlight = sizes.connections * sizes.inFlightPerSocket;
    const blast = async (kind: Kind, round: number, profile?: string): Promise<Window> => {
      const s = server(kind);
      const start = await s.call<ServerStats>('stats');
      const began = performance.now();
      let sent = 0;
      let last = start;
      let s0: ServerStats | undefined;
      let s1: ServerStats | undefined;
      while (!s1) {
        const now = performance.now();
        if (!s0 && now - began >= sizes.warmMs) {
          if (profile) await s.call('profileStart');
          s0 = last = await s.call<ServerStats>('stats');
        } else if (s0 && now - began >= sizes.warmMs + sizes.measureMs) {
          s1 = await s.call<ServerStats>('stats');
          break;
        }
        const allowance = last.heartbeats - start.heartbeats + inFlight - sent;
        if (allowance >= clients.length * sizes.batch) {
          const per = Math.floor(allowance / clients.length);
          const answers = await Promise.all(
            clients.map((c) => c.call<{ sent: number }>('credit', { target: kind, frames: per, batch: sizes.batch })),
          );
          sent += answers.reduce((a, b) => a + b.sent, 0);
        }
        await sleep(PACING_TURN_MS);
        last = await s.call<ServerStats>('stats');
      }
      if (profile)
        profiles[profile] = await s.call<ProfileSummary>('profileStop', { file: join(options.profileDir!, `${profile}.cpuprofile`) });
      // Every frame written is in flight until the server has finished it.
      await pollUntil(async () => (await s.call<ServerStats>('stats')).heartbeats - start.heartbeats >= sent, 60_000, 20);
      const end = await s.call<ServerStats>('stats');
      const counted = s1.heartbeats - s0!.heartbeats;
      return {
        round,
        kind,
        perSec: counted / ((s1.atMs - s0!.atMs) / 1000),
        cpuUsPerHb: (s1.cpuUs - s0!.cpuUs) / Math.max(1, counted),
        cpuShare: (s1.cpuUs - s0!.cpuUs) / 1000 / (s1.atMs - s0!.atMs),
        sent,
        unaccounted: sent - (end.heartbeats - start.heartbeats),
      };
    };
    const windows: Window[] = [];
    for (let round = 1; round <= sizes.rounds; round++) {
      for (const kind of KINDS) windows.push(await blast(kind, round));
    }
    if (options.profileDir) {
      // Separate windows, so the profiler's own cost is in no reported figure.
      await blast('bare', 0, 'ws-bare-heartbeats');
      await blast('rollcall', 0, 'ws-rollcall-heartbeats');
      await blast('socketio', 0, 'ws-socketio-heartbeats');
    }

    // ---- who is online, everyone connected -------------------------------------------------------------
    const basic = `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}`;
    // Uncached: before each turn, in a new whole second, each server hears heartbeats from a second's
    // worth of sessions at the default interval (15 s: 1,000 of 15,000) right before its own request, so
    // every touched user's answer changes (answers carry whole seconds). Touching both at once put the
    // collections of Socket.IO's touch (30-40 ms, on both cores) into rollcall's request. curl reads the
    // answers: the figure is the server's.
    const touches = Math.round(sizes.connections / 15);
    let pair = 0;
    let lastSecond = 0;
    const [whoRollcall, whoSocketIo] = await alternatingLatency(
      { url: `http://127.0.0.1:${server('rollcall').info.port}/v1/users?status=online`, headers: { authorization: basic } },
      { url: `http://127.0.0.1:${server('socketio').info.port}/online` },
      {
        count: sizes.whoIsOnlineRequests,
        client: 'curl',
        beforePair: async () => {
          while (Math.floor(Date.now() / 1000) === lastSecond) await sleep(5);
          lastSecond = Math.floor(Date.now() / 1000);
          pair++;
        },
        beforeEach: (k) => server(k === 0 ? 'rollcall' : 'socketio').call('touch', { count: touches, offset: pair }),
      },
    );
    if (options.profileDir) {
      for (const [kind, url, headers] of [
        ['rollcall', `http://127.0.0.1:${server('rollcall').info.port}/v1/users?status=online`, { authorization: basic }],
        ['socketio', `http://127.0.0.1:${server('socketio').info.port}/online`, {}],
      ] as const) {
        await server(kind).call('profileStart');
        await sequentialLatency(url, { count: sizes.whoIsOnlineRequests, warmup: 0, headers });
        profiles[`who-is-online-${kind}`] = await server(kind).call<ProfileSummary>('profileStop', {
          file: join(options.profileDir, `who-is-online-${kind}.cpuprofile`),
        });
      }
    }

    // ---- figures ---------------------------------------------------------------------------------------
    // Medians over all windows of a server: only for the notes (they pair windows minutes apart).
    const cpuPer = (kind: Kind) => median(windows.filter((w) => w.kind === kind).map((w) => w.cpuUsPerHb));
    const roundRatios = (of: (round: number, kind: Kind) => number, other: Kind) =>
      Array.from({ length: sizes.rounds }, (_, r) => of(r + 1, 'rollcall') / of(r + 1, other));
    const window = (round: number, kind: Kind) => windows.find((w) => w.round === round && w.kind === kind)!;
    const ratios = roundRatios((r, k) => window(r, k).perSec, 'bare');
    const peerRatios = roundRatios((r, k) => window(r, k).perSec, 'socketio');
    // Heartbeats per CPU-second, compared like throughput: per round, whose windows ran back to back.
    const perCpuSecond = (r: number, k: Kind) => 1e6 / window(r, k).cpuUsPerHb;
    const cpuRatios = roundRatios(perCpuSecond, 'bare');
    const peerCpuRatios = roundRatios(perCpuSecond, 'socketio');
    // A row shows the round whose ratio is the median one: its two figures and their ratio agree.
    const bareRound = medianIndex(ratios) + 1;
    const peerRound = medianIndex(peerRatios) + 1;
    const bareCpuRound = medianIndex(cpuRatios) + 1;
    const peerCpuRound = medianIndex(peerCpuRatios) + 1;
    const c = connect as Record<Kind, ConnectFigures>;
    const n = sizes.connections.toLocaleString('en-US');
    const seconds = (performance.now() - startedAt) / 1000;
    const params = { ...sizes, addresses: clients.map((_, p) => `127.0.0.${2 + p}`) };
    const details = {
      connect,
      windows,
      ratiosPerRound: ratios,
      peerRatiosPerRound: peerRatios,
      cpuRatiosPerRound: cpuRatios,
      peerCpuRatiosPerRound: peerCpuRatios,
      whoIsOnline: { rollcall: whoRollcall, socketio: whoSocketIo },
    };

    const ws: WorkloadResult = {
      name: 'ws',
      title: 'WebSocket ingest vs a bare ws server',
      params,
      rows: [
        row(
          '2',
          `WS heartbeats/s, ${n} clients (round with the median ratio of ${sizes.rounds})`,
          'hb/s',
          window(bareRound, 'rollcall').perSec,
          {
            baseline: { label: 'bare ws', value: window(bareRound, 'bare').perSec },
            target: { on: 'ratio', op: '>=', limit: 0.9 },
            note: `per-round ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; server CPU share in those windows ${windows
              .filter((w) => w.kind !== 'socketio')
              .map((w) => `${w.kind} ${Math.round(w.cpuShare * 100)}%`)
              .join(', ')}`,
          },
        ),
        row(
          '2',
          `WS heartbeats per server CPU-second (1 / CPU per heartbeat, round with the median ratio of ${sizes.rounds})`,
          'hb/s',
          perCpuSecond(bareCpuRound, 'rollcall'),
          {
            baseline: { label: 'bare ws', value: perCpuSecond(bareCpuRound, 'bare') },
            target: { on: 'ratio', op: '>=', limit: 0.9 },
            note:
              `per-round ratios ${cpuRatios.map((r) => r.toFixed(2)).join(', ')}; what each server could take with a core to itself. ` +
              `Medians over all windows: rollcall ${cpuPer('rollcall').toFixed(2)} µs, bare ws ${cpuPer('bare').toFixed(2)} µs per heartbeat (ratio ${(cpuPer('bare') / cpuPer('rollcall')).toFixed(2)})`,
          },
        ),
        row('2', 'WS memory per connection incl. session (RSS)', 'KB', c.rollcall.rssPerConn / 1024, {
          baseline: { label: 'bare ws', value: c.bare.rssPerConn / 1024 },
          target: { on: 'value', op: '<=', limit: 8 },
        }),
        row('2', 'WS heap per connection incl. session', 'KB', c.rollcall.heapPerConn / 1024, {
          baseline: { label: 'bare ws', value: c.bare.heapPerConn / 1024 },
        }),
        row('2', 'WS connect rate (hello → welcome)', 'conn/s', c.rollcall.perSec, {
          baseline: { label: 'bare ws open', value: c.bare.perSec },
        }),
      ],
      details: { ...details, profiles, ...(heapPerConnection && { heapPerConnection }) },
      seconds,
    };
    const peer: WorkloadResult = {
      name: 'socketio',
      title: 'rollcall vs a Socket.IO presence service (same clients, same sizes)',
      params,
      rows: [
        row('5', `connect rate, ${n} clients`, 'conn/s', c.rollcall.perSec, { baseline: { label: 'Socket.IO', value: c.socketio.perSec } }),
        row('5', 'memory per connection (RSS)', 'KB', c.rollcall.rssPerConn / 1024, {
          baseline: { label: 'Socket.IO', value: c.socketio.rssPerConn / 1024 },
        }),
        row('5', 'heap per connection', 'KB', c.rollcall.heapPerConn / 1024, {
          baseline: { label: 'Socket.IO', value: c.socketio.heapPerConn / 1024 },
        }),
        row('5', `heartbeats/s (round with the median ratio of ${sizes.rounds})`, 'hb/s', window(peerRound, 'rollcall').perSec, {
          baseline: { label: 'Socket.IO', value: window(peerRound, 'socketio').perSec },
          note: `per-round ratios ${peerRatios.map((r) => r.toFixed(2)).join(', ')}`,
        }),
        row(
          '5',
          `heartbeats per server CPU-second (round with the median ratio of ${sizes.rounds})`,
          'hb/s',
          perCpuSecond(peerCpuRound, 'rollcall'),
          {
            baseline: { label: 'Socket.IO', value: perCpuSecond(peerCpuRound, 'socketio') },
            note: `per-round ratios ${peerCpuRatios.map((r) => r.toFixed(2)).join(', ')}`,
          },
        ),
        ...whoRows(whoRollcall, whoSocketIo, touches),
      ],
      details: { see: 'the ws workload: both come from the same run' },
      seconds: 0,
    };
    return [ws, peer];
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all([...servers.values()].map((s) => s.stop(30_000)));
  }
}

const slowestList = (result: LatencyResult) => `${result.slowestMs.map((ms) => ms.toFixed(1)).join(', ')} ms`;

function whoRows(rollcall: LatencyResult, socketio: LatencyResult, touches: number) {
  const note = `answers: rollcall ${(rollcall.bytes / 1e6).toFixed(1)} MB, Socket.IO ${(socketio.bytes / 1e6).toFixed(1)} MB; ${touches.toLocaleString('en-US')} sessions heartbeat before each; curl reads them`;
  // The second round's target: ten times faster than Socket.IO, uncached.
  const target = { on: 'ratio', op: '<=', limit: 0.1 } as const;
  return [
    row('5', '"who is online" p50 (all users with sessions)', 'ms', rollcall.p50Ms, {
      baseline: { label: 'Socket.IO fetchSockets', value: socketio.p50Ms },
      note,
      target,
    }),
    row('5', '"who is online" p99', 'ms', rollcall.p99Ms, {
      baseline: { label: 'Socket.IO fetchSockets', value: socketio.p99Ms },
      note: `slowest answers: rollcall ${slowestList(rollcall)}; Socket.IO ${slowestList(socketio)}`,
      target,
    }),
  ];
}
