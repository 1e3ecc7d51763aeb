// The soak's client fleet (bench/soak.ts): one child process, bound to one loopback source address,
// holding its share of the soak's WebSocket clients and churning them. Unlike socket-clients.ts (which
// writes pre-encoded frames as fast as credit allows), these clients behave like SDK clients over time:
// hello with a client token → welcome, a plain {"type":"hb"} every heartbeatMs the welcome names, pongs
// (ws answers pings by itself), and now and then one of four churn actions on a random bound client:
//   bye      send bye, wait for the server's 1000 close, open a new session in its place
//   resume   drop the socket (no close frame), resume on a new socket after a short pause: same id
//   abandon  drop the socket and never come back (the server ends it after the resume grace);
//            a new session takes its place, so the connected count stays at the target
//   update   send an update with a new view
//
// The server is the source of truth; this process keeps what it needs to say what the server should
// count at any instant. Every change of the number of live sessions this process holds is an "op" with
// the interval in which the server's count moves: an open from the hello sent to the welcome, a bye
// from the bye sent to the close, an abandoned session from the drop + grace (it is live at least that
// long: the server starts the grace when it sees the close) to the drop + grace + sweep + slack (by
// then it must be gone). `sample({from, to})` answers, for an interval in the recent past, the count of
// sessions whose ops had completed before it and how many ops were in flight during it: the server's
// count over that interval must lie within base − ending … base + opening.
import WebSocket from 'ws';
import { serveParent } from '../lib/child.ts';
import { clientTokenFor, sessionBody } from '../lib/fleet.ts';

export type ChurnAction = 'bye' | 'resume' | 'abandon' | 'update';
export const CHURN_ACTIONS: readonly ChurnAction[] = ['bye', 'resume', 'abandon', 'update'];

export interface SoakClientOptions {
  url: string;
  localAddress: string;
  /** Fleet indexes of this process start here (each new session takes the next one). */
  firstIndex: number;
  /** Clients this process keeps connected. */
  count: number;
  /** Connection attempts in flight while the fleet first connects. */
  concurrency: number;
  /** The server's resume grace and sweep interval, ms: when an abandoned session must have ended. */
  resumeGraceMs: number;
  sweepIntervalMs: number;
  /** Extra time, ms, an abandoned session may take to end past grace + sweep (a busy event loop). */
  endSlackMs: number;
  /** Longest pause, ms, between dropping a socket and resuming (well under the grace). */
  resumePauseMs: number;
  /** How long one protocol step (welcome, the close after bye) may take before it is a failure. */
  stepTimeoutMs: number;
}

/** A change of the number of live sessions, and when the server's count may move for it. */
interface Op {
  delta: 1 | -1 | 0;
  start: number;
  /** Unset while in flight. */
  end: number | undefined;
}

/** What this process says about an interval [from, to] of wall-clock time (ms). */
export interface SoakSample {
  /** Live sessions whose every op completed before `from`. */
  base: number;
  /** Opens in flight during the interval (each may or may not be counted by the server yet). */
  opening: number;
  /** Ends in flight during the interval. */
  ending: number;
  /** Now: sockets bound to a session. */
  bound: number;
  /** Now: sessions without a socket that the server should still hold (resuming, abandoned in grace). */
  waiting: number;
  /** Sessions handed out (hello → welcome) and ended (bye closed, abandoned past its window) since the last sample. */
  opened: { at: number; id: number }[];
  ended: { at: number; id: number }[];
  counters: Counters;
  failures: number;
  failureMessages: string[];
}

export interface Counters {
  connects: number;
  resumes: number;
  byes: number;
  abandons: number;
  updates: number;
  heartbeats: number;
}

interface Client {
  index: number;
  ws: WebSocket | undefined;
  sessionId: number | undefined;
  resumeToken: string | undefined;
  /** bound: welcome received, socket open. busy: a churn action or a connect is under way. */
  state: 'connecting' | 'bound' | 'busy' | 'gone';
  nextHeartbeatAt: number;
}

const HEARTBEAT = '{"type":"hb"}';
/** How often the heartbeat loop looks for clients whose heartbeat is due, ms. */
const HEARTBEAT_TICK_MS = 100;
/** How often the churn loop starts actions, ms. */
const CHURN_TICK_MS = 100;
/** Ops that completed this long ago are folded into one number (samples only look a few seconds back). */
const OP_MEMORY_MS = 120_000;

