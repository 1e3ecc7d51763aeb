// HTTP ingest (specs/INGEST.md): open, heartbeat, update and close sessions, and batch heartbeats.
// Credentials are checked in each route's onRequest hook, before the body is read: a caller without
// them is answered 401 while its body is still arriving, and never costs a parse (8 MB batches
// without credentials once took the server from 158 to 1,030 MiB). Handlers then validate (schemas),
// call the core with the actor the hook found, and shape the answer.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Actor } from '../core/actor.ts';
import type { Credentials } from '../auth/credentials.ts';
import {
  HeartbeatBatchSchema,
  HeartbeatSchema,
  LIMITS,
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

/**
 * The largest legitimate batch, from the schema's limits: LIMITS.heartbeatsPerBatch entries, each the
 * longest an entry can be written by JSON.stringify (the largest id, `idle`, and a view whose three
 * fields hold LIMITS.viewField UTF-16 units each, every unit a character that takes 3 bytes in UTF-8,
 * the most a unit can take), with a comma between entries and the envelope around them. About 12 MB.
 * (Control characters written as \u escapes take 6 bytes a unit; no real view is made of them.)
 */
const BATCH_ENTRY_OVERHEAD = JSON.stringify({ id: 2 ** 31 - 1, idle: false, view: { m: '', v: '', t: '' } }).length + 1;
const MAX_UTF8_BYTES_PER_UTF16_UNIT = 3;
export const BATCH_BODY_LIMIT =
  JSON.stringify({ heartbeats: [] }).length +
  LIMITS.heartbeatsPerBatch * (BATCH_ENTRY_OVERHEAD + 3 * LIMITS.viewField * MAX_UTF8_BYTES_PER_UTF16_UNIT);

export const httpIngestRoutes: FastifyPluginAsync<HttpIngestOptions> = async (app, { presence, credentials, sessionTtlSeconds }) => {
  /** The actor each request's onRequest hook found, for its handler. */
  const actors = new WeakMap<FastifyRequest, Actor>();
  const actorOf = (request: FastifyRequest): Actor => {
    const actor = actors.get(request);
    if (!actor) throw new Error('ingest route without its credential hook');
    return actor;
  };
  /** Who reports. The configured key's usual header is known at once, with no promise; anything else awaits the checks. */
  const authenticate: onRequestHookHandler = (request, _reply, done) => {
    const header = request.headers.authorization;
    const known = credentials.configuredIngestActor(header);
    if (known) {
      actors.set(request, known);
      done();
      return;
    }
    credentials.ingestActor(header, undefined, request.ip).then((actor) => {
      actors.set(request, actor);
      done();
    }, done);
  };
  /** Closing a session is also an admin action: Basic credentials of an account end it as that account. */
  const authenticateClosing: onRequestHookHandler = (request, reply, done) => {
    const header = request.headers.authorization;
    if (!header || !/^Basic\s/i.test(header)) return authenticate.call(app, request, reply, done);
    credentials.reader(header, request.ip).then(({ account }) => {
      actors.set(request, { kind: 'account', username: account.username, role: account.role });
      done();
    }, done);
  };

  app.post<{ Body: OpenSessionBody }>(
    '/v1/sessions',
    {
      onRequest: authenticate,
      schema: { body: OpenSessionSchema, response: { 201: Opened, ...errorResponses(400, 401, 403, 413, 415, 429) } },
    },
    async (request, reply) => {
      const { session, resumeToken } = await presence.open(request.body, actorOf(request), {
        transport: 'http',
        remoteAddress: request.ip,
      });
      return reply.status(201).send({ id: session.id, resumeToken, ttl: sessionTtlSeconds });
    },
  );

  app.post<{ Params: SessionParams; Body: HeartbeatBody }>(
    '/v1/sessions/:id/heartbeat',
    {
      onRequest: authenticate,
      schema: {
        params: SessionParams,
        body: OptionalHeartbeat,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      await presence.heartbeat(request.params.id, request.body, actorOf(request));
      return reply.status(204).send();
    },
  );

  app.patch<{ Params: SessionParams; Body: UpdateSessionBody }>(
    '/v1/sessions/:id',
    {
      onRequest: authenticate,
      schema: {
        params: SessionParams,
        body: UpdateSessionSchema,
        response: { 200: SessionJsonSchema, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request) => sessionJson(await presence.update(request.params.id, request.body, actorOf(request))),
  );

  app.delete<{ Params: SessionParams }>(
    '/v1/sessions/:id',
    {
      onRequest: authenticateClosing,
      schema: { params: SessionParams, response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request, reply) => {
      await presence.end(request.params.id, actorOf(request));
      return reply.status(204).send();
    },
  );

  app.post<{ Body: HeartbeatBatchBody }>(
    '/v1/heartbeats',
    {
      onRequest: authenticate,
      schema: { body: HeartbeatBatchSchema, response: { 200: BatchAnswer, ...errorResponses(400, 401, 403, 413, 415, 429) } },
      bodyLimit: BATCH_BODY_LIMIT,
    },
    async (request) => presence.heartbeats(request.body, actorOf(request)),
  );
};
