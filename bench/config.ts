// Sizes of every workload per profile. `full` is what the issue asks for; `quick` runs the same
// workloads smaller, in under a minute; `tiny` is for test/bench (does each piece still run?).

export type Profile = 'full' | 'quick' | 'tiny';

export interface RegistrySizes {
  sessions: number;
  /** Repetitions of each query (median reported). */
  queryRuns: number;
  /** --max-old-space-size of the registry's child, MB. */
  heapMb: number;
  /** How long the sweep that ends all N at once may take before the child is killed (a lower bound is reported). */
  expiryBudgetMs: number;
}

export interface WsSizes {
  /** Connected clients per server (rollcall, bare ws, Socket.IO each get this many). */
  connections: number;
  /** Client processes, each on its own source address 127.0.0.(2 + n). */
  processes: number;
  /** Connection attempts in flight per client process. */
  concurrency: number;
  /** Measured windows per server, interleaved bare → rollcall → Socket.IO. */
  rounds: number;
  warmMs: number;
  measureMs: number;
  /** Heartbeat frames per write (one write goes to one socket). */
  batch: number;
  /** Frames in flight (sent, not yet finished by the server) per connection. */
  inFlightPerSocket: number;
  /** Sequential "who is online" requests (after 2 warm-up ones). */
  whoIsOnlineRequests: number;
}

export interface HttpSizes {
  /** Live HTTP sessions the single heartbeats cycle through. */
  sessions: number;
  seconds: number;
  /** Measured windows per server, interleaved bare → rollcall. */
  rounds: number;
  connections: number;
  /** Heartbeats per POST /v1/heartbeats call (the ingest limit). */
  batchSize: number;
  batchConnections: number;
}

export interface QuerySizes {
  sessions: number;
  /**
   * Sequential uncached requests per query (after 2 warm-up ones). Full runs take 200, so the p99 is
   * the 198th of them by nearest rank, not the slowest one (60 made p99 the maximum: one hiccup of the
   * shared machine, outside the server, decided the row).
   */
  latencyRequests: number;
  /** Concurrent pollers with the dialect cache on. */
  pollers: number;
  /** Window of each cached poll (and of the bare baselines). */
  pollSeconds: number;
  /** Dialects without an answer cache are polled for pollers × this many answers instead of a window. */
  uncachedAnswersPerPoller: number;
}

export interface HistorySizes {
  /** Users in one flush of last-seen updates (the history writer's batch). */
  users: number;
  /** Session-log writes per round: half starts, half their ends, each half one batch. */
  sessionLogWrites: number;
  /** Rounds, each writing the same to SQLite and PostgreSQL. */
  rounds: number;
}

export interface ClusterSizes {
  /** WebSocket sessions in the cluster, spread evenly over its three nodes (and the same on 1 node, and on Socket.IO). */
  sockets: number;
  /** Client processes, each on its own source address 127.0.0.(2 + n); a multiple of 3 (one node each). */
  processes: number;
  /** Connection attempts in flight per client process. */
  concurrency: number;
  /** Sessions opened for "change visible on another node", one at a time, spread in time (after warm-up ones). */
  latencySamples: number;
  /** Mean pause after each open was answered, ms (each pause is 0.5–1.5 × this). */
  latencyIntervalMs: number;
  /** Heartbeat windows per cluster (1 node, 3 nodes), interleaved. */
  rounds: number;
  warmMs: number;
  measureMs: number;
  /** Heartbeat frames in flight (sent, not yet finished by the node) per socket. */
  inFlightPerSocket: number;
  /** "Who is online" requests per node and system (after 1 warm-up each). */
  whoRequests: number;
  /** Requests per surviving Socket.IO node while one node hangs (each waits for requestsTimeout). */
  hungRequests: number;
  /** How long a rollcall node is frozen (SIGSTOP) while the others are queried; under the 3 s node-loss threshold. */
  hungRollcallMs: number;
  /** The longest wait for a killed node's sessions to end before the workload gives up on the rest. */
  ghostBudgetMs: number;
}

/** One way of spreading the watchers over places, and the changes made to them. */
export interface PlacesScenario {
  /** Places the watchers are spread over evenly (watcher n watches place n mod places). */
  places: number;
  /**
   * Joiner sessions, each changing one place at a time (join, then leave, then join its next place), all
   * at once: each round of changes is one change per joiner, and the next round starts once every
   * watcher got its event (then a pause). At most `places`.
   */
  joiners: number;
  /** Changes (joins and leaves) per measured window; a multiple of 2 × joiners, so every joiner ends out. */
  events: number;
  /** Mean pause after every watcher got a round's events, ms (each pause is 0.5–1.5 × this). */
  pauseMs: number;
}

export interface PlacesSizes {
  /** Watchers per system (rollcall and Socket.IO each get this many, connected side by side). */
  watchers: number;
  /** Client processes, each on its own source address 127.0.0.(2 + n), holding a share of both systems' watchers. */
  processes: number;
  /** Connection attempts (and watches) in flight per client process. */
  concurrency: number;
  /** Everyone in one place. */
  crowd: PlacesScenario;
  /** Many small places. */
  spread: PlacesScenario;
  /** Measured windows per system and scenario, interleaved (rollcall → Socket.IO, then Socket.IO → rollcall, …). */
  rounds: number;
  /** Changes in the unmeasured window each system gets first in each scenario. */
  warmupEvents: number;
}

