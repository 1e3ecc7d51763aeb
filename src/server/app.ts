// Builds the HTTP app without listening (serve.ts owns listen and signals; tests listen on port 0).
// Each capability is a plugin of its own; they share the core through options, never globals.
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Credentials } from '../auth/credentials.ts';
import type { Config } from '../config/schema.ts';
import type { PresenceService } from '../core/presence-service.ts';
import { renderV1Error, renderV1NotFound } from '../api/errors.ts';
import { readRoutes } from '../api/read-routes.ts';
import { httpIngestRoutes } from '../ingest/http-routes.ts';
import { CloseCode, MAX_MESSAGE_BYTES } from '../ingest/protocol.ts';
import { compileValidator } from '../ingest/validation.ts';
import { wsIngestRoute } from '../ingest/ws-route.ts';

export type LoggerOption = FastifyServerOptions['logger'];

export interface AppDeps {
  config: Config;
  presence: PresenceService;
  credentials: Credentials;
  logger?: LoggerOption;
}

/** Header values that must never reach a log line. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

export async function buildApp({ config, presence, credentials, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ?? { level: config.logLevel, redact: REDACTED },
    trustProxy: config.trustProxy,
    bodyLimit: MAX_MESSAGE_BYTES,
    requestIdHeader: 'x-request-id',
    // User ids may be 128 characters; Fastify's default cap on a path parameter is 100.
    routerOptions: { maxParamLength: 512 },
    // Malformed paths and oversize parameters are answered in the v1 error shape, not Fastify's own.
    frameworkErrors: renderV1Error,
    // A line per heartbeat would drown everything else; request lines appear at debug level.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
  });
  app.setValidatorCompiler(compileValidator);
  // An empty body with a JSON content type is no body (clients often send the header on every call).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, undefined);
    else parseJson(request, text, done);
  });
  app.setErrorHandler(renderV1Error);
  app.setNotFoundHandler(renderV1NotFound);

  app.get('/healthz', async () => ({ status: 'ok', node: presence.nodeId }));

  await app.register(websocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES },
    // At shutdown every client is told to come back (1012, which the SDK answers with a resume).
    preClose(this: FastifyInstance, done: () => void) {
      for (const client of this.websocketServer.clients) client.close(CloseCode.serviceRestart, 'server restarting');
      this.websocketServer.close(() => done());
    },
  });
  await app.register(httpIngestRoutes, { presence, credentials, sessionTtlSeconds: config.sessionTtl });
  await app.register(wsIngestRoute, { presence, credentials, heartbeatMs: config.wsHeartbeatMs });
  await app.register(readRoutes, { presence, credentials });
  return app;
}
