// One node of the usual alternative as a cluster: the Socket.IO presence peer of workload 5
// (bench/peers/socketio-presence.ts: JWT in an `io.use` middleware, the session facts of the handshake's
// `auth` in `socket.data`, rooms `online`, `type:<clientType>`, `user:<id>`, `hb` events) with
// `@socket.io/redis-adapter` on one shared Redis, as its documentation sets it up (a publishing
// client and a duplicate for subscriptions, node-redis). "Who is online" is
// `io.in('online').fetchSockets()`, which on this adapter asks every other node over Redis pub/sub
// and waits for all of their answers (or for `requestsTimeout`, 5 s by default, and then fails),
// grouped by user and served as JSON at GET /online, like the single-node peer.
//
// The peer's code is repeated here rather than shared because the single-node peer builds its
// Server itself; both follow the same documented API, line for line where they can.
//
// Environment: BENCH_REDIS_URL (required), BENCH_SIO_REQUESTS_TIMEOUT_MS (the adapter's
// requestsTimeout; default the adapter's own 5000).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createClient } from '@redis/client';
import { createAdapter } from '@socket.io/redis-adapter';
import { jwtVerify } from 'jose';
import { Server, type Socket } from 'socket.io';
import { serveParent } from '../lib/child.ts';
import { BENCH_TOKEN_SECRET } from '../lib/constants.ts';
import type { PresenceSession } from '../peers/socketio-presence.ts';

const redisUrl = process.env.BENCH_REDIS_URL;
if (!redisUrl) throw new Error('BENCH_REDIS_URL is required');
const requestsTimeout = process.env.BENCH_SIO_REQUESTS_TIMEOUT_MS ? Number(process.env.BENCH_SIO_REQUESTS_TIMEOUT_MS) : undefined;

const secret = new TextEncoder().encode(BENCH_TOKEN_SECRET);
const pubClient = createClient({ url: redisUrl });
const subClient = pubClient.duplicate();
// What went wrong on the adapter's Redis connections (a subscriber Redis disconnects for its output
// buffer, a reconnect): counted for the benchmark's notes.
const redisTrouble = { errors: 0, reconnects: 0, lastError: '' };
for (const client of [pubClient, subClient]) {
  client.on('error', (error: unknown) => {
    redisTrouble.errors++;
    redisTrouble.lastError = error instanceof Error ? error.message : String(error);
  });
  client.on('reconnecting', () => redisTrouble.reconnects++);
}
await Promise.all([pubClient.connect(), subClient.connect()]);

let failures = 0;
let lastFailure = '';
const httpServer = createServer((request, response) => {
  void answerHttp(request, response);
});
const io = new Server(httpServer, {
  serveClient: false,
  maxHttpBufferSize: 16 * 1024,
  adapter: createAdapter(pubClient, subClient, requestsTimeout === undefined ? {} : { requestsTimeout }),
});

io.use(async (socket, next) => {
  const auth = socket.handshake.auth as { token?: unknown; session?: Record<string, unknown> };
  try {
    if (typeof auth.token !== 'string') throw new Error('no token');
    const { payload } = await jwtVerify(auth.token, secret, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
    const session = auth.session ?? {};
    if (typeof session.clientType !== 'string') throw new Error('no clientType');
    const now = Date.now();
    const data: PresenceSession = {
      user: { id: String(payload.sub), name: String(payload.name ?? ''), type: String(payload.utype ?? 'customer') },
      clientType: session.clientType,
      hostname: session.hostname as string | undefined,
      platform: session.platform as PresenceSession['platform'],
      userAgent: session.userAgent as string | undefined,
      view: session.view as PresenceSession['view'],
      idle: false,
      remoteAddress: socket.handshake.address,
      startedAt: now,
      lastActivityAt: now,
    };
    socket.data = data;
    next();
  } catch {
    next(new Error('unauthorized'));
  }
});

io.on('connection', (socket: Socket) => {
  const data = socket.data as PresenceSession;
  void socket.join(['online', `type:${data.clientType}`, `user:${data.user.id}`]);
  io.to('watchers').emit('presence', { type: 'session.started', id: socket.id, userId: data.user.id });
  socket.on('hb', (body?: { idle?: boolean }) => {
    data.lastActivityAt = Date.now();
    if (typeof body?.idle === 'boolean') data.idle = body.idle;
  });
  socket.on('disconnect', () => {
    io.to('watchers').emit('presence', { type: 'session.ended', id: socket.id, userId: data.user.id });
  });
});

async function answerHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method !== 'GET' || url.pathname !== '/online') {
    response.writeHead(404).end();
    return;
  }
  const type = url.searchParams.get('type');
  let sockets;
  try {
    sockets = await io.in(type ? `type:${type}` : 'online').fetchSockets();
  } catch (error) {
    // The adapter's answer when a node did not reply within requestsTimeout: no partial list.
    failures++;
    lastFailure = error instanceof Error ? error.message : String(error);
    response.writeHead(504, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    return;
  }
  const users = new Map<string, { user: PresenceSession['user']; lastSeenAt: number; sessions: (PresenceSession & { id: string })[] }>();
  for (const socket of sockets) {
    const data = socket.data as PresenceSession;
    let entry = users.get(data.user.id);
    if (!entry) users.set(data.user.id, (entry = { user: data.user, lastSeenAt: 0, sessions: [] }));
    entry.lastSeenAt = Math.max(entry.lastSeenAt, data.lastActivityAt);
    entry.sessions.push({ id: socket.id, ...data });
  }
  const body = JSON.stringify({ users: [...users.values()], count: users.size, sockets: sockets.length });
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const address = httpServer.address();
if (!address || typeof address !== 'object') throw new Error('no address');

serveParent(
  {
    stats: async () => {
      const cpu = process.cpuUsage();
      return { cpuUs: cpu.user + cpu.system, atMs: performance.now(), localSockets: io.of('/').sockets.size, failures, lastFailure, redis: redisTrouble };
    },
  },
  { port: address.port, pid: process.pid, requestsTimeoutMs: requestsTimeout ?? 5000 },
  async () => {
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    pubClient.destroy();
    subClient.destroy();
  },
);
