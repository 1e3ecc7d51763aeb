// Opening one fleet client's socket, as the client processes do (bench/clients/*): a `ws` WebSocket from a
// given loopback source address that says hello, or a socket.io-client socket (websocket transport only)
// with its `auth` payload. Shared by the heartbeat fleets and the place watchers, so both connect the
// same way.
import { io as connectSocketIo, type Socket as IoSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { clientTokenFor } from './fleet.ts';

/**
 * Opens a WebSocket from `localAddress` and sends `hello` (a frame as JSON text). With `welcome`, settles
 * when the server answers `welcome` (fails on any other answer); without, as soon as hello is sent (the
 * bare server answers nothing).
 */
export function openWs(url: string, localAddress: string, hello: string, welcome: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: 30_000 });
    const fail = (error: Error) => {
      ws.terminate();
      reject(error);
    };
    ws.on('error', fail);
    ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
    ws.once('open', () => {
      ws.send(hello);
      if (!welcome) return resolve(ws);
      ws.once('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; message?: string };
        if (frame.type === 'welcome') resolve(ws);
        else fail(new Error(`${frame.type}: ${frame.message ?? ''}`));
      });
    });
  });
}

/** A socket.io-client socket and the `ws` WebSocket under it (engine.io's transport in Node). */
export interface IoConnection {
  socket: IoSocket;
  raw: WebSocket;
}

/** Connects to a Socket.IO server from `localAddress` over the websocket transport, with `auth`. */
export function openSocketIo(url: string, localAddress: string, auth: object): Promise<IoConnection> {
  return new Promise((resolve, reject) => {
    const socket: IoSocket = connectSocketIo(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 30_000,
      localAddress,
      auth,
    } as Parameters<typeof connectSocketIo>[1]);
    socket.once('connect', () => {
      const raw = (socket.io.engine as unknown as { transport: { ws?: WebSocket } }).transport.ws;
      if (!raw) return reject(new Error('no websocket under the socket.io connection'));
      resolve({ socket, raw });
    });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export interface Opened<T> {
  /** What opened, in the order it did. */
  opened: T[];
  failed: number;
  /** The first few failures' messages. */
  errors: string[];
  /** When the first attempt started and the last one ended (performance.timeOrigin + performance.now(), ms). */
  startedAt: number;
  endedAt: number;
}

/** Runs `open(k)` for k = 0 … count − 1, `concurrency` at a time, and counts what opened and what failed. */
export async function openMany<T>(count: number, concurrency: number, open: (k: number) => Promise<T>): Promise<Opened<T>> {
  const opened: T[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const startedAt = performance.timeOrigin + performance.now();
  const worker = async () => {
    while (next < count) {
      const k = next++;
      try {
        opened.push(await open(k));
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { opened, failed, errors, startedAt, endedAt: performance.timeOrigin + performance.now() };
}

/** What a client process is asked to connect: `count` fleet members from index `first`, from `localAddress`. */
export interface FleetConnect {
  url: string;
  count: number;
  first: number;
  localAddress: string;
  /** Connection attempts in flight. */
  concurrency: number;
}

/**
 * Signs each member's client token (granting `places`, when given) and opens the members with
 * `open(index, token)`, `concurrency` at a time.
 */
export async function connectFleet<T>(
  { count, first, concurrency }: FleetConnect,
  open: (index: number, token: string) => Promise<T>,
  places?: string[],
): Promise<Opened<T>> {
  const tokens = await Promise.all(Array.from({ length: count }, (_, k) => clientTokenFor(first + k, places)));
  return openMany(count, concurrency, (k) => open(first + k, tokens[k]!));
}