let options: SoakClientOptions;
const clients = new Set<Client>();
let nextIndex = 0;
const ops: Op[] = [];
let folded = 0;
let opened: { at: number; id: number }[] = [];
let ended: { at: number; id: number }[] = [];
const counters: Counters = { connects: 0, resumes: 0, byes: 0, abandons: 0, updates: 0, heartbeats: 0 };
let failures = 0;
const failureMessages: string[] = [];
/** Sessions without a socket: resuming (until the new welcome) or abandoned (until their end window passes). */
let waiting = 0;
let churnTimer: NodeJS.Timeout | undefined;
/** The heartbeat interval the server's welcome names (the same for every session). */
let heartbeatMs = 5_000;
let churnPerMs = 0;
let churnCredit = 0;
let weights: Record<ChurnAction, number> = { bye: 1, resume: 1, abandon: 1, update: 1 };
/** Actions under way (a bye waiting for its close, a resume's pause, a reconnect). */
let inFlight = 0;

const now = () => Date.now();

function fail(message: string): void {
  failures++;
  if (failureMessages.length < 20) failureMessages.push(`${new Date().toISOString()} ${options.localAddress}: ${message}`);
}

function startOp(delta: 1 | -1): Op {
  const op: Op = { delta, start: now(), end: undefined };
  ops.push(op);
  return op;
}

/** Ops completed long ago are folded into `folded`, so the list stays as long as a few minutes of churn. */
function pruneOps(): void {
  const horizon = now() - OP_MEMORY_MS;
  let kept = 0;
  for (const op of ops) {
    if (op.end !== undefined && op.end <= horizon) folded += op.delta;
    else ops[kept++] = op;
  }
  ops.length = kept;
}

/**
 * Opens a socket and sends `first` (a hello, or a resume); settles with the welcome. Every later event
 * of the socket is checked: only the close that follows our bye is expected, and nothing after we drop it.
 */
function openSocket(
  client: Client,
  first: () => Promise<object>,
): Promise<{ sessionId: number; resumeToken: string; heartbeatMs: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, {
      localAddress: options.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: options.stepTimeoutMs,
    });
    client.ws = ws;
    let welcomed = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no welcome within ${options.stepTimeoutMs} ms`));
    }, options.stepTimeoutMs);
    ws.on('error', (error) => {
      if (dropped.has(ws)) return;
      clearTimeout(timer);
      if (!welcomed) reject(error);
      else fail(`session ${client.sessionId}: socket error ${error.message}`);
    });
    ws.on('close', (code, reason) => {
      if (dropped.has(ws)) return;
      clearTimeout(timer);
      if (!welcomed) return reject(new Error(`closed ${code} ${reason.toString()} before the welcome`));
      if (byeSent.has(ws) && code === 1000) return byeSent.get(ws)!();
      fail(`session ${client.sessionId}: unexpected close ${code} ${reason.toString()}`);
      // Counted from here on as if abandoned, so this failure does not also show as a count mismatch.
      if (client.state === 'bound') void abandon(client, false);
      else {
        client.state = 'gone';
        clients.delete(client);
      }
    });
    ws.on('message', (data) => {
      let frame: {
        type?: string;
        sessionId?: number;
        resumeToken?: string;
        heartbeatMs?: number;
        code?: string;
        message?: string;
        reason?: string;
      };
      try {
        frame = JSON.parse(String(data)) as typeof frame;
      } catch {
        return fail(`session ${client.sessionId}: a frame that is not JSON`);
      }
      if (frame.type === 'welcome' && !welcomed) {
        welcomed = true;
        clearTimeout(timer);
        resolve({ sessionId: frame.sessionId!, resumeToken: frame.resumeToken!, heartbeatMs: frame.heartbeatMs! });
      } else if (frame.type === 'error' && !welcomed) {
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(`error frame ${frame.code}: ${frame.message}`));
      } else {
        fail(`session ${client.sessionId}: unexpected ${frame.type} frame ${JSON.stringify(frame)}`);
      }
    });
    ws.once('open', () => {
      void first().then(
        (frame) => ws.send(JSON.stringify(frame)),
        (error: unknown) => {
          ws.terminate();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  });
}

/** Sockets we dropped on purpose: nothing they report afterwards is the server's doing. */
const dropped = new WeakSet<WebSocket>();
/** Sockets that sent bye, with what to do when the server's normal close arrives. */
const byeSent = new WeakMap<WebSocket, () => void>();

function drop(client: Client): void {
  const ws = client.ws!;
  dropped.add(ws);
  // terminate() destroys the TCP socket without a close frame: a network cut, as far as the server knows.
  ws.terminate();
  client.ws = undefined;
}

/** A new session (hello) for a new fleet member; the op brackets the server's count moving by one. */
async function connectNew(): Promise<void> {
  const client: Client = {
    index: nextIndex++,
    ws: undefined,
    sessionId: undefined,
    resumeToken: undefined,
    state: 'connecting',
    nextHeartbeatAt: 0,
  };
  clients.add(client);
  const op = startOp(1);
  try {
    const welcome = await openSocket(client, async () => ({
      type: 'hello',
      token: await clientTokenFor(client.index),
      session: sessionBody(client.index, false),
    }));
    op.end = now();
    counters.connects++;
    opened.push({ at: op.end, id: welcome.sessionId });
    bindClient(client, welcome);
  } catch (error) {
    // A refused open may or may not have created a session; either way it is a failure of the soak.
    op.end = now();
    op.delta = 0;
    clients.delete(client);
    fail(`open failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function bindClient(client: Client, welcome: { sessionId: number; resumeToken: string; heartbeatMs: number }): void {
  client.sessionId = welcome.sessionId;
  client.resumeToken = welcome.resumeToken;
  client.state = 'bound';
  // Heartbeats spread over the interval, like clients that connected at different moments.
  client.nextHeartbeatAt = now() + Math.random() * welcome.heartbeatMs;
  heartbeatMs = welcome.heartbeatMs;
}

