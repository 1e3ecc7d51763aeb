// Motadata dialect: `GET /api/v1/settings/users/active-users`, also answered at
// `/settings/users/active-users` (specs/WIRE-FORMATS.md § 3). Any other path under `/api/v1/` answers
// in Motadata's envelope too, so a Motadata client never meets another dialect's error shape.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isAdmin, parseBearer, type Credentials, type Reader } from '../../auth/credentials.ts';
import { RollcallError } from '../../core/errors.ts';
import type { PresenceService } from '../../core/presence-service.ts';
import { JSON_CONTENT_TYPE, sendJsonBytes } from '../../http/json-reply.ts';
import { ResponseCache } from '../../http/response-cache.ts';
import { sendShared } from '../../http/send-shared.ts';
import { SharedAnswer } from '../../http/shared-answer.ts';
import { renderMotadataError } from './errors.ts';
import { activeUsersAnswer, entryFragments } from './serializer.ts';

export interface MotadataOptions {
  presence: PresenceService;
  credentials: Credentials;
  /**
   * Milliseconds requests share one answer (http/response-cache.ts); 0 or absent: every request
   * computes it. Only admins get past authorisation, and they all see the same answer.
   */
  cacheMs?: number;
}

/** The only answer this dialect shares, computed for admins (no one else is let through). */
const ADMIN_ANSWER_KEY = 'admin';

/** Motadata's API base. */
export const MOTADATA_BASE = '/api/v1';
const ACTIVE_USERS = '/settings/users/active-users';

/** The endpoint takes no parameters; any is a bad request (400 MD031), so a typo never passes silently. */
const NoParameters = Type.Object({}, { additionalProperties: false });

export const motadataRoutes: FastifyPluginAsync<MotadataOptions> = async (app, { presence, credentials, cacheMs = 0 }) => {
  app.setErrorHandler(renderMotadataError);
  const cache = new ResponseCache<SharedAnswer>({ windowMs: cacheMs, version: () => presence.appliedSeq() });
  const fragments = entryFragments();
  app.addHook('onClose', async () => {
    cache.clear();
    fragments.clear();
  });

  const options = { schema: { querystring: NoParameters } };
  const activeUsers = async (request: FastifyRequest, reply: FastifyReply) => {
    const reader = await authenticate(credentials, request);
    // Active users shows every session's address and agent: Motadata keeps it under Settings, for admins.
    if (!isAdmin(reader)) throw new RollcallError('forbidden', 'active users need an API key of an admin account');
    const answer = await cache.get(
      ADMIN_ANSWER_KEY,
      async () => new SharedAnswer(await activeUsersAnswer(await presence.listSessions(), Date.now(), fragments)),
    );
    return cache.shares ? sendShared(request, reply, answer, { contentType: JSON_CONTENT_TYPE }) : sendJsonBytes(reply, answer.body);
  };
  app.get(`${MOTADATA_BASE}${ACTIVE_USERS}`, options, activeUsers);
  app.get(ACTIVE_USERS, options, activeUsers);

  await app.register(
    async (base) => {
      base.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0];
        renderMotadataError(new RollcallError('not_found', `no route ${request.method} ${path}`), request, reply);
      });
    },
    { prefix: MOTADATA_BASE },
  );
};

/** `Authorization: Bearer <API key>`, Motadata's personal access token. */
async function authenticate(credentials: Credentials, request: FastifyRequest): Promise<Reader> {
  const key = parseBearer(request.headers.authorization);
  if (!key) throw new RollcallError('unauthorized', 'missing token: send Authorization: Bearer <API key>');
  return credentials.apiKeyReader(key, request.ip);
}
