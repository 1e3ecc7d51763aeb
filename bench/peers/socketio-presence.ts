// The usual alternative, written for the benchmark: a presence service built the way most teams build
// one on Socket.IO 4, with its documented API only.
// - A client connects with a signed token (HS256 JWT, verified in an `io.use` middleware, as the
//   Socket.IO docs show for authentication) and its session facts in the handshake's `auth` payload;
//   the facts live in `socket.data`.
// - Presence is rooms: every socket joins `online`, `type:<clientType>` and `user:<userId>`; joins
//   and leaves are announced to a `watchers` room.
// - A client emits `hb` to show activity (it stamps `lastActivityAt`).
// - "Who is online" is `io.in('online').fetchSockets()` (optionally a `type:` room), grouped by user,
//   served as JSON at GET /online[?type=…] on the same HTTP server.
// - Places, as rooms (servePlaces): a socket whose token's `places` claim grants a place emits `join` and
//   `leave` to be in it (room `place:<name>`) and `watch`/`unwatch` to hear of it (room `watch:<name>`,
//   the members in the ack); each join and leave is one broadcast to the watchers' room.
// It runs in one process with the in-memory adapter, as a single-node deployment does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { Server, type Socket } from 'socket.io';
import { spread } from '../lib/fleet.ts';

export interface PresenceSession {
  user: { id: string; name: string; type: string };
  clientType: string;
  hostname?: string;
  platform?: { id: string; name: string };
  userAgent?: string;
  view?: { m: string; v: string; t: string };
  idle: boolean;
  remoteAddress: string;
  startedAt: number;
  lastActivityAt: number;
  /** The token's `places` claim, when it has one: names, or prefixes ending in `*`. */
  places?: string[];
}

export interface SocketIoPresence {
  port: number;
  /** `hb` events handled so far. */
  heartbeats(): number;
  /** Stamps `lastActivityAt` of `count` sockets spread over all of them, as their `hb` would (the benchmark's). */
  touch(count: number, offset: number): void;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

export async function startSocketIoPresence(options: { tokenSecret: string; host?: string; port?: number }): Promise<SocketIoPresence> {
  const secret = encoder.encode(options.tokenSecret);
  let heartbeats = 0;

  const httpServer = createServer((request, response) => {
    void answerOnline(io, request, response);
  });
  const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 16 * 1024 });

  servePresence(io, secret, () => heartbeats++);
  servePlaces(io);

  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = httpServer.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return {
    port: address.port,
    heartbeats: () => heartbeats,
    touch: (count, offset) => {
      const sockets = [...io.of('/').sockets.values()];
      for (const k of spread(sockets.length, count, offset)) (sockets[k]!.data as PresenceSession).lastActivityAt = Date.now();
    },
    close: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        void io.close(() => resolve());
      }),
  };
}

/**
 * `GET /online[?type=…]`: who is online, as the peer answers it on any node (`fetchSockets`, which on a
 * cluster asks every node). A failed fetch (a node missed `requestsTimeout`) is a 504, never a partial
 * list, and is told to `onFailure`.
 */
export async function answerOnline(
  io: Server,
  request: IncomingMessage,
  response: ServerResponse,
  onFailure: (error: unknown) => void = () => {},
): Promise<void> {
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
    onFailure(error);
    response
      .writeHead(504, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    return;
  }
  const users = onlineUsers(sockets);
  response
    .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify({ users, count: users.length, sockets: sockets.length }));
}

/**
 * The presence part of the peer on a Socket.IO server: the token check in `io.use`, the session facts in
 * `socket.data`, the rooms, the announcements to `watchers`, and `hb`. Shared by the single-node peer
 * and each node of the clustered one (bench/servers/socketio-cluster-server.ts).
 */
export function servePresence(io: Server, secret: Uint8Array, onHeartbeat: () => void = () => {}): void {
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
        ...(Array.isArray(payload.places) && { places: payload.places.map(String) }),
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
      onHeartbeat();
    });
    socket.on('disconnect', () => {
      io.to('watchers').emit('presence', { type: 'session.ended', id: socket.id, userId: data.user.id });
    });
  });
}

/** A place as a watcher sees who is in it: the user and this one session (no host, address or agent). */
function placeMember(id: string, data: PresenceSession) {
  const session = {
    id,
    clientType: data.clientType,
    idle: data.idle,
    ...(data.view && { view: data.view }),
    since: Math.floor(data.startedAt / 1000),
  };
  return { user: data.user, sessions: [session] };
}

const granted = (data: PresenceSession, place: unknown): place is string =>
  typeof place === 'string' &&
  place.length > 0 &&
  (data.places ?? []).some((grant) => grant === place || (grant.endsWith('*') && place.startsWith(grant.slice(0, -1))));

/**
 * Places as rooms, on a server where servePresence runs: `join`/`leave` put a socket in room
 * `place:<name>` and broadcast `place {place, event, member}` to room `watch:<name>`, once per change
 * (the adapter encodes a broadcast once for all its sockets); `watch` joins that room and acks the members
 * (`fetchSockets()` of the place's room), `unwatch` leaves it; a socket that goes leaves its places.
 */
export function servePlaces(io: Server): void {
  const announce = (place: string, event: 'join' | 'leave', member: object) =>
    io.to(`watch:${place}`).emit('place', { place, event, member });
  io.on('connection', (socket: Socket) => {
    const data = socket.data as PresenceSession;
    socket.on('join', (place: unknown) => {
      if (!granted(data, place) || socket.rooms.has(`place:${place}`)) return;
      void socket.join(`place:${place}`);
      announce(place, 'join', placeMember(socket.id, data));
    });
    socket.on('leave', (place: unknown) => {
      if (typeof place !== 'string' || !socket.rooms.has(`place:${place}`)) return;
      void socket.leave(`place:${place}`);
      announce(place, 'leave', { user: { id: data.user.id } });
    });
    socket.on('watch', async (place: unknown, ack?: (answer: unknown) => void) => {
      if (!granted(data, place)) return ack?.({ error: 'forbidden' });
      void socket.join(`watch:${place}`);
      const members = await io.in(`place:${place}`).fetchSockets();
      ack?.({ place, members: members.map((s) => placeMember(s.id, s.data as PresenceSession)) });
    });
    socket.on('unwatch', (place: unknown) => {
      if (typeof place === 'string') void socket.leave(`watch:${place}`);
    });
    socket.on('disconnecting', () => {
      for (const room of socket.rooms)
        if (room.startsWith('place:')) announce(room.slice('place:'.length), 'leave', { user: { id: data.user.id } });
    });
  });
}

/** "Who is online" from the sockets `fetchSockets()` answered: grouped by user, in order of first socket. */
export function onlineUsers(sockets: readonly { id: string; data: unknown }[]) {
  const users = new Map<string, { user: PresenceSession['user']; lastSeenAt: number; sessions: (PresenceSession & { id: string })[] }>();
  for (const socket of sockets) {
    const data = socket.data as PresenceSession;
    let entry = users.get(data.user.id);
    if (!entry) users.set(data.user.id, (entry = { user: data.user, lastSeenAt: 0, sessions: [] }));
    entry.lastSeenAt = Math.max(entry.lastSeenAt, data.lastActivityAt);
    entry.sessions.push({ id: socket.id, ...data });
  }
  return [...users.values()];
}
