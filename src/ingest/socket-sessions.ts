// The sockets of WebSocket ingest (specs/INGEST.md) and the sessions they carry. One socket carries one
// session: hello or resume binds it, hb/update/bye act on it. Liveness is WebSocket ping/pong: every
// socket is checked once per interval, a share of them at a time (ping-shares.ts); the signs of life a
// share's check found are reported to the core in one batch. A socket that misses two pings is
// terminated and its session ended; a socket that closes leaves its session waiting for a resume (on
// this node or another). A socket that sent a frame since its last check is known to be there and is
// not pinged.
//
// The hot path is the plain heartbeat an SDK sends every `heartbeatMs` on a bound socket: it is known
// by its bytes (no parse, no validation, no promise per frame), and the sessions of every such frame
// read in one event-loop turn are touched with one core call. Every other frame is parsed, validated
// and handled in arrival order. A server holds many thousands of mostly idle sockets for hours, so a
// socket's state is one small object and all sockets share one set of event handlers.
//
// Nothing here knows Fastify: ws-route.ts hands over each upgraded socket, and tests drive this class
// with sockets of their own.
import { channel } from 'node:diagnostics_channel';
import { Type } from '@sinclair/typebox';
import type { RawData, WebSocket } from 'ws';
import type { Credentials } from '../auth/credentials.ts';
import { actorForSession, type Actor, type ConnectionFacts } from '../core/actor.ts';
import { RollcallError, isRollcallError } from '../core/errors.ts';
import { HeartbeatSchema, HelloSessionSchema, UpdateSessionSchema } from '../core/input-schemas.ts';
import type { PlaceWatch } from '../core/place-watch.ts';
import { PLACE_NAME_MAX } from '../core/places.ts';
import type { PresenceChange } from '../core/model.ts';
import type { OpenedSession, PresenceService } from '../core/presence-service.ts';
import { CloseCode, HELLO_TIMEOUT_MS, MAX_INVALID_FRAMES, WsErrorCode } from './protocol.ts';
import { PingShares, pingShareCount } from './ping-shares.ts';
import { sendPrebuilt, type PrebuiltFrame } from './prebuilt-frames.ts';
import { SocketWatches, type SocketWatchState } from './socket-watches.ts';
import { validateBody } from './validation.ts';

/**
 * Heartbeat frames the fast path finished, published once per batch as `{ frames }`: frames whose
 * session the core touched (pongs and refused frames are not in it). For observers in the same process
 * (the benchmark counts with it); without a subscriber it costs one property read per batch.
 */
export const heartbeatFramesChannel = channel('rollcall:ws-heartbeat-frames');
export interface HeartbeatFramesMessage {
  frames: number;
}

/** What the sockets need of the core. */
export type SocketSessionsCore = Pick<
  PresenceService,
  'nodeId' | 'open' | 'resume' | 'heartbeat' | 'update' | 'changePlace' | 'end' | 'detach' | 'timeOut' | 'keepAlive' | 'subscribe'
>;

export interface SocketSessionsOptions {
  presence: SocketSessionsCore;
  credentials: Pick<Credentials, 'ingestActor'>;
  /** Milliseconds between two checks of a socket; sent to clients as the heartbeat interval. */
  heartbeatMs: number;
  /** Where faults that have no client to tell go. */
  logError: (error: unknown, context: string) => void;
  /** Whether a timer runs the ping rounds (default); tests call pingRound() themselves. */
  pingTimer?: boolean;
  /** Who is in which place, for `watch` frames; without it they are refused. */
  places?: PlaceWatch;
}

/** What the upgrade request told about a new socket. */
export interface SocketOrigin {
  remoteAddress: string;
  /** The upgrade's Authorization header: it may hold the ingest key, so it is kept only until hello. */
  authorization: string | undefined;
}

