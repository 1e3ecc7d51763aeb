// The minimal read API: sessions (filtered, cursor-paged), users (online/offline/all) and one user.
// Readable by any account (Basic) or API key (Bearer); ingest credentials report, they do not read.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Credentials } from '../auth/credentials.ts';
import { RollcallError } from '../core/errors.ts';
import { CLIENT_TYPES, type ClientType } from '../core/model.ts';
import type { PresenceService } from '../core/presence-service.ts';
import { SessionIdSchema } from '../core/input-schemas.ts';
import { sessionJson, userJson } from './presence-json.ts';

export interface ReadRoutesOptions {
  presence: PresenceService;
  credentials: Credentials;
}

const SessionsQuery = Type.Object(
  {
    /** Comma list of client types. */
    type: Type.Optional(Type.String({ maxLength: 256 })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** The `nextCursor` of the previous page. */
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
const UsersQuery = Type.Object(
  { status: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('all')], { default: 'online' }) },
  { additionalProperties: false },
);

export const readRoutes: FastifyPluginAsync<ReadRoutesOptions> = async (app, { presence, credentials }) => {
  app.addHook('onRequest', async (request) => {
    await credentials.reader(request.headers.authorization);
  });

  app.get<{ Querystring: { type?: string; userId?: string; cursor?: string; limit: number } }>(
    '/v1/sessions',
    { schema: { querystring: SessionsQuery } },
    async (request) => {
      const { type, userId, cursor, limit } = request.query;
      const sessions = await presence.listSessions({
        ...(type !== undefined && { clientTypes: parseClientTypes(type) }),
        ...(userId !== undefined && { userId }),
        ...(cursor !== undefined && { afterId: Number(cursor) }),
        limit: limit + 1,
      });
      const page = sessions.slice(0, limit);
      return {
        sessions: page.map(sessionJson),
        nextCursor: sessions.length > limit ? String(page.at(-1)!.id) : null,
      };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v1/sessions/:id',
    { schema: { params: Type.Object({ id: SessionIdSchema }) } },
    async (request) => {
      const session = await presence.getSession(request.params.id);
      if (!session) throw new RollcallError('not_found', `session ${request.params.id} is not live`);
      return sessionJson(session);
    },
  );

  app.get<{ Querystring: { status: 'online' | 'offline' | 'all' } }>(
    '/v1/users',
    { schema: { querystring: UsersQuery } },
    async (request) => {
      const users = await presence.users(request.query.status);
      return { users: users.map(userJson), count: users.length };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/users/:id',
    { schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }) } },
    async (request) => {
      const user = await presence.user(request.params.id);
      if (!user) throw new RollcallError('not_found', `no user ${request.params.id} is online or remembered`);
      return userJson(user);
    },
  );
};

function parseClientTypes(list: string): ClientType[] {
  const types = list.split(',').map((t) => t.trim()).filter(Boolean);
  for (const t of types) {
    if (!(CLIENT_TYPES as readonly string[]).includes(t)) {
      throw new RollcallError('invalid_parameter', `type: must be a comma list of ${CLIENT_TYPES.join(', ')}`);
    }
  }
  return types as ClientType[];
}