export interface Sizes {
  profile: Profile;
  registry: RegistrySizes;
  ws: WsSizes;
  http: HttpSizes;
  queries: QuerySizes;
  history: HistorySizes;
  cluster: ClusterSizes;
  places: PlacesSizes;
}

export const SIZES: Record<Profile, Sizes> = {
  full: {
    profile: 'full',
    registry: { sessions: 1_000_000, queryRuns: 7, heapMb: 12_288, expiryBudgetMs: 120_000 },
    ws: {
      connections: 15_000,
      processes: 6,
      concurrency: 50,
      rounds: 6,
      warmMs: 700,
      measureMs: 2_000,
      batch: 1,
      inFlightPerSocket: 2,
      whoIsOnlineRequests: 20,
    },
    http: { sessions: 10_000, seconds: 3, rounds: 5, connections: 50, batchSize: 10_000, batchConnections: 4 },
    queries: { sessions: 10_000, latencyRequests: 200, pollers: 50, pollSeconds: 5, uncachedAnswersPerPoller: 3 },
    history: { users: 10_000, sessionLogWrites: 10_000, rounds: 15 },
    cluster: {
      sockets: 15_000,
      processes: 6,
      concurrency: 50,
      latencySamples: 400,
      latencyIntervalMs: 25,
      rounds: 4,
      warmMs: 700,
      measureMs: 2_000,
      inFlightPerSocket: 2,
      whoRequests: 40,
      hungRequests: 2,
      hungRollcallMs: 1_500,
      ghostBudgetMs: 30_000,
    },
    places: {
      watchers: 10_000,
      processes: 4,
      concurrency: 50,
      crowd: { places: 1, joiners: 1, events: 200, pauseMs: 20 },
      spread: { places: 1_000, joiners: 20, events: 4_000, pauseMs: 5 },
      rounds: 3,
      warmupEvents: 20,
    },
  },
  quick: {
    profile: 'quick',
    registry: { sessions: 30_000, queryRuns: 5, heapMb: 2_048, expiryBudgetMs: 20_000 },
    ws: {
      connections: 600,
      processes: 3,
      concurrency: 50,
      rounds: 2,
      warmMs: 300,
      measureMs: 700,
      batch: 1,
      inFlightPerSocket: 2,
      whoIsOnlineRequests: 6,
    },
    http: { sessions: 5_000, seconds: 0.8, rounds: 2, connections: 50, batchSize: 10_000, batchConnections: 4 },
    queries: { sessions: 1_500, latencyRequests: 8, pollers: 50, pollSeconds: 0.3, uncachedAnswersPerPoller: 1 },
    history: { users: 10_000, sessionLogWrites: 4_000, rounds: 3 },
    cluster: {
      sockets: 1_500,
      processes: 3,
      concurrency: 50,
      latencySamples: 100,
      latencyIntervalMs: 10,
      rounds: 2,
      warmMs: 300,
      measureMs: 700,
      inFlightPerSocket: 2,
      whoRequests: 6,
      hungRequests: 1,
      hungRollcallMs: 1_000,
      ghostBudgetMs: 20_000,
    },
    places: {
      watchers: 1_000,
      processes: 2,
      concurrency: 50,
      crowd: { places: 1, joiners: 1, events: 60, pauseMs: 10 },
      spread: { places: 100, joiners: 10, events: 2_000, pauseMs: 5 },
      rounds: 2,
      warmupEvents: 20,
    },
  },
  tiny: {
    profile: 'tiny',
    registry: { sessions: 2_000, queryRuns: 2, heapMb: 512, expiryBudgetMs: 20_000 },
    ws: {
      connections: 60,
      processes: 2,
      concurrency: 20,
      rounds: 1,
      warmMs: 100,
      measureMs: 300,
      batch: 1,
      inFlightPerSocket: 2,
      whoIsOnlineRequests: 2,
    },
    http: { sessions: 200, seconds: 0.3, rounds: 1, connections: 8, batchSize: 10_000, batchConnections: 2 },
    queries: { sessions: 200, latencyRequests: 3, pollers: 8, pollSeconds: 0.3, uncachedAnswersPerPoller: 1 },
    history: { users: 200, sessionLogWrites: 100, rounds: 1 },
    cluster: {
      sockets: 90,
      processes: 3,
      concurrency: 20,
      latencySamples: 20,
      latencyIntervalMs: 5,
      rounds: 1,
      warmMs: 100,
      measureMs: 300,
      inFlightPerSocket: 2,
      whoRequests: 2,
      hungRequests: 1,
      hungRollcallMs: 500,
      ghostBudgetMs: 20_000,
    },
    places: {
      watchers: 40,
      processes: 2,
      concurrency: 20,
      crowd: { places: 1, joiners: 1, events: 10, pauseMs: 5 },
      spread: { places: 4, joiners: 2, events: 16, pauseMs: 5 },
      rounds: 1,
      warmupEvents: 4,
    },
  },
};
