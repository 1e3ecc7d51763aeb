// `rollcall demo`: a real server (started as `rollcall serve` starts it, so its URL and first-start
// secrets print the same way) plus a simulated population that reports its sessions through the SDK
// over the real WebSocket protocol, on loopback. People change views, go idle and come back, leave and
// return, lose their connection and resume; representatives pick up and finish support sessions.
// It also serves a page of its own, /demo/ticket/105792 (page/routes.ts): who is on that ticket, live,
// where simulated agents and real browser tabs see each other.
//
// Stops on SIGINT/SIGTERM or when `signal` aborts: the clients close first (each says goodbye, so every
// session ends as "closed"), then the server closes; the promise then resolves.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import type { Config } from '../config/schema.ts';
import { RollcallError } from '../core/errors.ts';
import { CLIENT_TYPES, type ClientType } from '../core/model.ts';
import type { Rollcall } from '../server/compose.ts';
import { runServer } from '../server/serve.ts';
import { DEMO_TICKET } from './catalog.ts';
import { demoPages } from './page/routes.ts';
import { CLIENT_TYPE_OF_ROLE, generatePopulation, type Population } from './population.ts';
import { Simulation } from './simulation.ts';
import { StatusLine, type StatusSnapshot } from './status-line.ts';
import { COUNTERS } from './stats.ts';

export interface RunDemoOptions {
  /** Simulated users; default 40, at most MAX_DEMO_USERS. Some users have two clients. */
  users?: number;
  /** Seed of the population and of every simulated choice; random (and printed) when absent. */
  seed?: number;
  /** Multiple of real time the simulated users act at; default 1. */
  speed?: number;
  /** Where the server's start lines, the status line and the summary go; default stdout. */
  out?: NodeJS.WritableStream;
  /** Stops the demo when aborted. With a signal, runDemo never exits the process itself. */
  signal?: AbortSignal;
  /** Called once the server listens and before the first client connects (tests, embedding). */
  onReady?: (demo: RunningDemo) => void;
  /** Milliseconds between status lines; default 1 s on a terminal, 5 s otherwise. */
  statusIntervalMs?: number;
}

export interface RunningDemo {
  rollcall: Rollcall;
  /** The URL the simulated clients connect to. */
  url: string;
  /** The demo's ticket page, on that URL: who is on ticket DEMO_TICKET, live. */
  ticketPage: string;
  population: Population;
  simulation: Simulation;
}

/**
 * Each simulated session holds two file descriptors in this process (its client socket and the server's
 * end); one process may hold at most 20,000 here (DESIGN.md), so the demo stays well below.
 */
export const MAX_DEMO_USERS = 5_000;
const DEFAULT_USERS = 40;

/** Without a `signal` option: how long a stopped demo may take to let the process end by itself. */
const EXIT_GRACE_MS = 3_000;

export async function runDemo(config: Config, options: RunDemoOptions = {}): Promise<void> {
  const users = options.users ?? DEFAULT_USERS;
  const speed = options.speed ?? 1;
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const out = options.out ?? process.stdout;
  if (!Number.isInteger(users) || users < 1 || users > MAX_DEMO_USERS) {
    throw new RollcallError('invalid_parameter', `users: must be a whole number from 1 to ${MAX_DEMO_USERS}`);
  }
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RollcallError('invalid_parameter', 'speed: must be a positive number');
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RollcallError('invalid_parameter', 'seed: must be a whole number from 0 to 4294967295');
  }

  const stop = stopRequests(options.signal);
  try {
    const population = generatePopulation({ users, seed });
    // The demo orders its own shutdown (clients say goodbye first), so runServer leaves signals alone.
    // 8080 is often taken (by a real rollcall, say): the demo then takes any free port, and says which.
    const rollcall = await runServer(config, {
      out,
      handleSignals: false,
      freePortIfTaken: true,
      extend: async ({ app, dataDir }) => {
        await app.register(demoPages, { tokenSecret: dataDir.tokenSecret });
      },
    });
    try {
      if (stop.requested) return;
      const url = clientUrl(rollcall);
      const ticketPage = `${url}/demo/ticket/${DEMO_TICKET}`;
      const varyAddresses = isIpv4Loopback(new URL(url).hostname) && (await canBind(SPARE_LOOPBACK));
      const simulation = new Simulation({
        population,
        url,
        tokenSecret: rollcall.dataDir.tokenSecret,
        speed,
        ...(varyAddresses && { localAddress: loopbackAddress }),
      });
      const status = new StatusLine({
        out,
        snapshot: () => snapshot(rollcall, simulation),
        ...(options.statusIntervalMs !== undefined && { intervalMs: options.statusIntervalMs }),
      });
      out.write(`${introduction(population, seed, speed, ticketPage)}\n`);

      const startedAt = Date.now();
      options.onReady?.({ rollcall, url, ticketPage, population, simulation });
      simulation.start();
      status.start();
      await stop.promise;

      await status.stop();
      out.write('demo: stopping: closing the simulated clients, then the server\n');
      await simulation.stop();
      await rollcall.close();
      out.write(`${summary(simulation, Date.now() - startedAt)}\n`);
    } finally {
      await rollcall.close(); // a no-op when already closed
    }
  } finally {
    stop.dispose();
  }
  // Everything is closed, so the process ends by itself; should something linger, `rollcall demo` still
  // exits. With a signal the caller owns the process.
  if (!options.signal) setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
}

