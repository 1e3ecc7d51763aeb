// Workload 7: rollcall as a cluster on Redis (README "A cluster on Redis"), and the usual alternative run
// the same way. Every server is a real process on loopback:
// - three `rollcall serve` nodes (bin/rollcall.mjs, each with its own data dir) on one redis-server (unix
//   socket) and one PostgreSQL 15 (unix socket), with bench/lib/node-probe.ts preloaded so the
//   benchmark can read each node's heartbeat count and CPU time over IPC;
// - a fourth node alone on a second Redis and database: the 1-node cluster the 3-node one is compared with;
// - three Socket.IO nodes with @socket.io/redis-adapter on a third Redis (bench/servers/socketio-cluster-server.ts);
// - client processes (bench/clients/socket-clients.ts), each on its own source address, each holding a
//   share of the sockets of one node.
// Figures:
// 1. change visible on another node: an HTTP open on one node (rotating) while every node's change
//    stream (SSE) is read; latency = arrival on another node − the moment the open was sent; on an
//    empty cluster, then with every socket connected;
// 2. ghost cleanup: kill -9 of the node holding a third of the sockets; per session, kill → its
//    `session.ended` (reason node_lost) on each surviving node's stream; each exactly once, and no
//    other session ended;
// 3. Redis memory per session: INFO used_memory before and after the sockets connected, with each key's
//    MEMORY USAGE (the change stream's share apart);
// 4. heartbeats of 3 nodes vs 1 node: the same sockets and the same credit-paced load as workload 2,
//    windows interleaved, per second and per CPU-second of the rollcall processes (Redis's CPU noted);
// 5. "who is online" on every node (GET /v1/users?status=online: never cached) vs Socket.IO's
//    fetchSockets() across its nodes, requests alternating; again with a node frozen (SIGSTOP: its
//    connections stay open, as for a hung or cut-off machine) and with a node killed (kill -9: its
//    connections close at once, so Redis drops its subscriptions).
import { join } from 'node:path';
import type { ClusterSizes } from '../config.ts';
import { KEY_NAMES, storeKeys } from '../../src/live/redis/keys.ts';
import { allStarted, BENCH_DIR, forkChild, type Child } from '../lib/child.ts';
import { startBackends, type Backends, type BenchRedis } from '../lib/cluster-backends.ts';
import { BENCH_ADMIN_PASSWORD, BENCH_INGEST_KEY, BENCH_TOKEN_SECRET } from '../lib/constants.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import { sessionBody } from '../lib/fleet.ts';
import { fetchOnce, type Answer } from '../lib/http.ts';
import { machineInfo } from '../lib/machine.ts';
import type { NodeStats } from '../lib/node-probe.ts';
import { row, type Row, type WorkloadResult } from '../lib/report.ts';
import { startRollcallNode, type RollcallNode } from '../lib/rollcall-nodes.ts';
import { openEventStream, type EventStream, type StreamEvent } from '../lib/sse.ts';
import { max, median, medianIndex, percentile, pollUntil, sleep } from '../lib/stats.ts';

const W = '7';
const ADMIN = { authorization: `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}` };
const INGEST = { authorization: `Bearer ${BENCH_INGEST_KEY}`, 'content-type': 'application/json' };
const PACING_TURN_MS = 4;
/** The Redis key prefix rollcall uses by default (ROLLCALL_REDIS_KEY_PREFIX). */
const KEY_PREFIX = 'rollcall';
/** Socket.IO's redis adapter's default requestsTimeout, which the run keeps. */
const SIO_REQUESTS_TIMEOUT_MS = 5_000;
/** How long the streams are still read after the last expected end: late duplicates would show there. */
const GHOST_SETTLE_MS = 2_000;
/** Latency opens not counted (the first requests of a fresh node take the JIT's time). */
const LATENCY_WARMUP = 10;

type SioNode = Child<{ port: number; pid: number; requestsTimeoutMs: number }>;

interface LatencyFigures {
  /** Arrival on each other node − open sent, ms, one per (open, other node). */
  crossMs: number[];
  /** Arrival on the node that took the open − open sent, ms. */
  sameMs: number[];
  /** Arrival on the second node minus the moment the open's HTTP answer arrived (can be negative). */
  afterAnswerMs: number[];
  missing: number;
  openMs: number[];
  spanSeconds: number;
}

interface HbWindow {
  round: number;
  cluster: 'one' | 'three';
  perSec: number;
  perCpuSecond: number;
  cpuUs: number;
  /** CPU used by the cluster's rollcall processes over the window, in cores. */
  cores: number;
  /** Redis's own CPU over the window, in cores, and per heartbeat (µs). */
  redisCores: number;
  redisUsPerHb: number;
  counted: number;
  sent: number;
  unaccounted: number;
}

interface Timed {
  ms: number;
  status: number;
  bytes: number;
}

