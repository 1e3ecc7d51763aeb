// WebSocket ingest `GET /v1/connect` (specs/INGEST.md): the route hands every upgraded socket to
// SocketSessions (socket-sessions.ts), which carries the protocol and the sessions' lifecycle.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Credentials } from '../auth/credentials.ts';
import { PlaceWatch } from '../core/place-watch.ts';
import type { PresenceService } from '../core/presence-service.ts';
import { SocketSessions } from './socket-sessions.ts';

export interface WsIngestOptions {
  presence: PresenceService;
  credentials: Credentials;
  heartbeatMs: number;
}

export const wsIngestRoute: FastifyPluginAsync<WsIngestOptions> = async (app, { presence, credentials, heartbeatMs }) => {
  const places = new PlaceWatch({
    listSessions: (query) => presence.listSessions(query),
    subscribe: (listener) => presence.subscribe(listener),
    onResync: (listener) => presence.onResync(listener),
  });
  const sockets = new SocketSessions({
    presence,
    credentials,
    heartbeatMs,
    logError: (error, context) => app.log.error({ err: error }, `${context} failed`),
    places,
  });
  app.addHook('onClose', async () => places.close());

  app.get('/v1/connect', { websocket: true }, (socket: WebSocket, request: FastifyRequest) => {
    // @fastify/websocket's 'error' listener holds the Fastify request and reply (for its errorHandler)
    // as long as the socket lives; SocketSessions' shared one does the same (log, drop) without them.
    socket.removeAllListeners('error');
    sockets.accept(socket, { remoteAddress: request.ip, authorization: request.headers.authorization });
    releaseUpgrade(request);
  });

  // Shutdown: the websocket plugin closes every socket with 1012 (see server/app.ts) after this.
  app.addHook('preClose', () => sockets.shutdown());
};

/**
 * Lets the upgrade's ServerResponse (and through it the IncomingMessage) go. @fastify/websocket
 * answers the upgrade through a response it assigns to the TCP socket, and a hijacked reply never
 * finishes, so the socket would keep both (with their headers) for as long as it stays open.
 */
function releaseUpgrade(request: FastifyRequest): void {
  const tcp = request.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | undefined;
  tcp?._httpMessage?.detachSocket(tcp);
}