async function bye(client: Client): Promise<void> {
  const ws = client.ws!;
  const op = startOp(-1);
  const id = client.sessionId!;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      fail(`session ${id}: no close within ${options.stepTimeoutMs} ms of bye`);
      dropped.add(ws);
      ws.terminate();
      resolve();
    }, options.stepTimeoutMs);
    byeSent.set(ws, () => {
      clearTimeout(timer);
      resolve();
    });
    ws.send('{"type":"bye"}');
  });
  op.end = now();
  ended.push({ at: op.end, id });
  counters.byes++;
  client.state = 'gone';
  clients.delete(client);
  await connectNew();
}

async function resume(client: Client): Promise<void> {
  const id = client.sessionId!;
  const token = client.resumeToken!;
  drop(client);
  waiting++;
  await new Promise((resolve) => setTimeout(resolve, Math.random() * options.resumePauseMs));
  try {
    const welcome = await openSocket(client, async () => ({ type: 'resume', resumeToken: token }));
    if (welcome.sessionId !== id) fail(`resume of session ${id} answered session ${welcome.sessionId}`);
    counters.resumes++;
    bindClient(client, welcome);
  } catch (error) {
    fail(`resume of session ${id} failed: ${error instanceof Error ? error.message : String(error)}`);
    client.state = 'gone';
    clients.delete(client);
  } finally {
    waiting--;
  }
}

/** Drops the socket for good (or finds it closed); a new session takes its place when `replace`. */
async function abandon(client: Client, replace = true): Promise<void> {
  const id = client.sessionId!;
  if (client.ws) drop(client);
  client.state = 'gone';
  clients.delete(client);
  if (replace) counters.abandons++;
  const droppedAt = now();
  // The server starts the grace when it sees the close (after droppedAt), and a sweep ends it.
  const op: Op = {
    delta: -1,
    start: droppedAt + options.resumeGraceMs,
    end: droppedAt + options.resumeGraceMs + options.sweepIntervalMs + options.endSlackMs,
  };
  ops.push(op);
  waiting++;
  setTimeout(() => {
    waiting--;
    ended.push({ at: op.end!, id });
  }, op.end! - droppedAt).unref();
  if (replace) await connectNew();
}

function update(client: Client): void {
  const n = ++counters.updates;
  client.ws!.send(JSON.stringify({ type: 'update', view: { m: 'support', v: 'getticket', t: `ticketid|${client.index}-${n}` } }));
}

function pickAction(): ChurnAction {
  const total = CHURN_ACTIONS.reduce((sum, a) => sum + weights[a], 0);
  let roll = Math.random() * total;
  for (const a of CHURN_ACTIONS) {
    roll -= weights[a];
    if (roll < 0) return a;
  }
  return 'update';
}