// ---- starting and stopping -------------------------------------------------------------------------

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

interface StopRequests {
  readonly promise: Promise<void>;
  readonly requested: boolean;
  dispose(): void;
}

/** Resolves on the first SIGINT/SIGTERM or abort. A second signal while stopping exits at once (no `signal` option only). */
function stopRequests(signal: AbortSignal | undefined): StopRequests {
  let requested = false;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const request = () => {
    if (requested) {
      if (!signal) process.exit(1);
      return;
    }
    requested = true;
    resolve();
  };
  for (const s of SIGNALS) process.on(s, request);
  signal?.addEventListener('abort', request, { once: true });
  if (signal?.aborted) request();
  return {
    promise,
    get requested() {
      return requested;
    },
    dispose: () => {
      for (const s of SIGNALS) process.removeListener(s, request);
      signal?.removeEventListener('abort', request);
    },
  };
}

/** Where the clients connect: the listening address, with an unspecified one replaced by loopback. */
function clientUrl(rollcall: Rollcall): string {
  const address = rollcall.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('the server has no address');
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

const isIpv4Loopback = (host: string) => /^127\.\d+\.\d+\.\d+$/.test(host);

/** A loopback address other than 127.0.0.1: Linux answers the whole 127/8, other systems often not. */
const SPARE_LOOPBACK = '127.0.1.2';

/** The i-th client's source address: 127.0.1.2, 127.0.1.3, … so rollcall sees varied remote addresses. */
function loopbackAddress(index: number): string {
  return `127.0.${1 + (Math.floor(index / 250) % 254)}.${2 + (index % 250)}`;
}

function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, address, () => probe.close(() => resolve(true)));
  });
}

// ---- output ----------------------------------------------------------------------------------------

async function snapshot(rollcall: Rollcall, simulation: Simulation): Promise<StatusSnapshot> {
  const sessions = Object.fromEntries(CLIENT_TYPES.map((t) => [t, 0])) as Record<ClientType, number>;
  let detached = 0;
  for (const session of await rollcall.presence.listSessions()) {
    sessions[session.clientType]++;
    if (session.detached) detached++;
  }
  const { stats, desk } = simulation;
  return {
    sessions,
    detached,
    waiting: desk.waiting,
    inSupport: desk.inSession,
    counts: stats.takeInterval(),
    ...(stats.lastError !== undefined && { lastError: stats.lastError }),
  };
}

function introduction(population: Population, seed: number, speed: number, ticketPage: string): string {
  const byType = new Map<ClientType, number>();
  for (const client of population.clients) {
    const type = CLIENT_TYPE_OF_ROLE[client.role];
    byType.set(type, (byType.get(type) ?? 0) + 1);
  }
  const types = CLIENT_TYPES.filter((t) => byType.has(t))
    .map((t) => `${byType.get(t)} ${t}`)
    .join(', ');
  return [
    `demo: ${population.users.length} simulated users with ${population.clients.length} clients (${types}), ` +
      `${population.supportSessions.length} support sessions under way; speed ${speed}x`,
    `demo: seed ${seed} (--seed ${seed} repeats this population); Ctrl-C stops`,
    `demo: who is on ticket ${DEMO_TICKET}, live, with the simulated agents: ${ticketPage}`,
  ].join('\n');
}

function summary(simulation: Simulation, elapsedMs: number): string {
  const total = simulation.stats.total;
  const seconds = Math.round(elapsedMs / 1000);
  const counts = COUNTERS.filter((c) => total[c] > 0)
    .map((c) => `${total[c]} ${c}`)
    .join(', ');
  return `demo: stopped after ${Math.floor(seconds / 60)}m ${seconds % 60}s (${counts || 'nothing happened'}); clients closed, server stopped`;
}
