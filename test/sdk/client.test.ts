// RollcallClient against a real `ws` server that plays rollcall's side of the ingest protocol. Every wait
// is on a frame, a connection or an event, with a deadline; "nothing more happens" is proven by the
// client holding no timer and no socket.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket as WsWebSocket } from 'ws';
import {
  ClientErrorCode,
  CloseCode,
  RollcallClient,
  WsErrorCode,
  type ClientState,
  type RollcallClientEvents,
  type RollcallClientOptions,
} from '../../packages/client/src/index.ts';
import { TrackingClock } from './fake-clock.ts';
import { FakeDocument, FakeEventTarget } from './fake-dom.ts';
import { FakeServer, WAIT_MS, type FakeConnection, type Frame } from './fake-server.ts';

let server: FakeServer;
let clients: RollcallClient[] = [];

beforeEach(async () => {
  server = await FakeServer.start();
});

afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
  await server.close();
});

function makeClient(options: Partial<RollcallClientOptions> = {}): { client: RollcallClient; clock: TrackingClock } {
  const clock = new TrackingClock();
  const client = new RollcallClient({
    url: server.url,
    token: 'token-1',
    // Small delays keep reconnect tests quick; the schedule itself is covered by backoff.test.ts.
    backoff: { baseMs: 5, maxMs: 20, restartMs: 5 },
    clock,
    ...options,
  });
  clients.push(client);
  return { client, clock };
}

