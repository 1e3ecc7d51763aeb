// Watchers of places in one child process, bound to one loopback source address (127.0.0.x), for the
// places workload (bench/workloads/places.ts). Driven over IPC:
//   connect  opens `count` watchers of a system (fleet indexes from `first`), `concurrency` at a time:
//            rollcall  hello {token, session} on /v1/connect → welcome, the token granting bench:*
//            socketio  socket.io-client (websocket transport), token and session in `auth`
//   watch    every watcher watches its place (watcher n: bench:<n mod places>), leaving the one it
//            watched before; settles when each has the members (rollcall's `members` frame, Socket.IO's ack)
//   reset    forgets what arrived; from now on each watcher counts its place's events from 0
//   until    settles when `frames` place events have arrived here since the reset (or the time is up)
//   collect  per place and per event (its ordinal in the place since the reset): how many watchers got
//            it, and when the first and the last of them did (bench/lib/stats.ts monotonicMs, a clock
//            every process of the machine shares, so the workload compares them with when it sent the change)
//   clock    this process's monotonicMs (the workload checks the clock is shared)
//
// The sockets are real clients, connected and watching through the libraries' own code. Once watching,
// a place event is recognised by its first bytes and stamped, and nothing more (no JSON parse, no
// events): on a 2-core machine the watchers share the CPU with the server under test, and should take as
// little of it as they can, the same little for both systems. Every other frame goes its usual way
// (rollcall's `members`; for Socket.IO engine.io's pings and the acks, through socket.io-client).
import type { Socket as IoSocket } from 'socket.io-client';
import type WebSocket from 'ws';
import { serveParent } from '../lib/child.ts';
import { BENCH_PLACES_GRANT, benchPlace, placeOfWatcher, sessionBody } from '../lib/fleet.ts';
import { connectFleet, openMany, openSocketIo, openWs, type FleetConnect } from '../lib/fleet-sockets.ts';
import { monotonicMs } from '../lib/stats.ts';

type System = 'rollcall' | 'socketio';

/** How each system's place event starts on the wire (rollcall's frame; engine.io "4" + socket.io "2" + the event). */
const PLACE_EVENT: Record<System, Buffer> = { rollcall: Buffer.from('{"type":"place",'), socketio: Buffer.from('42["place",') };
const MEMBERS = Buffer.from('{"type":"members",');
/** A place's events alternate join, leave, join… (one joiner per place, out before it goes elsewhere). */
const JOIN = Buffer.from('"event":"join"');
const LEAVE = Buffer.from('"event":"leave"');

interface Watcher {
  /** Its number among all watchers of the run (its fleet index). */
  readonly index: number;
  readonly ws: WebSocket;
  /** Socket.IO only: the socket.io-client socket that emits and takes the acks. */
  readonly io: IoSocket | undefined;
  place: string | undefined;
  /** Place events it got since the last reset. */
  ordinal: number;
  /** Settles the watch under way (rollcall): with nothing when the place's members arrive, else the frame that came. */
  members: ((refused?: string) => void) | undefined;
}

/** Per event of a place (by ordinal): watchers that got it, the first and the last arrival. */
interface Arrivals {
  count: number[];
  first: number[];
  last: number[];
}

interface Fleet {
  watchers: Watcher[];
  arrivals: Map<string, Arrivals>;
  /** Place events that arrived since the reset. */
  received: number;
  /** Events whose kind was not the one expected at their ordinal. */
  wrongKind: number;
  /** Frames that were neither events nor members (errors), the first few. */
  unexpected: string[];
  /** Watchers whose socket closed, by close code and reason: a watcher that stopped getting events says why. */
  closed: Record<string, number>;
}

const fleets = new Map<System, Fleet>();
let waiting: { system: System; frames: number; resolve: () => void } | undefined;

const startsWith = (data: Buffer, prefix: Buffer) =>
  data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

function fleetOf(system: System): Fleet {
  let fleet = fleets.get(system);
  if (!fleet) fleets.set(system, (fleet = { watchers: [], arrivals: new Map(), received: 0, wrongKind: 0, unexpected: [], closed: {} }));
  return fleet;
}

function arrived(system: System, fleet: Fleet, watcher: Watcher, data: Buffer): void {
  const at = monotonicMs();
  const ordinal = watcher.ordinal++;
  const place = watcher.place!;
  let arrivals = fleet.arrivals.get(place);
  if (!arrivals) fleet.arrivals.set(place, (arrivals = { count: [], first: [], last: [] }));
  const count = arrivals.count[ordinal] ?? 0;
  arrivals.count[ordinal] = count + 1;
  if (count === 0) arrivals.first[ordinal] = at;
  arrivals.last[ordinal] = at;
  if (!data.includes(ordinal % 2 === 0 ? JOIN : LEAVE)) fleet.wrongKind++;
  fleet.received++;
  if (waiting?.system === system && fleet.received >= waiting.frames) {
    waiting.resolve();
    waiting = undefined;
  }
}

function unexpected(fleet: Fleet, data: Buffer): void {
  if (fleet.unexpected.length < 5) fleet.unexpected.push(data.toString('utf8', 0, 200));
}

