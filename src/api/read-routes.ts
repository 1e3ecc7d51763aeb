// The read API: live sessions (filtered, searched, cursor-paged, counted), one session with its event
// log, users (online / offline / all), one user, the cluster's nodes, and the dashboard's numbers
// (`/v1/stats`). Readable by any account (Basic) or API key (Bearer); ingest credentials report, they
// do not read.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Credentials } from '../auth/credentials.ts';
import { RollcallError } from '../core/errors.ts';
import { LIMITS, SessionIdSchema } from '../core/input-schemas.ts';
import { CLIENT_TYPES, type ClientType, type Session, type UserPresence } from '../core/model.ts';
import { PLACE_NAME_MAX } from '../core/places.ts';
import { userNotFound, type PresenceService } from '../core/presence-service.ts';
import type { PresenceStats } from '../core/stats.ts';
import { BodyWriter } from '../http/body-writer.ts';
import { JSON_CONTENT_TYPE, sendJsonBytes } from '../http/json-reply.ts';
import { ResponseCache } from '../http/response-cache.ts';
import { sendShared } from '../http/send-shared.ts';
import { SharedAnswer } from '../http/shared-answer.ts';
import type { SessionFilter } from '../live/session-filter.ts';
import { requireReader } from './access.ts';
import { SessionJsonSchema, UserJsonSchema, sessionJson, toSeconds, userJson } from './presence-json.ts';
import { PresenceJsonWriter } from './presence-json-writer.ts';
import type { UsersAnswer } from './user-blocks.ts';
import { READER_SECURITY, errorResponses, stringEnum } from './schemas.ts';

export interface ReadRoutesOptions {
  presence: PresenceService;
  credentials: Credentials;
  stats: PresenceStats;
  /**
   * Milliseconds identical `/v1/sessions` page queries share one answer (http/response-cache.ts);
   * 0 or absent: every request computes its page. Every reader may read every session, so readers
   * share answers; only the query is the key.
   */
  cacheMs?: number;
}

/** Pages hold at most this many sessions; 20,000 sessions of a few KB each would be one huge answer. */
const MAX_PAGE = 1000;

const SessionsQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 256, description: `Comma list of client types: ${CLIENT_TYPES.join(', ')}` })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.userId })),
    userType: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.userType, description: 'Exactly, e.g. staff or customer' })),
    node: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'The node that owns the session' })),
    state: Type.Optional(stringEnum(['idle', 'active'] as const)),
    place: Type.Optional(
      Type.String({ minLength: 1, maxLength: PLACE_NAME_MAX, description: 'Sessions in this place (joined, or named by their view)' }),
    ),
    q: Type.Optional(
      Type.String({ maxLength: 256, description: 'Case-insensitive text in the user name, username, display names or hostname' }),
    ),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description: 'The nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 }),
  },
  { additionalProperties: false },
);
type SessionsQuery = Static<typeof SessionsQuery>;