export async function runCluster(sizes: ClusterSizes, options: { profileDir?: string } = {}): Promise<WorkloadResult> {
  if (sizes.processes % 3 !== 0) throw new Error('cluster: processes must be a multiple of 3 (one node each)');
  const startedAt = performance.now();
  const loadAtStart = machineInfo().loadAverage;
  const lifetimeMs = 360_000 + sizes.sockets * 40 + sizes.whoRequests * 6 * 2_000 + sizes.hungRequests * 2 * SIO_REQUESTS_TIMEOUT_MS;
  const nodes: RollcallNode[] = [];
  const clients: Child[] = [];
  const sio: SioNode[] = [];
  const streams: EventStream[] = [];
  let backends: Backends | undefined;
  const profiles: Record<string, ProfileSummary> = {};
  try {
    // ---- servers ---------------------------------------------------------------------------------------
    // Redis X: the 3-node cluster; Redis Y: the 1-node cluster; Redis Z: Socket.IO's adapter. One
    // PostgreSQL, a database per rollcall cluster.
    backends = await startBackends({ redisServers: 3, databases: 2, lifetimeMs });
    const [redisX, redisY, redisZ] = backends.redis as [BenchRedis, BenchRedis, BenchRedis];
    const envOf = (redisUrl: string, databaseUrl: string): Record<string, string> => ({
      ROLLCALL_LIVE_STORE: 'redis',
      ROLLCALL_REDIS_URL: redisUrl,
      ROLLCALL_HISTORY_STORE: 'postgres',
      ROLLCALL_DATABASE_URL: databaseUrl,
      ROLLCALL_TOKEN_SECRET: BENCH_TOKEN_SECRET,
      ROLLCALL_INGEST_KEY: BENCH_INGEST_KEY,
      ROLLCALL_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      ROLLCALL_LOG_LEVEL: 'warn',
    });
    const envX = envOf(redisX.url, backends.databaseUrls[0]!);
    const envY = envOf(redisY.url, backends.databaseUrls[1]!);
    const startingNodes = Promise.allSettled([
      startRollcallNode('node-a', envX, lifetimeMs),
      startRollcallNode('node-b', envX, lifetimeMs),
      startRollcallNode('node-c', envX, lifetimeMs),
      startRollcallNode('node-single', envY, lifetimeMs),
    ]);
    const startingChildren = allStarted<Child>([
      ...Array.from({ length: 3 }, (_, k) =>
        forkChild(join(BENCH_DIR, 'servers/socketio-cluster-server.ts'), {
          name: `socket.io node ${k + 1}`,
          env: { BENCH_REDIS_URL: redisZ.url },
          lifetimeMs,
        }),
      ),
      ...Array.from({ length: sizes.processes }, (_, p) =>
        forkChild(join(BENCH_DIR, 'clients/socket-clients.ts'), { name: `clients ${p}`, lifetimeMs }),
      ),
    ]);
    const [nodeResults, children] = await Promise.all([startingNodes, startingChildren.catch((error: unknown) => error as Error)]);
    for (const r of nodeResults) if (r.status === 'fulfilled') nodes.push(r.value);
    if (children instanceof Error) throw children;
    const failed = nodeResults.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    sio.push(...(children.slice(0, 3) as SioNode[]));
    clients.push(...children.slice(3));
    const [a, b, c, single] = nodes as [RollcallNode, RollcallNode, RollcallNode, RollcallNode];
    const three = [a, b, c];

    const perProcess = (p: number, processes: number) => Math.floor(sizes.sockets / processes) + (p < sizes.sockets % processes ? 1 : 0);
    const firstOf = (p: number) => Array.from({ length: p }, (_, q) => perProcess(q, sizes.processes)).reduce((x, y) => x + y, 0);
    /** Which of the three nodes process p's sockets go to. */
    const nodeOf = (p: number) => p % 3;
    const socketsOn = (k: number) => clients.reduce((sum, _, p) => sum + (nodeOf(p) === k ? perProcess(p, sizes.processes) : 0), 0);

    const connectFleet = async (target: string, kind: 'rollcall' | 'socketio', urlOf: (p: number) => string) => {
      const answers = await Promise.all(
        clients.map((client, p) =>
          client.call<{ connected: number; failed: number; errors: string[]; startedAt: number; endedAt: number }>(
            'connect',
            {
              target,
              kind,
              url: urlOf(p),
              count: perProcess(p, sizes.processes),
              first: firstOf(p),
              localAddress: `127.0.0.${2 + p}`,
              concurrency: sizes.concurrency,
            },
            lifetimeMs,
          ),
        ),
      );
      const connected = answers.reduce((sum, x) => sum + x.connected, 0);
      const spanMs = Math.max(...answers.map((x) => x.endedAt)) - Math.min(...answers.map((x) => x.startedAt));
      if (connected < sizes.sockets) {
        throw new Error(
          `${target}: only ${connected} of ${sizes.sockets} clients connected: ${answers
            .flatMap((x) => x.errors)
            .slice(0, 5)
            .join('; ')}`,
        );
      }
      return { connected, perSec: connected / (spanMs / 1000), spanMs };
    };
    const sessionsSeenBy = async (node: RollcallNode) => {
      const answer = await fetchOnce(`${node.url}/v1/stats`, { headers: ADMIN });
      if (answer.status !== 200) throw new Error(`${node.name} /v1/stats: HTTP ${answer.status}`);
      return (JSON.parse(answer.body.toString('utf8')) as { sessions: { total: number } }).sessions.total;
    };
    const waitForSessions = async (list: readonly RollcallNode[], expected: number, what: string) => {
      const seen = new Map<string, number>();
      const ok = await pollUntil(
        async () => {
          for (const node of list) seen.set(node.name, await sessionsSeenBy(node));
          return [...seen.values()].every((n) => n === expected);
        },
        60_000 + sizes.sockets * 4,
        100,
      );
      if (!ok) throw new Error(`${what}: the nodes see ${[...seen].map(([n, v]) => `${n} ${v}`).join(', ')} sessions, not ${expected}`);
    };

    // ---- 1. change visible on another node -----------------------------------------------------------------
    let latencyRun = 0;
    const changeLatency = async (): Promise<LatencyFigures> => {
      const tag = `probe${++latencyRun}-`;
      const total = LATENCY_WARMUP + sizes.latencySamples;
      const sentAt = new Array<number>(total);
      const answeredAt = new Array<number>(total);
      const arrivals = Array.from({ length: total }, () => new Array<number | undefined>(3));
      const opened: { node: RollcallNode; id: number }[] = [];
      const watch = await Promise.all(
        three.map((node, k) =>
          openEventStream(`${node.url}/v1/events?types=session.started`, ADMIN, (event: StreamEvent) => {
            const id = (JSON.parse(event.data) as { session?: { user?: { id?: string } } }).session?.user?.id;
            if (!id?.startsWith(tag)) return;
            const n = Number(id.slice(tag.length));
            if (arrivals[n] && arrivals[n][k] === undefined) arrivals[n][k] = event.atMs;
          }),
        ),
      );
      streams.push(...watch);
      const openMs: number[] = [];
      const began = performance.now();
      let figures;
      try {
        for (let n = 0; n < total; n++) {
          const node = three[n % 3]!;
          const body = sessionBody(900_000 + n);
          body.user = { id: `${tag}${n}`, name: `Probe ${n}`, type: 'staff' };
          const text = JSON.stringify(body);
          sentAt[n] = performance.now();
          const answer = await fetchOnce(`${node.url}/v1/sessions`, { method: 'POST', headers: INGEST, body: text });
          answeredAt[n] = performance.now();
          if (answer.status !== 201)
            throw new Error(`${node.name} POST /v1/sessions: HTTP ${answer.status}: ${answer.body.subarray(0, 300).toString('utf8')}`);
          opened.push({ node, id: (JSON.parse(answer.body.toString('utf8')) as { id: number }).id });
          if (n >= LATENCY_WARMUP) openMs.push(answeredAt[n]! - sentAt[n]!);
          await sleep(sizes.latencyIntervalMs * (0.5 + Math.random()));
        }
        const spanSeconds = (performance.now() - began) / 1000;
        await pollUntil(() => arrivals.every((list) => list.every((at) => at !== undefined)), 5_000, 20);
        const crossMs: number[] = [];
        const sameMs: number[] = [];
        const afterAnswerMs: number[] = [];
        let missing = 0;
        for (let n = LATENCY_WARMUP; n < total; n++) {
          for (let k = 0; k < 3; k++) {
            const at = arrivals[n]![k];
            if (at === undefined) {
              missing++;
              continue;
            }
            if (k === n % 3) sameMs.push(at - sentAt[n]!);
            else {
              crossMs.push(at - sentAt[n]!);
              if (k === (n + 1) % 3) afterAnswerMs.push(at - answeredAt[n]!);
            }
          }
        }
        figures = { crossMs, sameMs, afterAnswerMs, missing, openMs, spanSeconds };
      } finally {
        for (const stream of watch) stream.close();
      }
      // The probes leave: the figures below are about the sockets only. (After a failure the run stops,
      // and the servers with it.)
      for (const { node, id } of opened) {
        const answer = await fetchOnce(`${node.url}/v1/sessions/${id}`, {
          method: 'DELETE',
          headers: { authorization: INGEST.authorization },
        });
        if (answer.status !== 204) throw new Error(`${node.name} DELETE /v1/sessions/${id}: HTTP ${answer.status}`);
      }
      return figures;
    };
    const latencyEmpty = await changeLatency();
    await waitForSessions(three, 0, 'after the latency probes');

    // ---- 3. Redis memory before and after the sockets -----------------------------------------------------
    const keys = storeKeys(KEY_PREFIX);
    const redisMemory = async () => {
      const info = await redisX.info('memory');
      const perKey: Record<string, number> = {};
      for (const name of KEY_NAMES) perKey[name] = await redisX.memoryUsage(keys[name]);
      const dbsize = Number(await redisX.client.sendCommand(['DBSIZE']));
      // What one stored session is (session-codec.ts): the length of a few, at random.
      const sampled = ((await redisX.client.sendCommand(['HRANDFIELD', keys.sessions, '20'])) ?? []) as string[];
      const storedBytes: number[] = [];
      for (const field of sampled) storedBytes.push(Number(await redisX.client.sendCommand(['HSTRLEN', keys.sessions, String(field)])));
      const streamLength = Number(await redisX.client.sendCommand(['XLEN', keys.stream]));
      return {
        usedMemory: Number(info.used_memory),
        usedMemoryDataset: Number(info.used_memory_dataset),
        perKey,
        dbsize,
        streamLength,
        storedSessionBytes: storedBytes.length > 0 ? median(storedBytes) : 0,
      };
    };
    // The once-a-second activity flush and the node beats settle first.
    await sleep(1_500);
    const memoryBefore = await redisMemory();

    // ---- connect the sockets: a share per node ------------------------------------------------------------
    const connectX = await connectFleet('x', 'rollcall', (p) => `${three[nodeOf(p)]!.url.replace('http', 'ws')}/v1/connect`);
    await waitForSessions(three, sizes.sockets, 'after connecting the 3-node cluster');
    await sleep(2_500);
    const memoryAfter = await redisMemory();

    // ---- 1 again, with every socket connected ----------------------------------------------------------------
    const latencyLoaded = await changeLatency();
    await waitForSessions(three, sizes.sockets, 'after the second latency probes');

    // ---- 4. heartbeats: 3 nodes vs 1 node ---------------------------------------------------------------------
    const connectSingle = await connectFleet('single', 'rollcall', () => `${single.url.replace('http', 'ws')}/v1/connect`);
    await waitForSessions([single], sizes.sockets, 'after connecting the 1-node cluster');
    const clusters = {
      three: {
        nodes: three,
        target: 'x',
        redis: redisX,
        processesOf: (k: number) => clients.filter((_, p) => nodeOf(p) === k),
        socketsOf: socketsOn,
      },
      one: { nodes: [single], target: 'single', redis: redisY, processesOf: () => clients, socketsOf: () => sizes.sockets },
    } as const;
    const blast = async (name: 'one' | 'three', round: number, profile?: string): Promise<HbWindow> => {
      const cl = clusters[name];
      const read = () => Promise.all(cl.nodes.map((n) => n.stats()));
      const start = await read();
      const sent = cl.nodes.map(() => 0);
      const inFlight = cl.nodes.map((_, k) => cl.socketsOf(k) * sizes.inFlightPerSocket);
      const began = performance.now();
      let last = start;
      let s0: NodeStats[] | undefined;
      let s1: NodeStats[] | undefined;
      let r0 = 0;
      let r1 = 0;
      for (;;) {
        const now = performance.now();
        if (!s0 && now - began >= sizes.warmMs) {
          if (profile) await cl.nodes[0]!.call('profileStart');
          [s0, r0] = await Promise.all([read(), cl.redis.cpuUs()]);
          last = s0;
        } else if (s0 && now - began >= sizes.warmMs + sizes.measureMs) {
          [s1, r1] = await Promise.all([read(), cl.redis.cpuUs()]);
          break;
        }
        await Promise.all(
          cl.nodes.map(async (_, k) => {
            const procs = cl.processesOf(k);
            const allowance = last[k]!.heartbeats - start[k]!.heartbeats + inFlight[k]! - sent[k]!;
            if (allowance < procs.length) return;
            const per = Math.floor(allowance / procs.length);
            const answers = await Promise.all(
              procs.map((p) => p.call<{ sent: number }>('credit', { target: cl.target, frames: per, batch: 1 })),
            );
            sent[k]! += answers.reduce((sum, x) => sum + x.sent, 0);
          }),
        );
        await sleep(PACING_TURN_MS);
        last = await read();
      }
      if (profile && options.profileDir)
        profiles[profile] = await cl.nodes[0]!.call<ProfileSummary>('profileStop', {
          file: join(options.profileDir, `${profile}.cpuprofile`),
        });
      const total = (list: readonly number[]) => list.reduce((x, y) => x + y, 0);
      await pollUntil(async () => total((await read()).map((s, k) => s.heartbeats - start[k]!.heartbeats)) >= total(sent), 60_000, 20);
      const end = await read();
      const counted = total(s1!.map((s, k) => s.heartbeats - s0![k]!.heartbeats));
      const cpuUs = total(s1!.map((s, k) => s.cpuUs - s0![k]!.cpuUs));
      const spanMs = median(s1!.map((s, k) => s.atMs - s0![k]!.atMs));
      return {
        round,
        cluster: name,
        perSec: total(s1!.map((s, k) => (s.heartbeats - s0![k]!.heartbeats) / ((s.atMs - s0![k]!.atMs) / 1000))),
        perCpuSecond: counted / (cpuUs / 1e6),
        cpuUs,
        cores: cpuUs / 1000 / spanMs,
        redisCores: (r1 - r0) / 1000 / spanMs,
        redisUsPerHb: (r1 - r0) / Math.max(1, counted),
        counted,
        sent: total(sent),
        unaccounted: total(sent) - total(end.map((s, k) => s.heartbeats - start[k]!.heartbeats)),
      };
    };
    const windows: HbWindow[] = [];
    for (let round = 1; round <= sizes.rounds; round++) {
      // Which cluster goes first alternates, so neither always follows the other's backlog.
      const order: ('one' | 'three')[] = round % 2 === 1 ? ['one', 'three'] : ['three', 'one'];
      for (const name of order) windows.push(await blast(name, round));
    }
    if (options.profileDir) {
      await blast('one', 0, 'cluster-hb-single-node');
      await blast('three', 0, 'cluster-hb-node-a-of-three');
    }
    // The 1-node cluster is done: its node leaves (its sockets are told to reconnect; nobody does).
    await single.stop();

    // ---- 5. who is online: rollcall on every node vs Socket.IO fetchSockets across its nodes ----------------
    const connectSio = await connectFleet('sio', 'socketio', (p) => `http://127.0.0.1:${sio[nodeOf(p)]!.info.port}`);
    await pollUntil(
      async () =>
        (await Promise.all(sio.map((s) => s.call<{ localSockets: number }>('stats')))).every((s, k) => s.localSockets === socketsOn(k)),
      30_000,
      100,
    );
    const rollcallWho = (node: RollcallNode) => `${node.url}/v1/users?status=online`;
    const sioWho = (node: SioNode) => `http://127.0.0.1:${node.info.port}/online`;
    // What each answer holds: every session of the cluster, once.
    const countRollcall = (answer: Answer) =>
      (JSON.parse(answer.body.toString('utf8')) as { users: { sessions: unknown[] }[] }).users.reduce(
        (sum, u) => sum + u.sessions.length,
        0,
      );
    const countSio = (answer: Answer) => (JSON.parse(answer.body.toString('utf8')) as { sockets: number }).sockets;
    const timed = async (url: string, headers: Record<string, string> = {}): Promise<Timed & { answer: Answer }> => {
      const answer = await fetchOnce(url, { headers, timeoutMs: 60_000 }).catch((error: unknown) => {
        throw new Error(`GET ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      return { ms: answer.ms, status: answer.status, bytes: answer.bytes, answer };
    };
    /**
     * Requests alternating between the systems and going round their nodes; answers every request's
     * time. A rollcall answer other than 200 stops the run; a Socket.IO one is a figure (fetchSockets
     * fails when a node's reply misses requestsTimeout).
     */
    const whoIsOnline = async (rollcallNodes: readonly RollcallNode[], sioNodes: readonly SioNode[], count: number, expected: number) => {
      const rollcall: Timed[] = [];
      const socketio: Timed[] = [];
      const checked: string[] = [];
      let sioChecked = false;
      for (let i = 0; i < count + 1; i++) {
        for (let k = 0; k < Math.max(rollcallNodes.length, sioNodes.length); k++) {
          const rNode = rollcallNodes[k % rollcallNodes.length]!;
          const sNode = sioNodes[k % sioNodes.length]!;
          const r = await timed(rollcallWho(rNode), ADMIN);
          if (r.status !== 200) throw new Error(`${rNode.name} /v1/users: HTTP ${r.status}`);
          const s = await timed(sioWho(sNode));
          // Both must answer for every session of the cluster (checked on the first full answers).
          if (i === 0) {
            const rc = countRollcall(r.answer);
            checked.push(`${rNode.name} ${rc}`);
            if (rc !== expected) throw new Error(`who is online: ${rNode.name} lists ${rc} sessions, not ${expected}`);
          }
          if (s.status === 200 && !sioChecked) {
            sioChecked = true;
            const sc = countSio(s.answer);
            checked.push(`${sNode.name} ${sc}`);
            if (sc !== expected) throw new Error(`who is online: ${sNode.name} lists ${sc} sockets, not ${expected}`);
          }
          // The first round warms up.
          if (i === 0) continue;
          rollcall.push({ ms: r.ms, status: r.status, bytes: r.bytes });
          socketio.push({ ms: s.ms, status: s.status, bytes: s.bytes });
        }
      }
      return { rollcall, socketio, checked };
    };
    const redisClients = async () => {
      const [stats, clientsInfo] = await Promise.all([redisZ.info('stats'), redisZ.info('clients')]);
      return { connectionsReceived: Number(stats.total_connections_received), connectedClients: Number(clientsInfo.connected_clients) };
    };
    const sioRedisBefore = await redisClients();
    // Socket.IO's replies travel as pub/sub messages that Redis fans out to every node's subscriber
    // (the adapter's default shared response channel): the largest output buffer a subscriber had,
    // against Redis's pub/sub limit (client-output-buffer-limit pubsub, 32 MB hard by default).
    let sioMaxOutputBuffer = 0;
    let watchingBuffers = true;
    const bufferWatch = (async () => {
      while (watchingBuffers) {
        const list = String(await redisZ.client.sendCommand(['CLIENT', 'LIST']));
        for (const line of list.split('\n')) {
          const omem = /\bsub=[1-9].*\bomem=(\d+)/.exec(line);
          if (omem) sioMaxOutputBuffer = Math.max(sioMaxOutputBuffer, Number(omem[1]));
        }
        await sleep(20);
      }
    })();
    if (options.profileDir) await a.call('profileStart');
    let whoAll: Awaited<ReturnType<typeof whoIsOnline>>;
    try {
      whoAll = await whoIsOnline(three, sio, sizes.whoRequests, sizes.sockets);
    } finally {
      // Also when it failed: the watch must not outlive the Redis client it uses.
      watchingBuffers = false;
      await bufferWatch;
    }
    const sioRedisAfter = await redisClients();
    const limits = JSON.stringify(await redisZ.client.sendCommand(['CONFIG', 'GET', 'client-output-buffer-limit']));
    const pubsubLimit = /pubsub \d+ \d+ \d+/.exec(limits)?.[0] ?? limits;
    const sioNodeStats = await Promise.all(
      sio.map((node) =>
        node.call<{ failures: number; lastFailure: string; redis: { errors: number; reconnects: number; lastError: string } }>('stats'),
      ),
    );
    if (options.profileDir)
      profiles['cluster-who-is-online-node-a'] = await a.call<ProfileSummary>('profileStop', {
        file: join(options.profileDir, 'cluster-who-is-online-node-a.cpuprofile'),
      });

    // ---- 5b. a node frozen (SIGSTOP): its connections stay open ----------------------------------------------
    // Socket.IO: fetchSockets asks every subscriber Redis counts and waits for all of them.
    const sioHung: Timed[] = [];
    process.kill(sio[2]!.pid, 'SIGSTOP');
    try {
      for (let i = 0; i < sizes.hungRequests; i++) {
        const answers = await Promise.all([sio[0]!, sio[1]!].map((node) => timed(sioWho(node))));
        for (const x of answers) sioHung.push({ ms: x.ms, status: x.status, bytes: x.bytes });
      }
    } finally {
      // ---- 5c. the frozen Socket.IO node killed: Redis drops its connections at once --------------------------
      sio[2]!.kill();
      await sio[2]!.exited;
    }
    const sioAfterKill: Timed[] = [];
    for (let i = 0; i < sizes.whoRequests; i++) {
      for (const node of [sio[0]!, sio[1]!]) {
        const x = await timed(sioWho(node));
        sioAfterKill.push({ ms: x.ms, status: x.status, bytes: x.bytes });
        if (i === 0 && x.status === 200 && countSio(x.answer) !== sizes.sockets - socketsOn(2)) {
          throw new Error(`Socket.IO after a node was killed lists ${countSio(x.answer)} sockets, not ${sizes.sockets - socketsOn(2)}`);
        }
      }
    }
    const sioFirstAfterKillMs = sioAfterKill[0]?.ms ?? Number.NaN;

    // rollcall: node C frozen for a moment under the node-loss threshold; A and B answer meanwhile.
    const rollcallHung: Timed[] = [];
    c.pause();
    const frozenAt = performance.now();
    try {
      while (performance.now() - frozenAt < sizes.hungRollcallMs) {
        for (const node of [a, b]) {
          const x = await timed(rollcallWho(node), ADMIN);
          if (x.status !== 200) throw new Error(`${node.name} /v1/users while ${c.name} is frozen: HTTP ${x.status}`);
          rollcallHung.push({ ms: x.ms, status: x.status, bytes: x.bytes });
        }
      }
    } finally {
      c.resume();
    }
    const frozenMs = performance.now() - frozenAt;
    // C must still be a member: it has beaten again and its sessions are all there.
    await sleep(2_000);
    await waitForSessions(three, sizes.sockets, `after ${c.name} was frozen for ${Math.round(frozenMs)} ms`);

    // ---- 2. ghost cleanup: kill -9 of node C -------------------------------------------------------------
    const cIds = new Set<number>();
    for (let cursor: string | null = '0'; cursor !== null; ) {
      const answer = await fetchOnce(
        `${a.url}/v1/sessions?node=${encodeURIComponent(c.nodeId)}&limit=1000${cursor === '0' ? '' : `&cursor=${cursor}`}`,
        { headers: ADMIN },
      );
      if (answer.status !== 200) throw new Error(`${a.name} /v1/sessions?node=: HTTP ${answer.status}`);
      const page = JSON.parse(answer.body.toString('utf8')) as { sessions: { id: number }[]; nextCursor: string | null };
      for (const s of page.sessions) cIds.add(s.id);
      cursor = page.nextCursor;
    }
    if (cIds.size !== socketsOn(2)) throw new Error(`${c.name} owns ${cIds.size} sessions, not ${socketsOn(2)}`);
    const watchers = await Promise.all(
      [a, b].map((node) => openEventStream(`${node.url}/v1/events?types=session.ended`, ADMIN, () => {}, { keep: true })),
    );
    streams.push(...watchers);
    if (options.profileDir) await Promise.all([a, b].map((node) => node.call('profileStart')));
    const killedAt = await c.crash();
    const endedCount = (stream: EventStream) => stream.kept.length;
    const allEnded = await pollUntil(() => watchers.every((w) => endedCount(w) >= cIds.size), sizes.ghostBudgetMs, 10);
    const lastSeenAt = performance.now();
    await sleep(GHOST_SETTLE_MS);
    if (options.profileDir) {
      for (const node of [a, b]) {
        profiles[`cluster-ghost-cleanup-${node.name}`] = await node.call<ProfileSummary>('profileStop', {
          file: join(options.profileDir, `cluster-ghost-cleanup-${node.name}.cpuprofile`),
        });
      }
    }
    for (const w of watchers) w.close();
    const ghost = [a, b].map((node, k) => {
      const events = watchers[k]!.kept;
      const seen = new Map<number, number>();
      const firstAt = new Map<number, number>();
      let wrongReason = 0;
      let extra = 0;
      for (const event of events) {
        const json = JSON.parse(event.data) as { session: { id: number }; reason?: string };
        const id = json.session.id;
        if (!cIds.has(id)) {
          extra++;
          continue;
        }
        if (json.reason !== 'node_lost') wrongReason++;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (!firstAt.has(id)) firstAt.set(id, event.atMs - killedAt);
      }
      const times = [...firstAt.values()];
      const duplicates = [...seen.values()].filter((n) => n > 1).length;
      return {
        node: node.name,
        events: events.length,
        endedOnce: [...seen.values()].filter((n) => n === 1).length,
        missing: cIds.size - seen.size,
        duplicates,
        extra,
        wrongReason,
        firstMs: Math.min(...times),
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        lastMs: max(times),
      };
    });
    const survivors = sizes.sockets - cIds.size;
    await waitForSessions([a, b], survivors, `after ${c.name} was killed`);

    // ---- 5d. rollcall with node C killed and its sessions ended ------------------------------------------
    const rollcallAfterKill: Timed[] = [];
    for (let i = 0; i < sizes.whoRequests + 1; i++) {
      for (const node of [a, b]) {
        const x = await timed(rollcallWho(node), ADMIN);
        if (x.status !== 200) throw new Error(`${node.name} /v1/users after ${c.name} was killed: HTTP ${x.status}`);
        if (i === 0) {
          if (countRollcall(x.answer) !== survivors)
            throw new Error(`${node.name} lists ${countRollcall(x.answer)} sessions, not ${survivors}`);
          continue;
        }
        rollcallAfterKill.push({ ms: x.ms, status: x.status, bytes: x.bytes });
      }
    }
    const sioStatsAfterKill = await Promise.all(
      [sio[0]!, sio[1]!].map((node) => node.call<{ failures: number; redis: { reconnects: number } }>('stats')),
    );

    // ---- figures ------------------------------------------------------------------------------------------
    const loadAtEnd = machineInfo().loadAverage;
    const n = sizes.sockets.toLocaleString('en-US');
    const rows: Row[] = [];
    const ms = (list: readonly Timed[], p: number) =>
      percentile(
        list.map((t) => t.ms),
        p,
      );
    const latencyRows = (label: string, f: LatencyFigures) => {
      const note = `${f.crossMs.length} arrivals (${sizes.latencySamples} opens over ${f.spanSeconds.toFixed(1)} s, each seen on the 2 other nodes), ${f.missing} missing; on the node that took the open p50 ${percentile(f.sameMs, 50).toFixed(2)} ms, p99 ${percentile(f.sameMs, 99).toFixed(2)} ms; the open's HTTP answer p50 ${percentile(f.openMs, 50).toFixed(2)} ms; on the next node, after the answer arrived: p50 ${percentile(f.afterAnswerMs, 50).toFixed(2)} ms`;
      rows.push(row(W, `change visible on another node p50 (${label})`, 'ms', percentile(f.crossMs, 50), { note }));
      rows.push(
        row(W, `change visible on another node p99 (${label})`, 'ms', percentile(f.crossMs, 99), {
          target: { on: 'value', op: '<', limit: 50 },
          note: `max ${max(f.crossMs).toFixed(1)} ms`,
        }),
      );
    };
    latencyRows('empty cluster', latencyEmpty);
    latencyRows(`${n} sessions live`, latencyLoaded);

    const worst = ghost.reduce((x, y) => (y.p99Ms > x.p99Ms ? y : x));
    const ghostNote = ghost
      .map(
        (g) =>
          `${g.node}: first ${g.firstMs.toFixed(0)} ms, p50 ${g.p50Ms.toFixed(0)} ms, p99 ${g.p99Ms.toFixed(0)} ms, last ${g.lastMs.toFixed(0)} ms`,
      )
      .join('; ');
    rows.push(
      row(
        W,
        `ghost cleanup: kill -9 → session.ended (node_lost) on a surviving node, p99 of ${cIds.size.toLocaleString('en-US')} sessions (${n} in the cluster)`,
        'ms',
        worst.p99Ms,
        {
          target: { on: 'value', op: '<=', limit: 5_000 },
          note: `${allEnded ? 'all ended' : `NOT all ended within ${sizes.ghostBudgetMs} ms`}; ${ghostNote}`,
        },
      ),
    );
    rows.push(
      row(W, 'ghost cleanup: kill -9 → the last session.ended on a surviving node', 'ms', max(ghost.map((g) => g.lastMs)), {
        note: `streams read until ${((lastSeenAt - killedAt) / 1000).toFixed(1)} s + ${GHOST_SETTLE_MS / 1000} s after the kill`,
      }),
    );
    rows.push(
      row(
        W,
        `ghost cleanup: the killed node's sessions ended exactly once with node_lost, on every surviving node`,
        'sessions',
        Math.min(...ghost.map((g) => g.endedOnce - g.wrongReason)),
        {
          target: { on: 'value', op: '>=', limit: cIds.size },
          note: ghost
            .map(
              (g) => `${g.node}: ${g.endedOnce} once, ${g.duplicates} more than once, ${g.missing} missing, ${g.wrongReason} other reason`,
            )
            .join('; '),
        },
      ),
    );
    rows.push(
      row(W, "ghost cleanup: other sessions ended (the survivors')", 'sessions', Math.max(...ghost.map((g) => g.extra)), {
        target: { on: 'value', op: '<=', limit: 0 },
        note: `${survivors.toLocaleString('en-US')} sessions on the surviving nodes; each surviving node still counts exactly them afterwards`,
      }),
    );

    const usedDelta = memoryAfter.usedMemory - memoryBefore.usedMemory;
    const keyDelta = (name: string) => (memoryAfter.perKey[name] ?? 0) - (memoryBefore.perKey[name] ?? 0);
    const streamDelta = keyDelta('stream') + keyDelta('activityStream');
    const breakdown = Object.keys(memoryAfter.perKey)
      .map((name) => [name, keyDelta(name) / sizes.sockets] as const)
      .filter(([, v]) => Math.abs(v) >= 1)
      .sort((x, y) => y[1] - x[1])
      .map(([name, v]) => `${name} ${v.toFixed(0)}`)
      .join(', ');
    // The change streams are capped (MAXLEN), a bounded cost that does not grow with sessions: here, with
    // every session just opened, they hold one entry per session; with a million sessions the default
    // cap keeps 100,000. So the target is on the rest, and the streams are reported per retained entry.
    const streamEntries = memoryAfter.streamLength - memoryBefore.streamLength;
    const bytesPerEntry = streamEntries > 0 ? keyDelta('stream') / streamEntries : 0;
    rows.push(
      row(
        W,
        `Redis memory per live session, without the capped change streams (INFO used_memory, after − before ${n} sessions)`,
        'B',
        (usedDelta - streamDelta) / sizes.sockets,
        {
          target: { on: 'value', op: '<=', limit: 600 },
          note: `${(memoryBefore.usedMemory / 2 ** 20).toFixed(1)} → ${(memoryAfter.usedMemory / 2 ** 20).toFixed(1)} MiB in all; per session by key (MEMORY USAGE): ${breakdown}; a stored session is ${memoryAfter.storedSessionBytes} B (median of 20)`,
        },
      ),
    );
    rows.push(
      row(W, '  the change stream, per retained entry (an open: the session with its profile)', 'B', bytesPerEntry, {
        note: `stream ${memoryBefore.streamLength} → ${memoryAfter.streamLength} entries; at the default cap of 100,000 entries about ${((bytesPerEntry * 100_000) / 2 ** 20).toFixed(0)} MiB, whatever the number of sessions`,
      }),
    );
    rows.push(row(W, `  used_memory per session with the streams, ${n} sessions (one stream entry each)`, 'B', usedDelta / sizes.sockets));

    const win = (round: number, name: 'one' | 'three') => windows.find((w) => w.round === round && w.cluster === name)!;
    const ratiosOf = (of: (w: HbWindow) => number) =>
      Array.from({ length: sizes.rounds }, (_, r) => of(win(r + 1, 'three')) / of(win(r + 1, 'one')));
    const rateRatios = ratiosOf((w) => w.perSec);
    const cpuRatios = ratiosOf((w) => w.perCpuSecond);
    const rateRound = medianIndex(rateRatios) + 1;
    const cpuRound = medianIndex(cpuRatios) + 1;
    const shares = (name: 'one' | 'three') =>
      windows
        .filter((w) => w.cluster === name)
        .map((w) => `${w.cores.toFixed(2)}+${w.redisCores.toFixed(2)}`)
        .join(', ');
    rows.push(
      row(
        W,
        `heartbeats/s, ${n} sockets on 3 nodes vs on 1 node (round with the median ratio of ${sizes.rounds})`,
        'hb/s',
        win(rateRound, 'three').perSec,
        {
          baseline: { label: '1 node', value: win(rateRound, 'one').perSec },
          ratio: rateRatios[rateRound - 1],
          note: `per-round ratios ${rateRatios.map((r) => r.toFixed(2)).join(', ')}; cores used by rollcall + Redis per window: 3 nodes ${shares('three')}; 1 node ${shares('one')}`,
        },
      ),
    );
    rows.push(
      row(
        W,
        `heartbeats per CPU-second of the rollcall processes, 3 nodes vs 1 node (round with the median ratio of ${sizes.rounds})`,
        'hb/s',
        win(cpuRound, 'three').perCpuSecond,
        {
          baseline: { label: '1 node', value: win(cpuRound, 'one').perCpuSecond },
          ratio: cpuRatios[cpuRound - 1],
          note: `per-round ratios ${cpuRatios.map((r) => r.toFixed(2)).join(', ')}; Redis CPU per heartbeat: 3 nodes ${median(windows.filter((w) => w.cluster === 'three').map((w) => w.redisUsPerHb)).toFixed(3)} µs, 1 node ${median(windows.filter((w) => w.cluster === 'one').map((w) => w.redisUsPerHb)).toFixed(3)} µs (medians)`,
        },
      ),
    );

    const sioLabel = 'Socket.IO fetchSockets, 3 nodes';
    const bytesNote = `answers: rollcall ${((whoAll.rollcall[0]?.bytes ?? 0) / 1e6).toFixed(1)} MB, Socket.IO ${((whoAll.socketio[0]?.bytes ?? 0) / 1e6).toFixed(1)} MB; ${whoAll.rollcall.length} requests each, going round the nodes, alternating between the systems`;
    rows.push(
      row(W, `"who is online" p50 on any node, ${n} sessions on 3 nodes`, 'ms', ms(whoAll.rollcall, 50), {
        baseline: { label: sioLabel, value: ms(whoAll.socketio, 50) },
        note: bytesNote,
      }),
    );
    rows.push(
      row(W, `"who is online" p99 on any node, ${n} sessions on 3 nodes`, 'ms', ms(whoAll.rollcall, 99), {
        baseline: { label: sioLabel, value: ms(whoAll.socketio, 99) },
      }),
    );
    const sioFailed = whoAll.socketio.filter((t) => t.status !== 200);
    rows.push(
      row(
        W,
        `"who is online" answers that failed, all nodes up (of ${whoAll.rollcall.length} each)`,
        'answers',
        whoAll.rollcall.filter((t) => t.status !== 200).length,
        {
          baseline: { label: 'Socket.IO', value: sioFailed.length },
          // 0 of 0 reads as equal, not as NaN.
          ratio: sioFailed.length === 0 ? 1 : 0,
          note: `Socket.IO: ${
            sioFailed
              .map((t) => `${t.status} after ${t.ms.toFixed(0)} ms`)
              .slice(0, 5)
              .join(', ') || 'none'
          }; its adapter's Redis: ${sioRedisAfter.connectionsReceived - sioRedisBefore.connectionsReceived} new connections during the requests, largest subscriber output buffer ${(sioMaxOutputBuffer / 2 ** 20).toFixed(1)} MiB (limits: ${pubsubLimit}); nodes: ${sioNodeStats.map((x) => `${x.failures} failed (${x.lastFailure || '-'}), ${x.redis.errors} Redis errors (${x.redis.lastError || '-'}), ${x.redis.reconnects} reconnects`).join('; ')}`,
        },
      ),
    );
    const hungStatuses = [...new Set(sioHung.map((t) => t.status))].join('/');
    rows.push(
      row(W, `"who is online" with a node frozen (SIGSTOP), p50`, 'ms', ms(rollcallHung, 50), {
        baseline: { label: `Socket.IO (HTTP ${hungStatuses})`, value: ms(sioHung, 50) },
        note: `rollcall: ${rollcallHung.length} answers from the 2 other nodes during ${Math.round(frozenMs)} ms of ${c.name} frozen, all 200 with every session; Socket.IO: ${sioHung.length} answers, requestsTimeout ${sio[0]!.info.requestsTimeoutMs} ms (the adapter's default), each a 504 from fetchSockets' "timeout reached"`,
      }),
    );
    rows.push(
      row(W, `"who is online" with a node frozen (SIGSTOP), max`, 'ms', max(rollcallHung.map((t) => t.ms)), {
        baseline: { label: 'Socket.IO', value: max(sioHung.map((t) => t.ms)) },
      }),
    );
    rows.push(
      row(W, `"who is online" with a node killed (kill -9), p50`, 'ms', ms(rollcallAfterKill, 50), {
        baseline: { label: 'Socket.IO', value: ms(sioAfterKill, 50) },
        note: `${rollcallAfterKill.length} requests each on the 2 surviving nodes (rollcall after its ${cIds.size.toLocaleString('en-US')} sessions ended, ${survivors.toLocaleString('en-US')} left; Socket.IO with ${(sizes.sockets - socketsOn(2)).toLocaleString('en-US')}); Socket.IO's first answer after the kill ${sioFirstAfterKillMs.toFixed(0)} ms (${sioAfterKill[0]?.status ?? '-'}), ${sioAfterKill.filter((t) => t.status !== 200).length} not 200 (a 504 is a reply lost on a subscriber Redis disconnected, as with all nodes up); the killed process's Redis connections closed, so the adapter stopped waiting for it at once`,
      }),
    );
    rows.push(
      row(W, `"who is online" with a node killed (kill -9), p99`, 'ms', ms(rollcallAfterKill, 99), {
        baseline: { label: 'Socket.IO', value: ms(sioAfterKill, 99) },
      }),
    );
    rows.push(
      row(W, `connect rate, ${n} sockets over 3 nodes (hello → welcome)`, 'conn/s', connectX.perSec, {
        baseline: { label: 'Socket.IO, 3 nodes', value: connectSio.perSec },
        note: `1 node: ${connectSingle.perSec.toFixed(0)} conn/s`,
      }),
    );

    return {
      name: 'cluster',
      title: 'rollcall as a 3-node cluster on Redis, and Socket.IO with its Redis adapter',
      params: {
        ...sizes,
        addresses: clients.map((_, p) => `127.0.0.${2 + p}`),
        socketIoRequestsTimeoutMs: sio[0]!.info.requestsTimeoutMs,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadAtEnd,
      },
      rows,
      details: {
        latency: { empty: latencyEmpty, loaded: latencyLoaded },
        ghost: { killedNodeSessions: cIds.size, survivors, streams: ghost, allEnded },
        redisMemory: { before: memoryBefore, after: memoryAfter },
        heartbeats: { windows, rateRatios, cpuRatios },
        whoIsOnline: {
          all: whoAll,
          sioRedisBefore,
          sioRedisAfter,
          sioNodeStats,
          sioMaxOutputBuffer,
          pubsubLimit,
          sioHung,
          sioAfterKill,
          sioStatsAfterKill,
          rollcallHung,
          rollcallAfterKill,
          frozenMs,
        },
        connect: { x: connectX, single: connectSingle, sio: connectSio },
        profiles,
      },
      seconds: (performance.now() - startedAt) / 1000,
    };
  } catch (error) {
    // Said before the cleanup: stopping Redis fails commands still pending, which may end the process first.
    console.error('cluster workload failed:', error);
    throw error;
  } finally {
    for (const stream of streams) stream.close();
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(sio.map((s) => s.stop(15_000)));
    await Promise.all(nodes.map((node) => node.stop(20_000)));
    await backends?.stop();
  }
}