const HelloFrame = Type.Object(
  { type: Type.Literal('hello'), token: Type.Optional(Type.String({ maxLength: 4096 })), session: HelloSessionSchema },
  { additionalProperties: false },
);
const ResumeFrame = Type.Object(
  {
    type: Type.Literal('resume'),
    resumeToken: Type.String({ minLength: 3, maxLength: 256 }),
    // The client token again, for what only it grants (joining and watching places); optional.
    token: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const HbFrame = Type.Composite([Type.Object({ type: Type.Literal('hb') }), HeartbeatSchema], { additionalProperties: false });
const UpdateFrame = Type.Composite([Type.Object({ type: Type.Literal('update') }), UpdateSessionSchema], {
  additionalProperties: false,
});
const ByeFrame = Type.Object({ type: Type.Literal('bye') }, { additionalProperties: false });
const PlaceFrame = (type: 'join' | 'leave' | 'watch' | 'unwatch') =>
  Type.Object(
    { type: Type.Literal(type), place: Type.String({ minLength: 1, maxLength: PLACE_NAME_MAX }) },
    { additionalProperties: false },
  );
const JoinFrame = PlaceFrame('join');
const LeaveFrame = PlaceFrame('leave');
const WatchFrame = PlaceFrame('watch');
const UnwatchFrame = PlaceFrame('unwatch');

/** A heartbeat with nothing to report, byte for byte as the SDK sends it (`JSON.stringify({ type: 'hb' })`). */
const PLAIN_HEARTBEAT = Buffer.from('{"type":"hb"}');
const INTERNAL_ERROR = { type: 'error', code: 'internal', message: 'internal error' } as const;

/**
 * One socket's state. Every field is set at creation, so all connections share one object shape; the
 * fields every frame reads come first, so a heartbeat touches one cache line of it.
 */
interface Connection {
  sessionId: number | undefined;
  /** What the socket showed since its last check: `Life` bits. */
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
  /** The places it watches, from its first `watch` frame. */
  watches: SocketWatchState | undefined;
  /** Which share of the ping round checks it (ping-shares.ts). */
  share: number;
}
type Task = () => Promise<void>;

/**
 * Each socket carries its connection under this key, until it closes: the shared handlers read it with
 * one property load, where a Map keyed by socket cost a few CPU cache misses per frame.
 */
const kConnection = Symbol('rollcall.connection');
type ConnectedSocket = WebSocket & { [kConnection]?: Connection | undefined };
const connectionOf = (socket: WebSocket) => (socket as ConnectedSocket)[kConnection];

/** Signs of life a socket gave since its last check. */
const Life = { none: 0, pong: 1, frame: 2 } as const;

export class SocketSessions {
  /** Every open socket's state. */
  private readonly connections: PingShares<Connection>;
  /** Sockets bound to a session on this node, by session id. */
  private readonly bound = new Map<number, Connection>();
  private readonly presence: SocketSessionsCore;
  private readonly watches: SocketWatches | undefined;
  private readonly credentials: Pick<Credentials, 'ingestActor'>;
  private readonly heartbeatMs: number;
  private readonly logError: (error: unknown, context: string) => void;
  private readonly pinger: NodeJS.Timeout | undefined;
  private readonly stopListening: () => void;
  // Plain heartbeats read in this event-loop turn, one entry per frame (a socket may send two).
  private pendingIds: number[] = [];
  private pendingConns: Connection[] = [];
  private flushing: Promise<void> | undefined;
  // The handlers every socket shares, made once: `this` in them is the socket.
  private readonly onMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;
  private readonly onSocketError: (this: WebSocket, error: Error) => void;
  private readonly flushHeartbeatsNow = () => this.flushHeartbeats();
  private readonly helloTimedOut = (conn: Connection) => this.closeWith(conn, CloseCode.helloTimeout, 'no hello');

  constructor(options: SocketSessionsOptions) {
    this.presence = options.presence;
    this.credentials = options.credentials;
    this.heartbeatMs = options.heartbeatMs;
    this.connections = new PingShares(pingShareCount(options.heartbeatMs), options.heartbeatMs, performance.now());
    this.logError = options.logError;
    this.watches = options.places && new SocketWatches(options.places);

    const sessions = this;
    this.onMessage = function (this: WebSocket, data: RawData, isBinary: boolean): void {
      const conn = connectionOf(this);
      if (!conn) return;
      conn.life |= Life.frame;
      const id = conn.sessionId;
      if (id !== undefined && !conn.released && !isBinary && isPlainHeartbeat(data)) {
        sessions.acceptHeartbeat(conn, id);
        return;
      }
      sessions.enqueue(conn, () => sessions.handleMessage(conn, data, isBinary));
    };
    this.onPong = function (this: WebSocket): void {
      const conn = connectionOf(this);
      if (conn) conn.life |= Life.pong;
    };
    this.onClose = function (this: WebSocket): void {
      const conn = connectionOf(this);
      if (conn) sessions.closed(conn);
    };
    this.onSocketError = function (this: WebSocket, error: Error): void {
      sessions.logError(error, 'websocket');
      this.terminate();
    };

    // Sessions the core ended (admin, expiry, another node) are told why and closed. A session resumed
    // on another node of the cluster is attached there now: a socket still open here is let go without
    // detaching the session it no longer holds.
    this.stopListening = this.presence.subscribe((change: PresenceChange) => {
      if (change.type !== 'session.ended' && change.type !== 'session.updated') return;
      const conn = this.bound.get(change.session.id);
      if (!conn) return;
      if (change.type === 'session.ended') {
        this.send(conn, { type: 'ended', reason: change.reason });
        this.closeWith(conn, CloseCode.sessionEnded, change.reason);
      } else if (change.session.nodeId !== this.presence.nodeId) {
        this.closeWith(conn, CloseCode.replaced, 'resumed on another node');
      }
    });
    if (options.pingTimer ?? true) {
      this.pinger = setInterval(() => {
        for (const share of this.connections.due(performance.now())) this.check(share);
      }, this.connections.turnMs);
      this.pinger.unref();
    }
  }

  /** Takes a freshly upgraded socket; it has HELLO_TIMEOUT_MS to say hello or resume. */
  accept(socket: WebSocket, origin: SocketOrigin): void {
    const conn: Connection = {
      sessionId: undefined,
      life: Life.none,
      released: false,
      missedPings: 0,
      invalidFrames: 0,
      socket,
      actor: undefined,
      remoteAddress: origin.remoteAddress,
      authorization: origin.authorization,
      helloTimer: undefined,
      backlog: undefined,
      watches: undefined,
      share: 0,
    };
    conn.helloTimer = setTimeout(this.helloTimedOut, HELLO_TIMEOUT_MS, conn);
    this.connections.add(conn);
    (socket as ConnectedSocket)[kConnection] = conn;
    socket.on('error', this.onSocketError);
    socket.on('message', this.onMessage);
    socket.on('pong', this.onPong);
    socket.on('close', this.onClose);
  }

  /** Open sockets. */
  get size(): number {
    return this.connections.size;
  }

  /** Checks every socket now: the round the timer runs a share at a time over each interval. */
  pingRound(): void {
    this.check(this.connections);
  }

  /**
   * Checks sockets: two unanswered pings in a row end the session. A socket that sent a frame since its
   * last check needs no ping to show it is there (an SDK sends one every interval): if it then goes
   * quiet, the next check pings it and the one after ends it, as soon as before.
   */
  private check(connections: Iterable<Connection>): void {
    const alive: number[] = [];
    for (const conn of connections) {
      const life = conn.life;
      conn.life = Life.none;
      if (life !== Life.none) {
        conn.missedPings = 0;
        if (conn.sessionId !== undefined) alive.push(conn.sessionId);
        if (life & Life.frame) continue;
      } else if (++conn.missedPings >= 2) {
        void this.timeOut(conn);
        continue;
      }
      conn.socket.ping();
    }
    if (alive.length > 0) this.presence.keepAlive(alive).catch((error: unknown) => this.logError(error, 'keep-alive'));
  }

  /**
   * Shutdown: the sockets are about to be closed (1012, "reconnect and resume") by the server. They are
   * released here so their closing does not detach sessions; the core then ends or keeps the sessions,
   * depending on whether the live store outlives this process. Heartbeats already read are touched.
   */
  async shutdown(): Promise<void> {
    clearInterval(this.pinger);
    this.stopListening();
    for (const conn of this.connections) {
      conn.released = true;
      this.stopHelloTimer(conn);
    }
    this.flushHeartbeats();
    await this.flushing;
  }

  // ---- the plain heartbeat: one core call per event-loop turn ---------------------------------------
  // A plain sign of life is idempotent, so it needs no place in its socket's order: it may be touched
  // before a frame that came earlier is done. Each frame is one entry, so what is counted is frames.

  private acceptHeartbeat(conn: Connection, id: number): void {
    // setImmediate runs after every socket read of this turn: the frames of all of them go in one call.
    if (this.pendingIds.length === 0) setImmediate(this.flushHeartbeatsNow);
    this.pendingIds.push(id);
    this.pendingConns.push(conn);
  }

  private flushHeartbeats(): void {
    if (this.pendingIds.length === 0) return;
    const ids = this.pendingIds;
    const conns = this.pendingConns;
    this.pendingIds = [];
    this.pendingConns = [];
    this.flushing = this.touchHeartbeats(ids, conns).catch((error: unknown) => this.logError(error, 'websocket heartbeats'));
  }

  private async touchHeartbeats(ids: readonly number[], conns: readonly Connection[]): Promise<void> {
    let unknown: number[];
    try {
      unknown = await this.presence.keepAlive(ids);
    } catch (error) {
      // As on the full path: the sender of each frame hears of it, the log has the details.
      this.logError(error, 'websocket heartbeats');
      for (const conn of conns) this.send(conn, INTERNAL_ERROR);
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
      if (gone.has(id) && this.bound.get(id) === conn) this.sessionGone(conn);
    });
  }

  // ---- every other frame, in order ------------------------------------------------------------------

  /** Runs a socket's work one piece after another; work is chained only while another is in flight. */
  private enqueue(conn: Connection, task: Task): void {
    if (conn.backlog) {
      conn.backlog.push(task);
      return;
    }
    conn.backlog = [];
    void this.drain(conn, task);
  }

  private async drain(conn: Connection, first: Task): Promise<void> {
    for (let task: Task | undefined = first; task; task = conn.backlog?.shift()) {
      try {
        await task();
      } catch (error) {
        this.logError(error, 'websocket frame');
      }
    }
    conn.backlog = undefined;
  }

  private async handleMessage(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    } catch {
      return this.refuse(conn, WsErrorCode.invalidMessage, 'each frame must be one JSON object in a text frame');
    }
    if (typeof frame !== 'object' || frame === null || typeof (frame as { type?: unknown }).type !== 'string') {
      return this.refuse(conn, WsErrorCode.invalidMessage, 'type: required (hello, resume, hb, update or bye)');
    }
    try {
      await this.handleFrame(conn, frame as { type: string });
    } catch (error) {
      if (!isRollcallError(error)) {
        this.logError(error, 'websocket frame');
        this.send(conn, INTERNAL_ERROR);
        return;
      }
      if (error.code === 'unauthorized') {
        this.send(conn, { type: 'error', code: WsErrorCode.unauthorized, message: error.message });
        this.closeWith(conn, CloseCode.unauthorized, 'unauthorized');
        return;
      }
      if (error.code === 'not_found' && conn.sessionId !== undefined) return this.sessionGone(conn);
      this.refuse(
        conn,
        error.code === 'forbidden' ? WsErrorCode.forbidden : error.code === 'invalid_body' ? WsErrorCode.invalidBody : error.code,
        error.message,
      );
    }
  }

  private async handleFrame(conn: Connection, frame: { type: string }): Promise<void> {
    switch (frame.type) {
      case 'hello': {
        if (conn.sessionId !== undefined) throw new RollcallError('invalid_body', 'this socket already carries a session');
        const hello = validateBody(HelloFrame, frame);
        const actor = await this.credentials.ingestActor(conn.authorization, hello.token, conn.remoteAddress);
        this.bind(conn, await this.presence.open(hello.session, actor, connectionFacts(conn)), actor);
        return;
      }
      case 'resume': {
        if (conn.sessionId !== undefined) throw new RollcallError('invalid_body', 'this socket already carries a session');
        const { resumeToken, token } = validateBody(ResumeFrame, frame);
        // Checked first: a bad token refuses the resume rather than half-granting it.
        const tokenActor = token === undefined ? undefined : await this.credentials.ingestActor(undefined, token, conn.remoteAddress);
        let resumed: OpenedSession;
        try {
          resumed = await this.presence.resume(resumeToken, connectionFacts(conn));
        } catch (error) {
          if (isRollcallError(error) && error.code === 'not_found') {
            this.send(conn, { type: 'error', code: WsErrorCode.unknownSession, message: error.message });
            return;
          }
          throw error;
        }
        // The resume token was the credential; later frames act for the session's own user, with the
        // grants of a client token sent along when it is that user's.
        const sameUser = tokenActor?.kind === 'client' && tokenActor.userId === resumed.session.user.id;
        this.bind(conn, resumed, sameUser ? tokenActor : undefined);
        return;
      }
      case 'hb': {
        const { type: _, ...body } = validateBody(HbFrame, frame);
        await this.presence.heartbeat(sessionOf(conn), body, actorOf(conn));
        return;
      }
      case 'update': {
        const { type: _, ...body } = validateBody(UpdateFrame, frame);
        await this.presence.update(sessionOf(conn), body, actorOf(conn));
        return;
      }
      case 'join': {
        const { place } = validateBody(JoinFrame, frame);
        await this.presence.changePlace(sessionOf(conn), { join: place }, actorOf(conn));
        return;
      }
      case 'leave': {
        const { place } = validateBody(LeaveFrame, frame);
        await this.presence.changePlace(sessionOf(conn), { leave: place }, actorOf(conn));
        return;
      }
      case 'watch': {
        const { place } = validateBody(WatchFrame, frame);
        if (!this.watches) throw new RollcallError('invalid_body', 'this server does not take watch frames');
        sessionOf(conn); // a socket watches for the user of its session
        conn.watches = await this.watches.watch(conn.watches, (frame) => this.sendPrebuilt(conn, frame), place, actorOf(conn));
        return;
      }
      case 'unwatch': {
        const { place } = validateBody(UnwatchFrame, frame);
        this.watches?.unwatch(conn.watches, place);
        return;
      }
      case 'bye': {
        validateBody(ByeFrame, frame);
        const id = sessionOf(conn);
        this.bound.delete(id);
        conn.released = true;
        await this.presence.end(id, actorOf(conn));
        this.closeWith(conn, CloseCode.normal, 'bye');
        return;
      }
      default:
        throw new RollcallError('invalid_body', `type: must be one of hello, resume, hb, update, join, leave, watch, unwatch, bye`);
    }
  }

  private bind(conn: Connection, opened: OpenedSession, actor: Actor | undefined): void {
    const { session, resumeToken } = opened;
    const previous = this.bound.get(session.id);
    if (previous && previous !== conn) this.closeWith(previous, CloseCode.replaced, 'resumed on another socket');
    conn.sessionId = session.id;
    conn.actor = actorForSession(actor, session);
    conn.authorization = undefined;
    this.bound.set(session.id, conn);
    this.stopHelloTimer(conn);
    this.send(conn, { type: 'welcome', sessionId: session.id, resumeToken, heartbeatMs: this.heartbeatMs });
  }

  private refuse(conn: Connection, code: string, message: string): void {
    this.send(conn, { type: 'error', code, message });
    if (++conn.invalidFrames >= MAX_INVALID_FRAMES) this.closeWith(conn, CloseCode.protocolAbuse, 'too many invalid frames');
  }

  // ---- endings --------------------------------------------------------------------------------------

  /** The socket closed: its session waits for a resume, after the frames that came before the close. */
  private closed(conn: Connection): void {
    this.forget(conn);
    this.stopHelloTimer(conn);
    const id = conn.sessionId;
    if (id === undefined || conn.released || this.bound.get(id) !== conn) return;
    this.bound.delete(id);
    this.enqueue(conn, () => this.presence.detach(id).catch((error: unknown) => this.logError(error, 'detach')));
  }

  private async timeOut(conn: Connection): Promise<void> {
    this.forget(conn);
    const id = conn.sessionId;
    this.closeWith(conn, CloseCode.sessionEnded, 'ping_timeout');
    conn.socket.terminate();
    if (id !== undefined) await this.presence.timeOut(id).catch((error: unknown) => this.logError(error, 'ending a timed-out session'));
  }

  /** The session ended under this socket (expiry, another node): the client must open anew. */
  private sessionGone(conn: Connection): void {
    this.send(conn, { type: 'ended', reason: 'expired' });
    this.closeWith(conn, CloseCode.sessionEnded, 'expired');
  }

  private closeWith(conn: Connection, code: number, reason: string): void {
    conn.released = true;
    this.stopHelloTimer(conn);
    if (conn.sessionId !== undefined && this.bound.get(conn.sessionId) === conn) this.bound.delete(conn.sessionId);
    conn.socket.close(code, reason);
  }

  /** Forgets a socket's state: its later events (a close after a time-out) find nothing to do. */
  private forget(conn: Connection): void {
    this.watches?.release(conn.watches);
    this.connections.delete(conn);
    (conn.socket as ConnectedSocket)[kConnection] = undefined;
  }

  private stopHelloTimer(conn: Connection): void {
    clearTimeout(conn.helloTimer);
    conn.helloTimer = undefined;
  }

  private send(conn: Connection, frame: object): void {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(frame));
  }

  /** A frame built once for many sockets (a place's, shared by all its watchers). */
  private sendPrebuilt(conn: Connection, frame: PrebuiltFrame): void {
    if (conn.socket.readyState === conn.socket.OPEN) sendPrebuilt(conn.socket, frame);
  }
}

function isPlainHeartbeat(data: RawData): boolean {
  if (!Buffer.isBuffer(data) || data.length !== PLAIN_HEARTBEAT.length) return false;
  // 13 bytes compared here cost less than Buffer#equals' call into C++.
  for (let i = 0; i < PLAIN_HEARTBEAT.length; i++) if (data[i] !== PLAIN_HEARTBEAT[i]) return false;
  return true;
}

const connectionFacts = (conn: Connection): ConnectionFacts => ({ transport: 'websocket', remoteAddress: conn.remoteAddress });

function sessionOf(conn: Connection): number {
  if (conn.sessionId === undefined) throw new RollcallError('invalid_body', 'send hello or resume first');
  return conn.sessionId;
}

function actorOf(conn: Connection): Actor {
  if (!conn.actor) throw new RollcallError('invalid_body', 'send hello or resume first');
  return conn.actor;
}