const SessionsPage = Type.Object({
  sessions: Type.Array(SessionJsonSchema, { description: 'In ascending id order' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  total: Type.Integer({ description: 'Live sessions matching the filters, over all pages' }),
});

const UsersQuery = Type.Object(
  { status: stringEnum(['online', 'offline', 'all'] as const, { default: 'online' }) },
  { additionalProperties: false },
);

const CountMap = (description: string) => Type.Record(Type.String(), Type.Integer(), { description });
const ActivityCounts = Type.Object({ started: Type.Integer(), ended: Type.Integer() });
const Sample = Type.Object({
  at: Type.Integer({ description: 'Unix seconds' }),
  onlineUsers: Type.Integer(),
  sessions: Type.Integer(),
});
const NodeJson = Type.Object(
  {
    id: Type.String({ description: "The node's GUID (the dialects' appliance id)" }),
    hostname: Type.String({ description: "The machine's host name" }),
    publicHostname: Type.String({ description: 'The name clients reach it by (the host name unless configured)' }),
    role: stringEnum(['master', 'traffic'] as const),
    version: Type.String({ description: "rollcall's version on that node" }),
    startedAt: Type.Integer({ description: 'When it started (Unix seconds)' }),
    uptimeSeconds: Type.Integer({ minimum: 0 }),
    sessions: Type.Integer({ minimum: 0, description: 'Live sessions attached to it' }),
    self: Type.Boolean({ description: 'The node that answered this request' }),
  },
  { description: 'A rollcall process of the cluster' },
);

const StatsAnswer = Type.Object({
  sessions: Type.Object({
    total: Type.Integer(),
    byClientType: CountMap('Only types with sessions appear'),
    byUserType: CountMap('Only user types with sessions appear'),
    byNode: CountMap('By the node that owns each session'),
  }),
  users: Type.Object({ online: Type.Integer() }),
  activity: Type.Object(
    { lastMinute: ActivityCounts, lastHour: ActivityCounts },
    { description: 'Sessions started and ended, on every node, within the last 60 and 3600 seconds' },
  ),
  samples: Type.Object({
    hour: Type.Array(Sample, { description: 'Every sample of the last hour (one per statsSampleMs), oldest first' }),
    day: Type.Array(Sample, { description: 'The last 24 hours: per 10 minutes, the peak of its samples, at its start' }),
  }),
});

const USERS_KEY = Buffer.from('{"users":');

export const readRoutes: FastifyPluginAsyncTypebox<ReadRoutesOptions> = async (app, { presence, credentials, stats, cacheMs = 0 }) => {
  requireReader(app, credentials);
  const common = { tags: ['read'], security: READER_SECURITY };
  // Long lists are written from per-session fragments rather than by the response schema's serializer
  // (presence-json-writer.ts); the schemas stay on the routes for validation and the OpenAPI document.
  const json = new PresenceJsonWriter();
  const pages = new ResponseCache<SharedAnswer>({ windowMs: cacheMs, version: () => presence.appliedSeq() });
  let lastOnline: OnlineAnswer | undefined;
  app.addHook('onClose', async () => {
    pages.clear();
    json.clear();
    lastOnline = undefined;
  });

  app.get(
    '/v1/sessions',
    {
      schema: {
        ...common,
        summary: 'List live sessions',
        description:
          'Filtered, searched and paged in stable ascending id order. Sessions that start or end between pages never shift a page.',
        querystring: SessionsQuery,
        response: {
          200: SessionsPage,
          // Only while pages are shared (cacheMs above 0): they then carry an ETag.
          304: Type.Null({ description: 'Not modified: the page the client holds (If-None-Match) is current' }),
          ...errorResponses(400, 401),
        },
      },
    },
    async (request, reply) => {
      const { cursor, limit } = request.query;
      const filter = sessionFilter(request.query);
      const key = JSON.stringify([filter, cursor ?? null, limit]);
      const answer = await pages.get(key, async () => {
        const [sessions, total] = await Promise.all([
          // One more than a page tells whether another page follows, without a second query.
          presence.listSessions({ ...filter, ...(cursor !== undefined && { afterId: Number(cursor) }), limit: limit + 1 }),
          presence.countSessions(filter),
        ]);
        const page = sessions.slice(0, limit);
        const nextCursor = sessions.length > limit ? String(page.at(-1)!.id) : null;
        const out = new BodyWriter();
        out.ascii('{"sessions":');
        await json.writeSessions(
          out,
          page,
          json.serializers((schema) => reply.compileSerializationSchema(schema)),
        );
        out.ascii(`,"nextCursor":${JSON.stringify(nextCursor)},"total":${total}}`);
        return new SharedAnswer(out.whole());
      });
      return pages.shares ? sendShared(request, reply, answer, { contentType: JSON_CONTENT_TYPE }) : sendJsonBytes(reply, answer.body);
    },
  );

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        ...common,
        summary: 'One live session',
        description: 'With its connections and its event log (the last 20 connection events).',
        params: Type.Object({ id: SessionIdSchema }),
        response: { 200: SessionJsonSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const session = await presence.getSession(request.params.id);
      if (!session) throw new RollcallError('not_found', `session ${request.params.id} is not live`);
      return sessionJson(session);
    },
  );

  app.get(
    '/v1/users',
    {
      schema: {
        ...common,
        summary: 'Online and offline users',
        description:
          'Online users with their live sessions (in order of their first session); offline users seen within the offline window, most recent first, with lastSeenAt.',
        querystring: UsersQuery,
        response: {
          200: Type.Object({ users: Type.Array(UserJsonSchema), count: Type.Integer() }),
          ...errorResponses(400, 401),
        },
      },
    },
    async (request, reply) => {
      const { status } = request.query;
      const users = await presence.users(status);
      // The core answers the same array while nothing moved: the same bytes as last time.
      if (status === 'online' && users === lastOnline?.users) {
        reply.raw.once('close', lastOnline.answer.hold());
        return sendJsonBytes(reply, lastOnline.body);
      }
      const answer = await json.writeUsers(
        users,
        json.serializers((schema) => reply.compileSerializationSchema(schema)),
      );
      // Its bytes stay as they are until the socket has them all (user-blocks.ts writes over free ones).
      // A client gone before this line never releases them: its blocks are written anew when they
      // change, and the new ones start free.
      reply.raw.once('close', answer.release);
      const body = [USERS_KEY, ...answer.pieces, Buffer.from(`,"count":${users.length}}`)];
      if (status === 'online') lastOnline = { users, answer, body };
      return sendJsonBytes(reply, body);
    },
  );

  app.get(
    '/v1/users/:id',
    {
      schema: {
        ...common,
        summary: 'One user, online or remembered',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: LIMITS.userId }) }),
        response: { 200: UserJsonSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const user = await presence.user(request.params.id);
      if (!user) throw userNotFound(request.params.id);
      return userJson(user);
    },
  );

  app.get(
    '/v1/nodes',
    {
      schema: {
        ...common,
        summary: "The cluster's nodes",
        description: 'In the order they first registered, as get_appliances lists them; one in a single process.',
        response: { 200: Type.Object({ nodes: Type.Array(NodeJson) }), ...errorResponses(401) },
      },
    },
    async () => {
      const [nodes, tally] = await Promise.all([presence.nodes(), presence.tally()]);
      const now = Date.now();
      return {
        nodes: nodes.map((node) => ({
          id: node.id,
          hostname: node.hostname,
          publicHostname: node.publicHostname,
          role: node.role,
          version: node.version,
          startedAt: toSeconds(node.startedAt),
          uptimeSeconds: Math.max(0, toSeconds(now - node.startedAt)),
          sessions: tally.byNode[node.id] ?? 0,
          self: node.id === presence.nodeId,
        })),
      };
    },
  );

  app.get(
    '/v1/stats',
    {
      schema: {
        ...common,
        summary: 'Counts, recent activity and the online chart',
        response: { 200: StatsAnswer, ...errorResponses(401) },
      },
    },
    async () => {
      const { tally, activity, samples } = await stats.snapshot();
      const inSeconds = (list: typeof samples.hour) => list.map((s) => ({ ...s, at: toSeconds(s.at) }));
      return {
        sessions: { total: tally.sessions, byClientType: tally.byClientType, byUserType: tally.byUserType, byNode: tally.byNode },
        users: { online: tally.onlineUsers },
        activity,
        samples: { hour: inSeconds(samples.hour), day: inSeconds(samples.day) },
      };
    },
  );
};

