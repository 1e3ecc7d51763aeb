// `GET /v1/events`: the change stream as Server-Sent Events, for any reader (an account with Basic
// auth, or an API key as a Bearer token, so `fetch` with an Authorization header works as well as an
// EventSource behind a proxy that adds it). The handler checks the filter, takes the response over
// from Fastify (it never ends by itself), and leaves the rest to an SseConnection.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireReader } from '../api/access.ts';
import { READER_SECURITY, errorResponses } from '../api/schemas.ts';
import type { Credentials } from '../auth/credentials.ts';
import { RollcallError } from '../core/errors.ts';
import { CLIENT_TYPES, type ClientType, type PresenceChangeType } from '../core/model.ts';
import { isPlaceName, PLACE_NAME_MAX } from '../core/places.ts';
import type { EventHub } from './event-hub.ts';
import { PRESENCE_CHANGE_TYPES } from './event-types.ts';
import { SseConnection, type EventFilter } from './sse-connection.ts';

export interface EventStreamOptions {
  events: EventHub;
  credentials: Credentials;
  /** Events a client may fall behind before it is dropped: the backlog's size. */
  maxQueue: number;
  /** Milliseconds between keep-alive comments. */
  heartbeatMs: number;
  /** Given, once, how to count the streams open now (the metrics' connection gauge reads it when scraped). */
  exposeOpenCount?: (count: () => number) => void;
}

/** The reconnect delay the stream suggests to browsers (`retry:`), in milliseconds. */
export const RECONNECT_HINT_MS = 3_000;

/** Ids are safe integers; 16 digits cover them all. */
const EVENT_ID_PATTERN = '^[0-9]{1,16}$';

const EventsQuery = Type.Object(
  {
    types: Type.Optional(Type.String({ maxLength: 256, description: `Comma list of ${PRESENCE_CHANGE_TYPES.join(', ')}; default all` })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "Only this user's events" })),
    clientType: Type.Optional(
      Type.String({
        maxLength: 256,
        description: `Comma list of ${CLIENT_TYPES.join(', ')}: only session events of these client types (user events have none and are left out)`,
      }),
    ),
    place: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: PLACE_NAME_MAX,
        description:
          'Only events about this place: its place.join and place.leave, and session events of sessions in it (after the change; an ended session, as it was)',
      }),
    ),
    lastEventId: Type.Optional(
      Type.String({ pattern: EVENT_ID_PATTERN, description: 'Like the Last-Event-ID header, for clients that cannot set headers' }),
    ),
  },
  { additionalProperties: false },
);
const EventsHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({ pattern: EVENT_ID_PATTERN, description: 'The id of the last event received: what came after it is replayed' }),
  ),
});

const STREAM_DESCRIPTION = `Server-Sent Events. Each event is \`id: <integer>\`, \`event: <type>\`, \`data: <JSON>\` (an EventJson:
type, at, and session, user, reason, endedBy, lastSeenAt, place or sessionId as the type has them). place.join and
place.leave are per user, like user.online and user.offline: a user's first session in a place joins it, their
last one to go leaves it; a user.offline also means the user is in no place. The stream begins with
\`retry: ${RECONNECT_HINT_MS}\` and, unless it replays, an id-only block that sets the last event id. \`event: resync\`
says to reload state from the API: the events after Last-Event-ID are no longer kept (the stream then goes on
live), or the client fell too far behind (it is then disconnected). Idle streams get \`: keep-alive\` comments.`;

export const eventStreamRoutes: FastifyPluginAsyncTypebox<EventStreamOptions> = async (
  app,
  { events, credentials, maxQueue, heartbeatMs, exposeOpenCount },
) => {
  requireReader(app, credentials);
  const connections = new Set<SseConnection>();
  exposeOpenCount?.(() => connections.size);

  // One timer for every client: a thousand dashboards cost one interval, not a thousand.
  const keepAlive = setInterval(() => {
    for (const connection of connections) connection.keepAlive();
  }, heartbeatMs);
  keepAlive.unref();
  // The server stops accepting only once every response ended; streams never end by themselves.
  app.addHook('preClose', async () => {
    clearInterval(keepAlive);
    for (const connection of connections) connection.close();
  });

  app.get(
    '/v1/events',
    {
      schema: {
        summary: 'The change stream (Server-Sent Events)',
        tags: ['stream'],
        security: READER_SECURITY,
        querystring: EventsQuery,
        headers: EventsHeaders,
        response: {
          200: { description: STREAM_DESCRIPTION, content: { 'text/event-stream': { schema: Type.String() } } },
          ...errorResponses(400, 401),
        },
      },
    },
    async (request, reply) => {
      const filter = parseFilter(request.query);
      const lastEventId = request.headers['last-event-id'] ?? request.query.lastEventId;

      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx buffers responses unless told not to; a buffered stream is no stream.
        'x-accel-buffering': 'no',
      });
      // Closed by the client going away, by falling too far behind, or by the server stopping.
      let stopListening: (() => void) | undefined;
      const connection: SseConnection = new SseConnection(response, filter, {
        maxQueue,
        onClose: () => {
          stopListening?.();
          connections.delete(connection);
        },
      });
      connection.hello(RECONNECT_HINT_MS);
      connections.add(connection);
      // Listening starts before the backlog is read, so nothing falls between replay and live; the
      // connection holds live events until it knows where to start, and drops what it already sent.
      const stopEvents = events.listen((event) => connection.push(event));
      const stopResync = events.onResync(() => void events.backlog.latestId().then((latest) => connection.missed(latest)));
      stopListening = () => {
        stopEvents();
        stopResync();
      };
      response.on('close', () => connection.close());

      try {
        if (lastEventId === undefined) {
          connection.begin(await events.backlog.latestId());
        } else {
          const replay = await events.since(Number(lastEventId), maxQueue);
          if (replay.kind === 'events') connection.begin(Number(lastEventId), replay.events);
          else connection.resync('too_old', await events.backlog.latestId());
        }
      } catch (error) {
        request.log.error({ err: error }, 'change stream could not start');
        connection.close();
      }
    },
  );
};

function parseFilter(query: { types?: string; userId?: string; clientType?: string; place?: string }): EventFilter {
  if (query.place !== undefined && !isPlaceName(query.place)) {
    throw new RollcallError('invalid_parameter', 'place: a place name has no whitespace, control characters or *');
  }
  return {
    ...(query.place !== undefined && { place: query.place }),
    ...(query.types !== undefined && { types: new Set(commaList(query.types, PRESENCE_CHANGE_TYPES, 'types')) }),
    ...(query.userId !== undefined && { userId: query.userId }),
    ...(query.clientType !== undefined && { clientTypes: new Set(commaList(query.clientType, CLIENT_TYPES, 'clientType')) }),
  };
}

function commaList<T extends PresenceChangeType | ClientType>(list: string, allowed: readonly T[], name: string): T[] {
  const items = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const valid = (item: string): item is T => (allowed as readonly string[]).includes(item);
  if (items.length === 0 || !items.every(valid)) {
    throw new RollcallError('invalid_parameter', `${name}: must be a comma list of ${allowed.join(', ')}`);
  }
  return items as T[];
}
