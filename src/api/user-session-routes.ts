// One user's sessions: their past and live sessions from the session log, newest first and paged (any
// reader), and ending all their live sessions at once (admins, like ending one with DELETE
// /v1/sessions/:id). The core completes the log with what it does not hold yet (core/session-history.ts).
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Credentials } from '../auth/credentials.ts';
import { RollcallError } from '../core/errors.ts';
import { LIMITS } from '../core/input-schemas.ts';
import { CLIENT_TYPES, END_REASONS, TRANSPORTS } from '../core/model.ts';
import type { PresenceService } from '../core/presence-service.ts';
import type { SessionHistoryEntry } from '../core/session-history.ts';
import type { SessionLogPosition } from '../history/history-store.ts';
import { requireReader } from './access.ts';
import { toSeconds } from './presence-json.ts';
import { READER_SECURITY, errorResponses, stringEnum } from './schemas.ts';

export interface UserSessionRoutesOptions {
  presence: PresenceService;
  credentials: Credentials;
}

/** Pages hold at most this many sessions. */
const MAX_PAGE = 200;

const UnixSeconds = (description: string) => Type.Integer({ description: `${description} (Unix seconds)` });

const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: LIMITS.userId }) }, { additionalProperties: false });

const SessionsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50 }),
    cursor: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'The nextCursor of the previous page, as it came (opaque)' }),
    ),
  },
  { additionalProperties: false },
);

const UserSessionJson = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'The session id' }),
    clientType: stringEnum(CLIENT_TYPES),
    transport: Type.Optional(stringEnum(TRANSPORTS, { description: 'Absent on sessions logged before rollcall kept it' })),
    nodeId: Type.String({ description: 'The node the session started on' }),
    remoteAddress: Type.String({ description: 'As the session started' }),
    hostname: Type.Optional(Type.String({ description: 'As the client reported it when the session started' })),
    agent: Type.Optional(
      Type.Object(
        {
          browser: Type.Optional(Type.String({ description: 'e.g. "Chrome 134"' })),
          os: Type.Optional(Type.String({ description: 'e.g. "Windows 11"' })),
        },
        { description: 'The browser and OS as the session started, in short names; what is unknown is left out' },
      ),
    ),
    startedAt: UnixSeconds('When it started'),
    endedAt: Type.Optional(UnixSeconds('When it ended; absent while it has not')),
    durationSeconds: Type.Optional(Type.Integer({ minimum: 0, description: 'endedAt - startedAt, once it ended' })),
    endReason: Type.Optional(stringEnum(END_REASONS)),
    endedBy: Type.Optional(Type.String({ description: 'The account that ended it (reason ended_by_admin)' })),
    live: Type.Boolean({ description: 'The session is live now' }),
  },
  { description: "A session of the user's, from the session log" },
);

const SessionsPage = Type.Object({
  sessions: Type.Array(UserSessionJson, { description: 'Newest first: by start, then by session id' }),
  nextCursor: Type.Optional(Type.String({ description: 'Pass as cursor for the next page; absent on the last page' })),
});

function userSessionJson(entry: SessionHistoryEntry) {
  const startedAt = toSeconds(entry.startedAt);
  const endedAt = entry.endedAt === undefined ? undefined : toSeconds(entry.endedAt);
  return {
    id: entry.sessionId,
    clientType: entry.clientType,
    transport: entry.transport,
    nodeId: entry.nodeId,
    remoteAddress: entry.remoteAddress,
    hostname: entry.hostname,
    agent: entry.agent,
    startedAt,
    endedAt,
    durationSeconds: endedAt === undefined ? undefined : Math.max(0, endedAt - startedAt),
    endReason: entry.endReason,
    endedBy: entry.endedBy,
    live: entry.live,
  };
}

/**
 * A cursor is the last entry's start (epoch ms, finer than the seconds shown) and session id, in
 * base64url: callers pass it back as it came rather than build one.
 */
const encodeCursor = ({ startedAt, sessionId }: SessionLogPosition): string =>
  Buffer.from(`${startedAt}.${sessionId}`).toString('base64url');

function decodeCursor(cursor: string): SessionLogPosition {
  const match = /^(\d{1,16})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  const position = match && { startedAt: Number(match[1]), sessionId: Number(match[2]) };
  if (!position || !Number.isSafeInteger(position.startedAt)) {
    throw new RollcallError('invalid_parameter', 'cursor: not a nextCursor this route answered; pass it back as it came');
  }
  return position;
}

export const userSessionRoutes: FastifyPluginAsyncTypebox<UserSessionRoutesOptions> = async (app, { presence, credentials }) => {
  // Two scopes: each checks its own credentials before anything else runs.
  await app.register(async (scope) => {
    const readers = scope.withTypeProvider<TypeBoxTypeProvider>();
    requireReader(readers, credentials);
    readers.get(
      '/v1/users/:id/sessions',
      {
        schema: {
          tags: ['read'],
          security: READER_SECURITY,
          summary: "A user's sessions, past and live, newest first",
          description:
            'From the session log, with the sessions that started or ended a moment ago. Paged: sessions that start between ' +
            'pages come before the first page, so pages never skip or repeat one. 404 for a user neither online nor remembered.',
          params: UserParams,
          querystring: SessionsQuery,
          response: { 200: SessionsPage, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const { cursor, limit } = request.query;
        const page = await presence.userSessions(request.params.id, {
          limit,
          ...(cursor !== undefined && { after: decodeCursor(cursor) }),
        });
        return {
          sessions: page.entries.map(userSessionJson),
          ...(page.next !== undefined && { nextCursor: encodeCursor(page.next) }),
        };
      },
    );
  });

  await app.register(async (scope) => {
    const admins = scope.withTypeProvider<TypeBoxTypeProvider>();
    const access = requireReader(admins, credentials, { admin: true });
    admins.delete(
      '/v1/users/:id/sessions',
      {
        schema: {
          tags: ['admin'],
          security: READER_SECURITY,
          summary: 'End every live session of a user',
          description:
            'Each ends as DELETE /v1/sessions/:id by an admin ends one: reason ended_by_admin, the admin in its event log, and a ' +
            'WebSocket client told why. 404 for a user neither online nor remembered; ended is 0 when they had no live session.',
          params: UserParams,
          response: {
            200: Type.Object({ ended: Type.Integer({ minimum: 0, description: 'Sessions this call ended' }) }),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { account } = access.readerOf(request);
        const ended = await presence.endUserSessions(request.params.id, {
          kind: 'account',
          username: account.username,
          role: account.role,
        });
        return { ended };
      },
    );
  });
};