/**
 * The last "who is online" answer and the users it was written from. The core hands out the same
 * users array again only while no change was applied and no session's last activity moved
 * (core/online-users.ts), so the same array means the same bytes. The writer reads the sessions' times
 * as it writes: a heartbeat in between moves one after the users were made, and the core then makes
 * a new array next time, so a body written from newer times is never taken for the array's.
 */
interface OnlineAnswer {
  users: readonly UserPresence[];
  /** The users' part, held again by every response that sends it (user-blocks.ts). */
  answer: UsersAnswer;
  /** Pieces, sent one after the other. */
  body: Buffer[];
}

function sessionFilter(query: SessionsQuery): SessionFilter {
  const { type, userId, userType, node, state, place, q } = query;
  return {
    ...(type !== undefined && { clientTypes: parseClientTypes(type) }),
    ...(userId !== undefined && { userId }),
    ...(userType !== undefined && { userType }),
    ...(node !== undefined && { nodeId: node }),
    ...(state !== undefined && { idle: state === 'idle' }),
    ...(place !== undefined && { place }),
    ...(q !== undefined && q.trim() !== '' && { q: q.trim() }),
  };
}

function parseClientTypes(list: string): ClientType[] {
  const types = list
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of types) {
    if (!(CLIENT_TYPES as readonly string[]).includes(t)) {
      throw new RollcallError('invalid_parameter', `type: must be a comma list of ${CLIENT_TYPES.join(', ')}`);
    }
  }
  return types as ClientType[];
}
