// HTTP ingest (specs/INGEST.md): open, heartbeat, update and close sessions, and batch heartbeats.
// Handlers only validate (schemas), authorize (credentials), call the core, and shape the answer.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor } from '../core/actor.ts';
import type { Credentials } from '../auth/credentials.ts';
import {
  HeartbeatBatchSchema,
  HeartbeatSchema,
  OpenSessionSchema,
  SessionIdSchema,
  UpdateSessionSchema,
  type HeartbeatBatchBody,
  type HeartbeatBody,
  type OpenSessionBody,
  type UpdateSessionBody,
} from '../core/input-schemas.ts';
import type { PresenceService } from '../core/presence-service.ts';
import { SessionJsonSchema, sessionJson } from '../api/presence-json.ts';
import { NoContent, errorResponses } from '../api/schemas.ts';

export interface HttpIngestOptions {
  presence: PresenceService;
  credentials: Credentials;
  sessionTtlSeconds: number;
}

const SessionParams = Type.Object({ id: SessionIdSchema }, { additionalProperties: false });
type SessionParams = { id: number };

const Opened = Type.Object({
  id: SessionIdSchema,
  resumeToken: Type.String({ description: 'Lets a WebSocket client take the session back after a dropped socket' }),
  ttl: Type.Integer({ description: 'Seconds the session lives without a heartbeat' }),
});
const BatchAnswer = Type.Object({
  accepted: Type.Integer(),
  unknown: Type.Array(SessionIdSchema, { description: 'Ids that are not live: open new sessions for them' }),
});

/** The body is optional: a bare POST is a plain sign of life, `{}` (compileValidator applies the default). */
const OptionalHeartbeat = { ...HeartbeatSchema, default: {} };

/** 10,000 heartbeats whose views use every allowed character come to about 4.5 MB. */
const BATCH_BODY_LIMIT = 8 * 1024 * 1024;

export const httpIngestRoutes: FastifyPluginAsync<HttpIngestOptions> = async (app, { presence, credentials, sessionTtlSeconds }) => {
  /** Who reports. The configured key's usual header is known at once; anything else awaits the checks. */
  const ingestActor = (request: FastifyRequest): Actor | Promise<Actor> => {
    const header = request.headers.authorization;
    return credentials.configuredIngestActor(header) ?? credentials.ingestActor(header);
  };
  /** Closing a session is also an admin action: Basic credentials of an account end it as that account. */
  const closingActor = async (request: FastifyRequest): Promise<Actor> => {
    const header = request.headers.authorization;
    if (header && /^Basic\s/i.test(header)) {
      const { account } = await credentials.reader(header);
      return { kind: 'account', username: account.username, role: account.role };
    }
    return ingestActor(request);
  };

  app.post<{ Body: OpenSessionBody }>(
    '/v1/sessions',
    { schema: { body: OpenSessionSchema, response: { 201: Opened, ...errorResponses(400, 401, 403, 413, 415) } } },
    async (request, reply) => {
      const actor = await ingestActor(request);
      const { session, resumeToken } = await presence.open(request.body, actor, { transport: 'http', remoteAddress: request.ip });
      return reply.status(201).send({ id: session.id, resumeToken, ttl: sessionTtlSeconds });
    },
  );

  app.post<{ Params: SessionParams; Body: HeartbeatBody }>(
    '/v1/sessions/:id/heartbeat',
    {
      schema: {
        params: SessionParams,
        body: OptionalHeartbeat,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const actor = await ingestActor(request);
      await presence.heartbeat(request.params.id, request.body, actor);
      return reply.status(204).send();
    },
  );

  app.patch<{ Params: SessionParams; Body: UpdateSessionBody }>(
    '/v1/sessions/:id',
    {
      schema: {
        params: SessionParams,
        body: UpdateSessionSchema,
        response: { 200: SessionJsonSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const actor = await ingestActor(request);
      return sessionJson(await presence.update(request.params.id, request.body, actor));
    },
  );

  app.delete<{ Params: SessionParams }>(
    '/v1/sessions/:id',
    { schema: { params: SessionParams, response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await presence.end(request.params.id, await closingActor(request));
      return reply.status(204).send();
    },
  );

  app.post<{ Body: HeartbeatBatchBody }>(
    '/v1/heartbeats',
    {
      schema: { body: HeartbeatBatchSchema, response: { 200: BatchAnswer, ...errorResponses(400, 401, 403, 413, 415) } },
      bodyLimit: BATCH_BODY_LIMIT,
    },
    async (request) => presence.heartbeats(request.body, await ingestActor(request)),
  );
};
