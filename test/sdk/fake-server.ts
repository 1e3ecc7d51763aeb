// Plays the server's side of the ingest WebSocket protocol with a real `ws` server on 127.0.0.1, port 0.
// Tests script every answer themselves and wait for frames and connections with a deadline.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Default deadline for one awaited frame, connection or event, in ms. */
export const WAIT_MS = 3_000;

export type Frame = Record<string, unknown> & { type: string };

/** Items that arrive over time; next() waits for one with a deadline. */
export class Queue<T> {
  readonly #items: T[] = [];
  readonly #waiters: Array<(item: T) => void> = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  next(what: string, timeoutMs = WAIT_MS): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const waiter = (value: T): void => {
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  get size(): number {
    return this.#items.length;
  }
}

export class FakeConnection {
  readonly frames = new Queue<Frame>();
  /** Every frame received, in order, with its arrival time (performance.now()). */
  readonly log: Array<{ frame: Frame; at: number }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly socket: WebSocket,
    readonly path: string,
  ) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('the SDK must send text frames');
      const frame = JSON.parse(data.toString()) as Frame;
      this.log.push({ frame, at: performance.now() });
      this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** The next frame of `type`; heartbeats are skipped unless asked for. */
  async next(type: string, timeoutMs = WAIT_MS): Promise<Frame> {
    for (;;) {
      const frame = await this.frames.next(`a "${type}" frame`, timeoutMs);
      if (frame.type === type) return frame;
      if (frame.type === 'hb' && type !== 'hb') continue;
      throw new Error(`expected a "${type}" frame, got ${JSON.stringify(frame)}`);
    }
  }

  send(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  welcome(sessionId: number, resumeToken: string, heartbeatMs = 60_000): void {
    this.send({ type: 'welcome', sessionId, resumeToken, heartbeatMs });
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }

  /** Drops the TCP connection without a closing handshake, like a network failure. */
  drop(): void {
    this.socket.terminate();
  }
}

export class FakeServer {
  readonly connections = new Queue<FakeConnection>();
  /** How many sockets have connected so far. */
  count = 0;
  readonly #wss: WebSocketServer;

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on('connection', (socket, request) => {
      this.count++;
      this.connections.push(new FakeConnection(socket, request.url ?? ''));
    });
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return new FakeServer(wss);
  }

  /** The base URL an application would configure. */
  get url(): string {
    const { port } = this.#wss.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  nextConnection(timeoutMs = WAIT_MS): Promise<FakeConnection> {
    return this.connections.next('a connection', timeoutMs);
  }

  async close(): Promise<void> {
    for (const socket of this.#wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