function nextEvent<K extends keyof RollcallClientEvents>(
  client: RollcallClient,
  name: K,
  timeoutMs = WAIT_MS,
): Promise<RollcallClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the '${String(name)}' event`));
    }, timeoutMs);
    const off = client.once(name, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Connects and answers the hello with a welcome; returns the server's side of the socket. */
async function open(client: RollcallClient, sessionId = 1234, heartbeatMs = 60_000): Promise<FakeConnection> {
  const connected = client.connect();
  const conn = await server.nextConnection();
  await conn.next('hello');
  conn.welcome(sessionId, `rt-${sessionId}`, heartbeatMs);
  await connected;
  return conn;
}

/** The client has stopped for good: closed, nothing scheduled, no new socket since `connections`. */
function assertStopped(client: RollcallClient, clock: TrackingClock, connections: number): void {
  assert.equal(client.state, 'closed');
  assert.equal(clock.active, 0, 'no timer left');
  assert.equal(server.count, connections, 'no reconnect');
}

test('says hello with the token and session, then sends hb every heartbeatMs', async () => {
  const { client } = makeClient({ session: { clientType: 'web', hostname: 'jack-pc' } });
  const connected = client.connect();
  assert.equal(client.state, 'connecting');
  const conn = await server.nextConnection();
  assert.equal(conn.path, '/v1/connect');

  const hello = await conn.next('hello');
  assert.equal(hello.token, 'token-1');
  const session = hello.session as Record<string, unknown>;
  assert.equal(session.clientType, 'web');
  assert.equal(session.hostname, 'jack-pc');
  assert.equal(session.idle, false);
  assert.equal(typeof session.timezoneOffset, 'number');
  assert.equal('user' in session, false, 'the server takes the user from the token');

  const welcomed = nextEvent(client, 'welcome');
  const welcomedAt = performance.now();
  conn.welcome(1234, 'rt-1', 50);
  await connected;
  assert.deepEqual(await welcomed, { sessionId: 1234, heartbeatMs: 50, resumed: false });
  assert.equal(client.sessionId, 1234);
  assert.equal(client.state, 'open');

  assert.deepEqual(await conn.next('hb'), { type: 'hb' });
  assert.deepEqual(await conn.next('hb'), { type: 'hb' });
  const beats = conn.log.filter(({ frame }) => frame.type === 'hb').map(({ at }) => at);
  // Timers never fire early (allowing for millisecond rounding); no upper bound, machines get busy.
  // Measured from the welcome: the times are arrivals at the server, and a first hb that arrived late
  // makes the gap to the second look short, while the second cannot arrive before two intervals.
  assert.ok(beats[0]! - welcomedAt >= 45, `first hb after ${beats[0]! - welcomedAt} ms`);
  assert.ok(beats[1]! - welcomedAt >= 95, `second hb ${beats[1]! - welcomedAt} ms after the welcome`);
});

test('takes the token from a function and the WebSocket from the options', async () => {
  const urls: string[] = [];
  class RecordingWebSocket extends WsWebSocket {
    constructor(url: string) {
      urls.push(url);
      super(url);
    }
  }
  const { client } = makeClient({
    token: async () => 'token-from-backend',
    WebSocket: RecordingWebSocket,
    session: { user: { id: '4145', name: 'Jack Smith' }, clientType: 'push_agent' },
  });
  void client.connect();
  const conn = await server.nextConnection();
  const hello = await conn.next('hello');
  assert.equal(hello.token, 'token-from-backend');
  assert.deepEqual((hello.session as Record<string, unknown>).user, { id: '4145', name: 'Jack Smith' });
  assert.deepEqual(urls, [`${server.url.replace('http:', 'ws:')}/v1/connect`]);
});

test("a refused connection that fires error and no close (Node 22's WebSocket) is retried as closed (1006)", async () => {
  // The first socket fails as Node 22's built-in WebSocket does when nobody listens: 'error', then nothing.
  let sockets = 0;
  class ErrorOnlyFirst {
    readonly #socket: WsWebSocket;
    readonly #first = sockets++ === 0;
    constructor(url: string) {
      this.#socket = new WsWebSocket(this.#first ? 'ws://127.0.0.1:1/v1/connect' : url);
    }
    get readyState(): number {
      return this.#socket.readyState;
    }
    send(data: string): void {
      this.#socket.send(data);
    }
    close(code?: number, reason?: string): void {
      this.#socket.close(code, reason);
    }
    addEventListener(type: 'open' | 'error' | 'message' | 'close', listener: (event: never) => void): void {
      if (this.#first && type === 'close') return;
      this.#socket.addEventListener(type, listener as () => void);
    }
  }
  const { client } = makeClient({ WebSocket: ErrorOnlyFirst });
  const disconnected = nextEvent(client, 'disconnect');
  const connected = client.connect();
  assert.deepEqual(await disconnected, { code: 1006, reason: 'the connection failed', willReconnect: true });
  const conn = await server.nextConnection();
  await conn.next('hello');
  conn.welcome(5, 'rt-5');
  await connected;
  assert.equal(client.sessionId, 5);
});

test('after a network drop it resumes the same session with the latest resume token', async () => {
  const { client } = makeClient();
  const states: ClientState[] = [];
  client.on('state', ({ state }) => states.push(state));
  const c1 = await open(client, 7);

  const disconnected = nextEvent(client, 'disconnect');
  c1.drop();
  assert.deepEqual(await disconnected, { code: 1006, reason: '', willReconnect: true });

  const c2 = await server.nextConnection();
  assert.deepEqual(await c2.next('resume'), { type: 'resume', resumeToken: 'rt-7' });
  const resumed = nextEvent(client, 'resumed');
  c2.welcome(7, 'rt-7b');
  assert.deepEqual(await resumed, { sessionId: 7 });
  assert.equal(client.sessionId, 7);
  // Right after a resume the client repeats its idle state (and view, when set).
  assert.deepEqual(await c2.next('hb'), { type: 'hb', idle: false });

  c2.drop();
  const c3 = await server.nextConnection();
  assert.deepEqual(await c3.next('resume'), { type: 'resume', resumeToken: 'rt-7b' });
  c3.welcome(7, 'rt-7c');
  await nextEvent(client, 'resumed');
  assert.deepEqual(states, ['connecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open']);
});

test('unknown_session after a resume: a fresh hello on the same socket, a new session id', async () => {
  const { client } = makeClient();
  const errors: unknown[] = [];
  client.on('error', (error) => errors.push(error));
  const c1 = await open(client, 7);
  c1.drop();

  const c2 = await server.nextConnection();
  await c2.next('resume');
  c2.send({ type: 'error', code: WsErrorCode.unknownSession, message: 'no such session' });
  const hello = await c2.next('hello');
  assert.equal(hello.token, 'token-1');
  const welcomed = nextEvent(client, 'welcome');
  c2.welcome(8, 'rt-8');
  assert.deepEqual(await welcomed, { sessionId: 8, heartbeatMs: 60_000, resumed: false });
  assert.equal(client.sessionId, 8);
  assert.equal(server.count, 2);
  assert.deepEqual(errors, [], 'a lost session is handled, not reported');
});

test('close() says bye, closes with 1000 and leaves nothing running', async () => {
  const { client, clock } = makeClient();
  const conn = await open(client, 1, 50);
  await conn.next('hb');
  await client.close();
  assert.deepEqual(await conn.next('bye'), { type: 'bye' });
  assert.equal((await conn.closed).code, CloseCode.normal);
  assertStopped(client, clock, 1);
  await client.close(); // a second close is harmless
});

test('close() before the welcome rejects connect()', async () => {
  const { client, clock } = makeClient();
  const connected = client.connect();
  const conn = await server.nextConnection();
  await conn.next('hello');
  await client.close();
  await assert.rejects(connected, { code: ClientErrorCode.closed });
  assert.equal(
    conn.log.some(({ frame }) => frame.type === 'bye'),
    false,
    'no bye without a session',
  );
  assertStopped(client, clock, 1);
});

test('ended_by_admin: emits ended and stays closed', async () => {
  const { client, clock } = makeClient();
  const conn = await open(client);
  const ended = nextEvent(client, 'ended');
  conn.send({ type: 'ended', reason: 'ended_by_admin' });
  conn.close(CloseCode.sessionEnded, 'ended');
  assert.deepEqual(await ended, { reason: 'ended_by_admin', willReconnect: false });
  assert.equal(client.sessionId, undefined);
  assertStopped(client, clock, 1);
});

test('a session ended for another reason is replaced by a fresh hello', async () => {
  const { client } = makeClient({ session: { clientType: 'web', view: { m: 'support', v: 'queue', t: '' } } });
  const c1 = await open(client, 1);
  const ended = nextEvent(client, 'ended');
  c1.send({ type: 'ended', reason: 'expired' });
  c1.close(CloseCode.sessionEnded, 'ended');
  assert.deepEqual(await ended, { reason: 'expired', willReconnect: true });

  const c2 = await server.nextConnection();
  const hello = await c2.next('hello');
  assert.deepEqual((hello.session as Record<string, unknown>).view, { m: 'support', v: 'queue', t: '' });
  const welcomed = nextEvent(client, 'welcome');
  c2.welcome(2, 'rt-2');
  assert.equal((await welcomed).resumed, false);
  assert.equal(client.sessionId, 2);
});

test('service restart (1012): reconnects and resumes', async () => {
  const { client } = makeClient();
  const c1 = await open(client, 5);
  const disconnected = nextEvent(client, 'disconnect');
  c1.close(CloseCode.serviceRestart, 'restarting');
  assert.deepEqual(await disconnected, { code: CloseCode.serviceRestart, reason: 'restarting', willReconnect: true });
  const c2 = await server.nextConnection();
  assert.deepEqual(await c2.next('resume'), { type: 'resume', resumeToken: 'rt-5' });
  const resumed = nextEvent(client, 'resumed');
  c2.welcome(5, 'rt-5b');
  assert.deepEqual(await resumed, { sessionId: 5 });
});

test('unauthorized (4401): asks for a new token each time, gives up after maxAuthAttempts', async () => {
  let calls = 0;
  const { client, clock } = makeClient({ token: async () => `token-${++calls}`, maxAuthAttempts: 3 });
  const connected = client.connect();
  const failed = nextEvent(client, 'error');
  for (let attempt = 1; attempt <= 3; attempt++) {
    const conn = await server.nextConnection();
    assert.equal((await conn.next('hello')).token, `token-${attempt}`);
    conn.close(CloseCode.unauthorized, 'token expired');
  }
  const error = await failed;
  assert.equal(error.code, ClientErrorCode.unauthorized);
  assert.equal(error.fatal, true);
  assert.equal(error.closeCode, CloseCode.unauthorized);
  await assert.rejects(connected, { code: ClientErrorCode.unauthorized });
  assertStopped(client, clock, 3);
});

test('a new token after a refused one connects, and the failure count starts over', async () => {
  let calls = 0;
  const { client } = makeClient({ token: () => `token-${++calls}`, maxAuthAttempts: 2 });
  const connected = client.connect();
  const c1 = await server.nextConnection();
  await c1.next('hello');
  c1.close(CloseCode.unauthorized);
  const c2 = await server.nextConnection();
  assert.equal((await c2.next('hello')).token, 'token-2');
  c2.welcome(3, 'rt-3');
  await connected;
  // One more refusal after a success is not the second strike.
  c2.close(CloseCode.unauthorized);
  const c3 = await server.nextConnection();
  assert.equal((await c3.next('hello')).token, 'token-3');
});

for (const [code, errorCode] of [
  [CloseCode.protocolAbuse, ClientErrorCode.protocolAbuse],
  [CloseCode.replaced, ClientErrorCode.replaced],
] as const) {
  test(`close code ${code}: stays closed with a fatal '${errorCode}' error`, async () => {
    const { client, clock } = makeClient();
    const conn = await open(client);
    const failed = nextEvent(client, 'error');
    conn.close(code);
    const error = await failed;
    assert.equal(error.code, errorCode);
    assert.equal(error.fatal, true);
    assertStopped(client, clock, 1);
  });
}

test('setIdle, setView and update are sent at once, repeats are not', async () => {
  const { client } = makeClient();
  const conn = await open(client);
  const view = { m: 'support', v: 'getticket', t: 'ticketid|105792' };
  client.setIdle(true);
  client.setIdle(true);
  client.setView(view);
  client.setView({ ...view });
  client.update({ hostname: 'jack-laptop', user: { name: 'Jack S.' } });
  const next = (): Promise<Frame> => conn.frames.next('a frame');
  assert.deepEqual(await next(), { type: 'hb', idle: true });
  assert.deepEqual(await next(), { type: 'hb', view });
  assert.deepEqual(await next(), { type: 'update', hostname: 'jack-laptop', user: { name: 'Jack S.' } });
  assert.equal(client.idle, true);
  assert.deepEqual(client.view, view);
});

test('changes made while disconnected follow the resume, and later hellos carry them', async () => {
  const { client } = makeClient();
  const c1 = await open(client, 9);
  const view = { m: 'chat', v: 'room', t: 'room|42' };
  client.once('disconnect', () => {
    client.setIdle(true);
    client.setView(view);
    client.update({ hostname: 'h2' });
  });
  c1.drop();

  const c2 = await server.nextConnection();
  await c2.next('resume');
  c2.welcome(9, 'rt-9b');
  const next = (): Promise<Frame> => c2.frames.next('a frame');
  assert.deepEqual(await next(), { type: 'update', hostname: 'h2' });
  assert.deepEqual(await next(), { type: 'hb', idle: true, view });

  c2.close(CloseCode.sessionEnded);
  const c3 = await server.nextConnection();
  const session = (await c3.next('hello')).session as Record<string, unknown>;
  assert.equal(session.idle, true);
  assert.deepEqual(session.view, view);
  assert.equal(session.hostname, 'h2');
});

test('server error frames are reported and the connection stays open', async () => {
  const { client } = makeClient();
  const conn = await open(client);
  const reported = nextEvent(client, 'error');
  conn.send({ type: 'error', code: WsErrorCode.invalidBody, message: 'hostname: too long' });
  const error = await reported;
  assert.equal(error.code, WsErrorCode.invalidBody);
  assert.equal(error.message, 'hostname: too long');
  assert.equal(error.fatal, false);
  assert.equal(client.state, 'open');
});

test('a fatal close before any welcome rejects connect()', async () => {
  const { client } = makeClient();
  const connected = client.connect();
  const conn = await server.nextConnection();
  await conn.next('hello');
  conn.close(CloseCode.protocolAbuse);
  await assert.rejects(connected, { code: ClientErrorCode.protocolAbuse, fatal: true });
});

test('page idle detection sends the change at once and is removed on close', async () => {
  const document = new FakeDocument();
  const window = new FakeEventTarget();
  const { client } = makeClient({ document, window, idleAfterMs: 60_000 });
  const conn = await open(client);
  document.setVisibility('hidden');
  assert.deepEqual(await conn.next('hb'), { type: 'hb', idle: true });
  document.setVisibility('visible');
  assert.deepEqual(await conn.next('hb'), { type: 'hb', idle: false });
  await client.close();
  assert.equal(document.listenerCount + window.listenerCount, 0);
});

test('connect() after close() opens a new session', async () => {
  const { client } = makeClient();
  await open(client, 1);
  await client.close();
  const connected = client.connect();
  const c2 = await server.nextConnection();
  await c2.next('hello');
  c2.welcome(2, 'rt-2');
  await connected;
  assert.equal(client.sessionId, 2);
});
