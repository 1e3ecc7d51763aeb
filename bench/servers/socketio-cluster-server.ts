// One node of the usual alternative as a cluster: the Socket.IO presence peer of workload 5
// (bench/peers/socketio-presence.ts: JWT in an `io.use` middleware, the session facts of the handshake's
// `auth` in `socket.data`, rooms `online`, `type:<clientType>`, `user:<id>`, `hb` events) with
// `@socket.io/redis-adapter` on one shared Redis, as its documentation sets it up (a publishing
// client and a duplicate for subscriptions, node-redis). "Who is online" is
// `io.in('online').fetchSockets()`, which on this adapter asks every other node over Redis pub/sub
// and waits for all of their answers (or for `requestsTimeout`, 5 s by default, and then fails),
// grouped by user and served as JSON at GET /online, like the single-node peer.
//
// The presence part (token check, rooms, `hb`, grouping by user) is the single-node peer's own
// (servePresence, onlineUsers); this file adds the adapter and the process around it.
//
// Environment: BENCH_REDIS_URL (required), BENCH_SIO_REQUESTS_TIMEOUT_MS (the adapter's
// requestsTimeout; default the adapter's own 5000).
import { createServer } from 'node:http';
import { createClient } from '@redis/client';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { serveParent } from '../lib/child.ts';
import { BENCH_TOKEN_SECRET } from '../lib/constants.ts';
import { answerOnline, servePresence } from '../peers/socketio-presence.ts';

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
  void answerOnline(io, request, response, (error) => {
    failures++;
    lastFailure = error instanceof Error ? error.message : String(error);
  });
});
const io = new Server(httpServer, {
  serveClient: false,
  maxHttpBufferSize: 16 * 1024,
  adapter: createAdapter(pubClient, subClient, requestsTimeout === undefined ? {} : { requestsTimeout }),
});

servePresence(io, secret);

await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const address = httpServer.address();
if (!address || typeof address !== 'object') throw new Error('no address');

serveParent(
  {
    stats: async () => {
      const cpu = process.cpuUsage();
      return {
        cpuUs: cpu.user + cpu.system,
        atMs: performance.now(),
        localSockets: io.of('/').sockets.size,
        failures,
        lastFailure,
        redis: redisTrouble,
      };
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