function countCloses(fleet: Fleet, ws: WebSocket): void {
  ws.on('close', (code: number, reason: Buffer) => {
    const key = `${code} ${reason.toString()}`.trim();
    fleet.closed[key] = (fleet.closed[key] ?? 0) + 1;
  });
}

async function connectRollcall(url: string, index: number, localAddress: string, token: string, fleet: Fleet): Promise<Watcher> {
  const hello = JSON.stringify({ type: 'hello', token, session: sessionBody(index, false) });
  const ws = await openWs(url, localAddress, hello, true);
  const watcher: Watcher = { index, ws, io: undefined, place: undefined, ordinal: 0, members: undefined };
  countCloses(fleet, ws);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return unexpected(fleet, data);
    if (startsWith(data, PLACE_EVENT.rollcall)) return arrived('rollcall', fleet, watcher, data);
    if (watcher.members) return watcher.members(startsWith(data, MEMBERS) ? undefined : data.toString());
    unexpected(fleet, data);
  });
  return watcher;
}

async function connectSocketIo(url: string, index: number, localAddress: string, token: string, fleet: Fleet): Promise<Watcher> {
  const { socket, raw } = await openSocketIo(url, localAddress, { token, session: sessionBody(index, false) });
  const watcher: Watcher = { index, ws: raw, io: socket, place: undefined, ordinal: 0, members: undefined };
  countCloses(fleet, raw);
  // engine.io-client reads the socket through `onmessage`; place events stop here, the rest goes on to it.
  const engine = raw.onmessage as (event: { data: unknown }) => void;
  raw.onmessage = null;
  raw.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary && startsWith(data, PLACE_EVENT.socketio)) return arrived('socketio', fleet, watcher, data);
    engine({ data: isBinary ? data : data.toString() });
  });
  return watcher;
}

function watchRollcall(watcher: Watcher, place: string): Promise<void> {
  return new Promise((resolve, reject) => {
    watcher.members = (refused) => {
      watcher.members = undefined;
      if (refused === undefined) resolve();
      else reject(new Error(`watch ${place}: ${refused}`));
    };
    if (watcher.place) watcher.ws.send(JSON.stringify({ type: 'unwatch', place: watcher.place }));
    watcher.ws.send(JSON.stringify({ type: 'watch', place }));
  });
}

async function watchSocketIo(watcher: Watcher, place: string): Promise<void> {
  const io = watcher.io!;
  if (watcher.place) io.emit('unwatch', watcher.place);
  const answer = (await io.timeout(30_000).emitWithAck('watch', place)) as { error?: string };
  if (answer.error) throw new Error(`watch ${place}: ${answer.error}`);
}

serveParent(
  {
    connect: async ({ system, ...args }: FleetConnect & { system: System }) => {
      const fleet = fleetOf(system);
      const connect = system === 'rollcall' ? connectRollcall : connectSocketIo;
      const { opened, failed, errors, startedAt, endedAt } = await connectFleet(
        args,
        (index, token) => connect(args.url, index, args.localAddress, token, fleet),
        [BENCH_PLACES_GRANT],
      );
      fleet.watchers.push(...opened);
      return { connected: opened.length, failed, errors, startedAt, endedAt };
    },
    watch: async ({ system, places, concurrency }: { system: System; places: number; concurrency: number }) => {
      const fleet = fleetOf(system);
      const moving = fleet.watchers.filter((w) => w.place !== benchPlace(placeOfWatcher(w.index, places)));
      const { failed, errors } = await openMany(moving.length, concurrency, async (k) => {
        const watcher = moving[k]!;
        const place = benchPlace(placeOfWatcher(watcher.index, places));
        await (system === 'rollcall' ? watchRollcall(watcher, place) : watchSocketIo(watcher, place));
        watcher.place = place;
      });
      if (failed > 0) throw new Error(`${failed} watches failed: ${errors.join('; ')}`);
      return { watching: fleet.watchers.length, moved: moving.length, unexpected: fleet.unexpected };
    },
    reset: ({ system }: { system: System }) => {
      const fleet = fleetOf(system);
      for (const watcher of fleet.watchers) watcher.ordinal = 0;
      fleet.arrivals.clear();
      fleet.received = 0;
      fleet.wrongKind = 0;
    },
    until: async ({ system, frames, timeoutMs }: { system: System; frames: number; timeoutMs: number }) => {
      const fleet = fleetOf(system);
      if (fleet.received < frames) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          waiting = { system, frames, resolve };
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
        waiting = undefined;
      }
      return { received: fleet.received, closed: fleet.closed };
    },
    collect: ({ system }: { system: System }) => {
      const fleet = fleetOf(system);
      return {
        arrivals: Object.fromEntries(fleet.arrivals),
        received: fleet.received,
        wrongKind: fleet.wrongKind,
        unexpected: fleet.unexpected,
      };
    },
    clock: () => monotonicMs(),
  },
  { pid: process.pid },
  () => {
    for (const fleet of fleets.values()) for (const watcher of fleet.watchers) watcher.ws.terminate();
  },
);