/** A random bound client, or none. */
function randomBound(): Client | undefined {
  const list = boundList();
  return list.length === 0 ? undefined : list[Math.floor(Math.random() * list.length)];
}
let boundCache: { at: number; list: Client[] } | undefined;
function boundList(): Client[] {
  // Rebuilt at most once per churn tick: 2,500 clients walked ten times a second is nothing.
  if (!boundCache || boundCache.at !== churnTick) boundCache = { at: churnTick, list: [...clients].filter((c) => c.state === 'bound') };
  return boundCache.list;
}
let churnTick = 0;

function churnOnce(): void {
  churnTick++;
  churnCredit += churnPerMs * CHURN_TICK_MS;
  while (churnCredit >= 1) {
    churnCredit--;
    const client = randomBound();
    if (!client) return;
    const action = pickAction();
    if (action === 'update') {
      update(client);
      continue;
    }
    client.state = 'busy';
    inFlight++;
    const run = action === 'bye' ? bye(client) : action === 'resume' ? resume(client) : abandon(client);
    void run
      .catch((error: unknown) => fail(`${action}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => inFlight--);
  }
}

const heartbeatTimer = setInterval(() => {
  const t = now();
  for (const client of clients) {
    if (client.state !== 'bound' || client.nextHeartbeatAt > t) continue;
    client.ws!.send(HEARTBEAT);
    counters.heartbeats++;
    client.nextHeartbeatAt += heartbeatMs;
    // A process that fell behind (a stall) sends one, not a burst of catch-up heartbeats.
    if (client.nextHeartbeatAt <= t) client.nextHeartbeatAt = t + heartbeatMs;
  }
}, HEARTBEAT_TICK_MS);
heartbeatTimer.unref();

serveParent(
  {
    /** Connects the fleet (`count` new sessions, `concurrency` at a time); answers when every attempt settled. */
    start: async (args: SoakClientOptions) => {
      options = args;
      nextIndex = args.firstIndex;
      let left = args.count;
      await Promise.all(
        Array.from({ length: Math.min(args.concurrency, args.count) }, async () => {
          while (left > 0) {
            left--;
            await connectNew();
          }
        }),
      );
      return { bound: [...clients].filter((c) => c.state === 'bound').length, failures };
    },
    /** The session ids of bound sockets now (the final check compares them with the server's). */
    boundIds: () => [...clients].filter((c) => c.state === 'bound').map((c) => c.sessionId!),
    /** Starts churning: `perMinute` actions per minute in all, split by `weights`. */
    churn: (args: { perMinute: number; weights: Record<ChurnAction, number> }) => {
      weights = args.weights;
      churnPerMs = args.perMinute / 60_000;
      clearInterval(churnTimer);
      churnTimer = setInterval(churnOnce, CHURN_TICK_MS);
    },
    /** Stops starting actions; answers once those under way have finished (abandoned windows may still run). */
    stopChurn: async () => {
      clearInterval(churnTimer);
      churnTimer = undefined;
      const deadline = now() + options.stepTimeoutMs * 3 + options.resumePauseMs;
      while (inFlight > 0 && now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      if (inFlight > 0) fail(`${inFlight} churn action(s) still under way after stopping`);
      // The last moment at which an op may still move the server's count.
      return { settledBy: Math.max(now(), ...ops.map((op) => op.end ?? Number.POSITIVE_INFINITY)) };
    },
    sample: ({ from, to }: { from: number; to: number }): SoakSample => {
      pruneOps();
      // An open in flight is not in `base` yet, an end in flight still is: the server may have done either.
      let base = folded;
      let opening = 0;
      let ending = 0;
      for (const op of ops) {
        if (op.end !== undefined && op.end < from) base += op.delta;
        else if (op.start <= to) {
          if (op.delta > 0) opening++;
          else if (op.delta < 0) ending++;
        }
      }
      const sample: SoakSample = {
        base,
        opening,
        ending,
        bound: [...clients].filter((c) => c.state === 'bound').length,
        waiting,
        opened,
        ended,
        counters: { ...counters },
        failures,
        failureMessages: [...failureMessages],
      };
      opened = [];
      ended = [];
      return sample;
    },
  },
  { pid: process.pid },
  () => {
    clearInterval(churnTimer);
    for (const client of clients) client.ws?.terminate();
  },
);
