// WebSocket ingest `GET /v1/connect` (specs/INGEST.md). One socket carries one session: hello or
// resume binds it, hb/update/bye act on it. Liveness is WebSocket ping/pong, checked for all sockets by
// one timer; signs of life are reported to the core in one batch per interval. A socket that misses two
// pings is terminated and its session ended; a socket that closes leaves its session waiting for a
// resume. A socket that sent a frame since the last tick is known to be there and is not pinged.
//
// The hot path is the plain heartbeat an SDK sends every `heartbeatMs` on a bound socket: it is known
// by its bytes (no parse, no validation, no promise per frame), and the sessions of every such frame
// read in one event-loop turn are touched with one core call. Every other frame is parsed, validated
// and handled in arrival order. A server holds many thousands of mostly idle sockets for hours, so a
// socket's state is one small object and all sockets share one set of event handlers.
import { channel } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Credentials } from '../auth/credentials.ts';
import { actorForSession, type Actor, type ConnectionFacts } from '../core/actor.ts';
import { RollcallError, isRollcallError } from '../core/errors.ts';
import { HeartbeatSchema, HelloSessionSchema, UpdateSessionSchema } from '../core/input-schemas.ts';
import type { PresenceChange } from '../core/model.ts';
import type { OpenedSession, PresenceService } from '../core/presence-service.ts';
import { CloseCode, HELLO_TIMEOUT_MS, MAX_INVALID_FRAMES, WsErrorCode } from './protocol.ts';
import { validateBody } from './validation.ts';

export interface WsIngestOptions {
  presence: PresenceService;
  credentials: Credentials;
  heartbeatMs: number;
}

/**
 * Heartbeat frames the fast path finished, published once per batch as `{ frames }`: frames whose
 * session the core touched (pongs and refused frames are not in it). For observers in the same process
 * (the benchmark counts with it); without a subscriber it costs one property read per batch.
 */
export const heartbeatFramesChannel = channel('rollcall:ws-heartbeat-frames');
export interface HeartbeatFramesMessage {
  frames: number;
}

const HelloFrame = Type.Object(
  { type: Type.Literal('hello'), token: Type.Optional(Type.String({ maxLength: 4096 })), session: HelloSessionSchema },
  { additionalProperties: false },
);
const ResumeFrame = Type.Object(
  { type: Type.Literal('resume'), resumeToken: Type.String({ minLength: 3, maxLength: 256 }) },
  { additionalProperties: false },
);
const HbFrame = Type.Composite([Type.Object({ type: Type.Literal('hb') }), HeartbeatSchema], { additionalProperties: false });
const UpdateFrame = Type.Composite([Type.Object({ type: Type.Literal('update') }), UpdateSessionSchema], {
  additionalProperties: false,
});
const ByeFrame = Type.Object({ type: Type.Literal('bye') }, { additionalProperties: false });

/** A heartbeat with nothing to report, byte for byte as the SDK sends it (`JSON.stringify({ type: 'hb' })`). */
const PLAIN_HEARTBEAT = Buffer.from('{"type":"hb"}');
const INTERNAL_ERROR = { type: 'error', code: 'internal', message: 'internal error' } as const;

/**
 * One socket's state. Every field is set at creation, so all connections share one object shape; the
 * fields every frame reads come first, so a heartbeat touches one cache line of it.
 */
interface Connection {
  sessionId: number | undefined;
  /** What the socket showed since the last ping tick: `Life` bits. */
  life: number;
  /** Set once the session is over for this socket, so its close does not detach anything. */
  released: boolean;
  missedPings: number;
  invalidFrames: number;
  readonly socket: WebSocket;
  actor: Actor | undefined;
  readonly remoteAddress: string;
  /** The upgrade's Authorization header, until hello: it may hold the ingest key, so it is not kept longer. */
  authorization: string | undefined;
  helloTimer: NodeJS.Timeout | undefined;
  /** Work waiting behind the frame being handled; undefined while nothing is in flight. */
  backlog: Task[] | undefined;
}
type Task = () => Promise<void>;

/**
 * Each socket carries its connection under this key, until it closes: the shared handlers read it with
 * one property load, where a Map keyed by socket cost a few CPU cache misses per frame.
 */
const kConnection = Symbol('rollcall.connection');
type ConnectedSocket = WebSocket & { [kConnection]?: Connection | undefined };
const connectionOf = (socket: WebSocket) => (socket as ConnectedSocket)[kConnection];

/** Signs of life a socket gave since the last ping tick. */
const Life = { none: 0, pong: 1, frame: 2 } as const;

