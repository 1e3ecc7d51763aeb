// WebSocket ingest `GET /v1/connect` (specs/INGEST.md). One socket carries one session: hello or
// resume binds it, hb/update/bye act on it. Liveness is WebSocket ping/pong, checked for all sockets by
// one timer; pongs are reported to the core in one batch per interval. A socket that misses two pings
// is terminated and its session ended; a socket that closes leaves its session waiting for a resume.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Credentials } from '../auth/credentials.ts';
import type { Actor } from '../core/actor.ts';
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

/** One socket's state. */
interface Connection {
  socket: WebSocket;
  remoteAddress: string;
  authorization: string | undefined;
  actor?: Actor;
  sessionId?: number;
  invalidFrames: number;
  missedPings: number;
  /** Set when the socket showed life since the last report to the core. */
  aliveSinceReport: boolean;
  /** Set once the session is over for this socket, so its close does not detach anything. */
  released: boolean;
  helloTimer?: NodeJS.Timeout;
}

export const wsIngestRoute: FastifyPluginAsync<WsIngestOptions> = async (app, { presence, credentials, heartbeatMs }) => {
  /** Sockets bound to a session on this node, by session id. */
  const bound = new Map<number, Connection>();
  const all = new Set<Connection>();

  const send = (conn: Connection, frame: object) => {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(frame));
  };
  const closeWith = (conn: Connection, code: number, reason: string) => {
    conn.released = true;
    clearTimeout(conn.helloTimer);
    if (conn.sessionId !== undefined && bound.get(conn.sessionId) === conn) bound.delete(conn.sessionId);
    conn.socket.close(code, reason);
  };

  // Sessions the core ended (admin, expiry, another node) are told why and closed.
  const stopListening = presence.subscribe((change: PresenceChange) => {
    if (change.type !== 'session.ended') return;
    const conn = bound.get(change.session.id);
    if (!conn) return;
    send(conn, { type: 'ended', reason: change.reason });
    closeWith(conn, CloseCode.sessionEnded, change.reason);
  });

  // One timer pings every socket; two unanswered pings in a row end the session.
  const pinger = setInterval(() => {
    const alive: number[] = [];
    for (const conn of all) {
      if (conn.aliveSinceReport) {
        conn.aliveSinceReport = false;
        conn.missedPings = 0;
        if (conn.sessionId !== undefined) alive.push(conn.sessionId);
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
    all.delete(conn);
    const id = conn.sessionId;
    closeWith(conn, CloseCode.sessionEnded, 'ping_timeout');
    conn.socket.terminate();
    if (id !== undefined) await presence.timeOut(id).catch((error: unknown) => app.log.error({ err: error }, 'ending a timed-out session failed'));
  };

  const bind = (conn: Connection, opened: OpenedSession) => {
    const { session, resumeToken } = opened;
    const previous = bound.get(session.id);
    if (previous && previous !== conn) closeWith(previous, CloseCode.replaced, 'resumed on another socket');
    conn.sessionId = session.id;
    bound.set(session.id, conn);
    clearTimeout(conn.helloTimer);
    send(conn, { type: 'welcome', sessionId: session.id, resumeToken, heartbeatMs });
  };

  const handleFrame = async (conn: Connection, frame: { type: string }) => {
    const connection = { transport: 'websocket' as const, remoteAddress: conn.remoteAddress };
    switch (frame.type) {
      case 'hello': {
        if (conn.sessionId !== undefined) throw new RollcallError('invalid_body', 'this socket already carries a session');
        const hello = validateBody(HelloFrame, frame);
        conn.actor = await credentials.ingestActor(conn.authorization, hello.token);
        bind(conn, await presence.open(hello.session, conn.actor, connection));
        return;
      }
      case 'resume': {
        if (conn.sessionId !== undefined) throw new RollcallError('invalid_body', 'this socket already carries a session');
        const { resumeToken } = validateBody(ResumeFrame, frame);
        let resumed: OpenedSession;
        try {
          resumed = await presence.resume(resumeToken, connection);
        } catch (error) {
          if (isRollcallError(error) && error.code === 'not_found') {
            send(conn, { type: 'error', code: WsErrorCode.unknownSession, message: error.message });
            return;
          }
          throw error;
        }
        // The resume token was the credential; later frames act for the session's own user.
        const { user } = resumed.session;
        conn.actor = { kind: 'client', userId: user.id, clientTypes: [resumed.session.clientType] };
        bind(conn, resumed);
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

  const onMessage = async (conn: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    conn.aliveSinceReport = true;
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
        send(conn, { type: 'error', code: 'internal', message: 'internal error' });
        return;
      }
      if (error.code === 'unauthorized') {
        send(conn, { type: 'error', code: WsErrorCode.unauthorized, message: error.message });
        closeWith(conn, CloseCode.unauthorized, 'unauthorized');
        return;
      }
      if (error.code === 'not_found' && conn.sessionId !== undefined) {
        // The session ended under this socket (expiry, another node): the client must open anew.
        send(conn, { type: 'ended', reason: 'expired' });
        closeWith(conn, CloseCode.sessionEnded, 'expired');
        return;
      }
      refuse(conn, error.code === 'forbidden' ? WsErrorCode.forbidden : error.code === 'invalid_body' ? WsErrorCode.invalidBody : error.code, error.message);
    }
  };

  const refuse = (conn: Connection, code: string, message: string) => {
    send(conn, { type: 'error', code, message });
    if (++conn.invalidFrames >= MAX_INVALID_FRAMES) closeWith(conn, CloseCode.protocolAbuse, 'too many invalid frames');
  };

  app.get('/v1/connect', { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
    const conn: Connection = {
      socket,
      remoteAddress: request.ip,
      authorization: request.headers.authorization,
      invalidFrames: 0,
      missedPings: 0,
      aliveSinceReport: false,
      released: false,
    };
    all.add(conn);
    conn.helloTimer = setTimeout(() => closeWith(conn, CloseCode.helloTimeout, 'no hello'), HELLO_TIMEOUT_MS);
    // Frames of one socket are handled one after another, in the order they came.
    let queue = Promise.resolve();
    socket.on('message', (data, isBinary) => {
      queue = queue.then(() => onMessage(conn, data, isBinary));
    });
    socket.on('pong', () => {
      conn.aliveSinceReport = true;
    });
    socket.on('close', () => {
      all.delete(conn);
      clearTimeout(conn.helloTimer);
      const id = conn.sessionId;
      if (id === undefined || conn.released || bound.get(id) !== conn) return;
      bound.delete(id);
      queue = queue.then(() => presence.detach(id)).catch((error: unknown) => app.log.error({ err: error }, 'detach failed'));
    });
  });

  // Shutdown: the websocket plugin closes every socket with 1012 (see server/app.ts). Sockets are
  // released here so their closing does not detach sessions; the core then ends or keeps them,
  // depending on whether the live store outlives this process.
  app.addHook('preClose', async () => {
    clearInterval(pinger);
    stopListening();
    for (const conn of all) {
      conn.released = true;
      clearTimeout(conn.helloTimer);
    }
  });
};

function sessionOf(conn: Connection): number {
  if (conn.sessionId === undefined) throw new RollcallError('invalid_body', 'send hello or resume first');
  return conn.sessionId;
}

function actorOf(conn: Connection): Actor {
  if (!conn.actor) throw new RollcallError('invalid_body', 'send hello or resume first');
  return conn.actor;
}