export const wsIngestRoute: FastifyPluginAsync<WsIngestOptions> = async (app, { presence, credentials, heartbeatMs }) => {
  /** Every open socket's state. */
  const connections = new Set<Connection>();
  /** Forgets a socket's state: its later events (a close after a time-out) find nothing to do. */
  const forget = (conn: Connection) => {
    connections.delete(conn);
    (conn.socket as ConnectedSocket)[kConnection] = undefined;
  };
  /** Sockets bound to a session on this node, by session id. */
  const bound = new Map<number, Connection>();

  const send = (conn: Connection, frame: object) => {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(frame));
  };
  const stopHelloTimer = (conn: Connection) => {
    clearTimeout(conn.helloTimer);
    conn.helloTimer = undefined;
  };
  const closeWith = (conn: Connection, code: number, reason: string) => {
    conn.released = true;
    stopHelloTimer(conn);
    if (conn.sessionId !== undefined && bound.get(conn.sessionId) === conn) bound.delete(conn.sessionId);
    conn.socket.close(code, reason);
  };
  const helloTimedOut = (conn: Connection) => closeWith(conn, CloseCode.helloTimeout, 'no hello');
  /** The session ended under this socket (expiry, another node): the client must open anew. */
  const sessionGone = (conn: Connection) => {
    send(conn, { type: 'ended', reason: 'expired' });
    closeWith(conn, CloseCode.sessionEnded, 'expired');
  };

  // Sessions the core ended (admin, expiry, another node) are told why and closed.
  const stopListening = presence.subscribe((change: PresenceChange) => {
    if (change.type !== 'session.ended') return;
    const conn = bound.get(change.session.id);
    if (!conn) return;
    send(conn, { type: 'ended', reason: change.reason });
    closeWith(conn, CloseCode.sessionEnded, change.reason);
  });

  // One timer pings the sockets; two unanswered pings in a row end the session. A socket that sent a
  // frame since the last tick needs no ping to show it is there (an SDK sends one every interval): if
  // it then goes quiet, the next tick pings it and the one after ends it, as soon as before.
  const pinger = setInterval(() => {
    const alive: number[] = [];
    for (const conn of connections) {
      const life = conn.life;
      conn.life = Life.none;
      if (life !== Life.none) {
        conn.missedPings = 0;
        if (conn.sessionId !== undefined) alive.push(conn.sessionId);
        if (life & Life.frame) continue;
      } else if (++conn.missedPings >= 2) {
        void timeOut(conn);
        continue;
      }
      conn.socket.ping();
    }
    if (alive.length > 0) {
      presence.keepAlive(alive).catch((error: unknown) => app.log.error({ err: error }, 'keep-alive failed'));
    }
  }, heartbeatMs);
  pinger.unref();

  const timeOut = async (conn: Connection) => {
    forget(conn);
    const id = conn.sessionId;
    closeWith(conn, CloseCode.sessionEnded, 'ping_timeout');
    conn.socket.terminate();
    if (id !== undefined) await presence.timeOut(id).catch((error: unknown) => app.log.error({ err: error }, 'ending a timed-out session failed'));
  };

  // ---- the plain heartbeat: one core call per event-loop turn ---------------------------------------
  // A plain sign of life is idempotent, so it needs no place in its socket's order: it may be touched
  // before a frame that came earlier is done. Each frame is one entry (a socket may send two in a turn),
  // so what is counted is frames, as on the full path.
  let pendingIds: number[] = [];
  let pendingConns: Connection[] = [];
  let flushing: Promise<void> | undefined;

  const acceptHeartbeat = (conn: Connection, id: number) => {
    // setImmediate runs after every socket read of this turn: the frames of all of them go in one call.
    if (pendingIds.length === 0) setImmediate(flushHeartbeats);
    pendingIds.push(id);
    pendingConns.push(conn);
  };

  const flushHeartbeats = () => {
    if (pendingIds.length === 0) return;
    const ids = pendingIds;
    const conns = pendingConns;
    pendingIds = [];
    pendingConns = [];
    flushing = touchHeartbeats(ids, conns).catch((error: unknown) => app.log.error({ err: error }, 'websocket heartbeats failed'));
  };

  const touchHeartbeats = async (ids: readonly number[], conns: readonly Connection[]) => {
    let unknown: number[];
    try {
      unknown = await presence.keepAlive(ids);
    } catch (error) {
      // As on the full path: the sender of each frame hears of it, the log has the details.
      app.log.error({ err: error }, 'websocket heartbeats failed');
      for (const conn of conns) send(conn, INTERNAL_ERROR);
      return;
    }
    if (heartbeatFramesChannel.hasSubscribers) {
      heartbeatFramesChannel.publish({ frames: ids.length - unknown.length } satisfies HeartbeatFramesMessage);
    }
    if (unknown.length === 0) return;
    // As on the full path: a socket whose session is gone is told so. A socket that said bye, was
    // replaced or closed meanwhile is no longer bound to the id, and is left alone.
    const gone = new Set(unknown);
    ids.forEach((id, i) => {
      const conn = conns[i]!;
      if (gone.has(id) && bound.get(id) === conn) sessionGone(conn);
    });
  };

  // ---- every other frame, in order ------------------------------------------------------------------
  /** Runs a socket's work one piece after another; work is chained only while another is in flight. */
  const enqueue = (conn: Connection, task: Task) => {
    if (conn.backlog) {
      conn.backlog.push(task);
      return;
    }
    conn.backlog = [];
    void drain(conn, task);
  };
  const drain = async (conn: Connection, first: Task) => {
    for (let task: Task | undefined = first; task; task = conn.backlog?.shift()) {
      try {
        await task();
      } catch (error) {
        app.log.error({ err: error }, 'websocket frame failed');
      }
    }
    conn.backlog = undefined;
  };

  const bind = (conn: Connection, opened: OpenedSession, actor: Actor | undefined) => {
    const { session, resumeToken } = opened;
    const previous = bound.get(session.id);
    if (previous && previous !== conn) closeWith(previous, CloseCode.replaced, 'resumed on another socket');
    conn.sessionId = session.id;
    conn.actor = actorForSession(actor, session);
    conn.authorization = undefined;
    bound.set(session.id, conn);
    stopHelloTimer(conn);
    send(conn, { type: 'welcome', sessionId: session.id, resumeToken, heartbeatMs });
  };

  const connectionFacts = (conn: Connection): ConnectionFacts => ({ transport: 'websocket', remoteAddress: conn.remoteAddress });

  const handleFrame = async (conn: Connection, frame: { type: string }) => {
    switch (frame.type) {
      case 'hello': {
        if (conn.sessionId !== undefined) throw new RollcallError('invalid_body', 'this socket already carries a session');
        const hello = validateBody(HelloFrame, frame);
        const actor = await credentials.ingestActor(conn.authorization, hello.token, conn.remoteAddress);
        bind(conn, await presence.open(hello.session, actor, connectionFacts(conn)), actor);
        return;
      }
      case 'resume': {
        if (conn.sessionId !== undefined) throw new RollcallError('invalid_body', 'this socket already carries a session');
        const { resumeToken } = validateBody(ResumeFrame, frame);
        let resumed: OpenedSession;
        try {
          resumed = await presence.resume(resumeToken, connectionFacts(conn));
        } catch (error) {
          if (isRollcallError(error) && error.code === 'not_found') {
            send(conn, { type: 'error', code: WsErrorCode.unknownSession, message: error.message });
            return;
          }
          throw error;
        }
        // The resume token was the credential; later frames act for the session's own user.
        bind(conn, resumed, undefined);
        return;
      }
      case 'hb': {
        const { type: _, ...body } = validateBody(HbFrame, frame);
        await presence.heartbeat(sessionOf(conn), body, actorOf(conn));
        return;
      }
      case 'update': {
        const { type: _, ...body } = validateBody(UpdateFrame, frame);
        await presence.update(sessionOf(conn), body, actorOf(conn));
        return;
      }
      case 'bye': {
        validateBody(ByeFrame, frame);
        const id = sessionOf(conn);
        bound.delete(id);
        conn.released = true;
        await presence.end(id, actorOf(conn));
        closeWith(conn, CloseCode.normal, 'bye');
        return;
      }
      default:
        throw new RollcallError('invalid_body', `type: must be one of hello, resume, hb, update, bye`);
    }
  };

  const handleMessage = async (conn: Connection, data: RawData, isBinary: boolean) => {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    } catch {
      return refuse(conn, WsErrorCode.invalidMessage, 'each frame must be one JSON object in a text frame');
    }
    if (typeof frame !== 'object' || frame === null || typeof (frame as { type?: unknown }).type !== 'string') {
      return refuse(conn, WsErrorCode.invalidMessage, 'type: required (hello, resume, hb, update or bye)');
    }
    try {
      await handleFrame(conn, frame as { type: string });
    } catch (error) {
      if (!isRollcallError(error)) {
        app.log.error({ err: error }, 'websocket frame failed');
        send(conn, INTERNAL_ERROR);
        return;
      }
      if (error.code === 'unauthorized') {
        send(conn, { type: 'error', code: WsErrorCode.unauthorized, message: error.message });
        closeWith(conn, CloseCode.unauthorized, 'unauthorized');
        return;
      }
      if (error.code === 'not_found' && conn.sessionId !== undefined) return sessionGone(conn);
      refuse(conn, error.code === 'forbidden' ? WsErrorCode.forbidden : error.code === 'invalid_body' ? WsErrorCode.invalidBody : error.code, error.message);
    }
  };

  const refuse = (conn: Connection, code: string, message: string) => {
    send(conn, { type: 'error', code, message });
    if (++conn.invalidFrames >= MAX_INVALID_FRAMES) closeWith(conn, CloseCode.protocolAbuse, 'too many invalid frames');
  };

  // ---- the handlers every socket shares (`this` is the socket) ---------------------------------------
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const conn = connectionOf(this);
    if (!conn) return;
    conn.life |= Life.frame;
    const id = conn.sessionId;
    if (id !== undefined && !conn.released && !isBinary && isPlainHeartbeat(data)) return acceptHeartbeat(conn, id);
    enqueue(conn, () => handleMessage(conn, data, isBinary));
  }
  function onPong(this: WebSocket): void {
    const conn = connectionOf(this);
    if (conn) conn.life |= Life.pong;
  }
  function onClose(this: WebSocket): void {
    const conn = connectionOf(this);
    if (!conn) return;
    forget(conn);
    stopHelloTimer(conn);
    const id = conn.sessionId;
    if (id === undefined || conn.released || bound.get(id) !== conn) return;
    bound.delete(id);
    // After the frames that came before the close.
    enqueue(conn, () => presence.detach(id).catch((error: unknown) => app.log.error({ err: error }, 'detach failed')));
  }
  /** What @fastify/websocket's default errorHandler does (app.ts sets no other): log, and drop the socket. */
  function onSocketError(this: WebSocket, error: Error): void {
    app.log.error({ err: error }, 'websocket error');
    this.terminate();
  }

  app.get('/v1/connect', { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
    const conn: Connection = {
      sessionId: undefined,
      life: Life.none,
      released: false,
      missedPings: 0,
      invalidFrames: 0,
      socket,
      actor: undefined,
      remoteAddress: request.ip,
      authorization: request.headers.authorization,
      helloTimer: undefined,
      backlog: undefined,
    };
    conn.helloTimer = setTimeout(helloTimedOut, HELLO_TIMEOUT_MS, conn);
    connections.add(conn);
    (socket as ConnectedSocket)[kConnection] = conn;
    releaseUpgrade(request);
    // @fastify/websocket's 'error' listener holds the Fastify request and reply (for its errorHandler)
    // as long as the socket lives; the shared one above does the same without them.
    socket.removeAllListeners('error');
    socket.on('error', onSocketError);
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('close', onClose);
  });

  // Shutdown: the websocket plugin closes every socket with 1012 (see server/app.ts). Sockets are
  // released here so their closing does not detach sessions; the core then ends or keeps them,
  // depending on whether the live store outlives this process. Heartbeats already read are touched.
  app.addHook('preClose', async () => {
    clearInterval(pinger);
    stopListening();
    for (const conn of connections) {
      conn.released = true;
      stopHelloTimer(conn);
    }
    flushHeartbeats();
    await flushing;
  });
};

function isPlainHeartbeat(data: RawData): boolean {
  if (!Buffer.isBuffer(data) || data.length !== PLAIN_HEARTBEAT.length) return false;
  // 13 bytes compared here cost less than Buffer#equals' call into C++.
  for (let i = 0; i < PLAIN_HEARTBEAT.length; i++) if (data[i] !== PLAIN_HEARTBEAT[i]) return false;
  return true;
}

/**
 * Lets the upgrade's ServerResponse (and through it the IncomingMessage) go. @fastify/websocket
 * answers the upgrade through a response it assigns to the TCP socket, and a hijacked reply never
 * finishes, so the socket would keep both (with their headers) for as long as it stays open.
 */
function releaseUpgrade(request: FastifyRequest): void {
  const tcp = request.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | undefined;
  tcp?._httpMessage?.detachSocket(tcp);
}

function sessionOf(conn: Connection): number {
  if (conn.sessionId === undefined) throw new RollcallError('invalid_body', 'send hello or resume first');
  return conn.sessionId;
}

function actorOf(conn: Connection): Actor {
  if (!conn.actor) throw new RollcallError('invalid_body', 'send hello or resume first');
  return conn.actor;
}
