// Builds the HTTP app without listening (serve.ts owns listen and signals; tests listen on port 0).
// Each capability is a plugin of its own; they share the core through options, never globals.
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Credentials } from '../auth/credentials.ts';
import type { Config } from '../config/schema.ts';
import type { PresenceService } from '../core/presence-service.ts';
import { renderV1Error, renderV1NotFound } from '../api/errors.ts';
import { readRoutes } from '../api/read-routes.ts';
import { httpIngestRoutes } from '../ingest/http-routes.ts';
import { CloseCode, MAX_MESSAGE_BYTES } from '../ingest/protocol.ts';
import { compileValidator } from '../ingest/validation.ts';
import { wsIngestRoute } from '../ingest/ws-route.ts';
import { renderClientexecError } from '../dialects/clientexec/errors.ts';
import { clientexecRoutes } from '../dialects/clientexec/routes.ts';
import { renderMotadataError } from '../dialects/motadata/errors.ts';
import { motadataRoutes } from '../dialects/motadata/routes.ts';
import { commandErrorHandler } from '../dialects/beyondtrust/errors.ts';
import { beyondTrustDialect } from '../dialects/beyondtrust/routes.ts';
import { redactCommandApiUrl } from '../dialects/beyondtrust/log-redaction.ts';
import type { OAuthClients } from '../auth/oauth/api-clients.ts';

export type LoggerOption = FastifyServerOptions['logger'];

export interface AppDeps {
  config: Config;
  presence: PresenceService;
  credentials: Credentials;
  /** OAuth2 API clients and their tokens (the BeyondTrust dialect's /oauth2/token). */
  oauth: OAuthClients;
  logger?: LoggerOption;
}

/** Header values that must never reach a log line. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];
/** Query parameters that carry API keys (the Clientexec dialect takes `apikey=` and `key=`). */
const SECRET_QUERY_PARAMETER = /([?&](?:apikey|key)=)[^&#]*/gi;

/**
 * A URL as request logs show it: query-string keys replaced, and the whole query of a BeyondTrust
 * command API URL (legacy clients send username and password there), so no secret reaches a log.
 */
export const urlForLog = (url: string): string => redactCommandApiUrl(url.replace(SECRET_QUERY_PARAMETER, '$1[Redacted]'));

/**
 * Fastify's request serializer with the URL cleaned. It applies to every logger option, a caller's
 * included (tests pass a stream), so no configuration can log a key.
 */
function loggerOptions(config: Config, logger: LoggerOption): LoggerOption {
  if (logger === false) return false;
  const given = typeof logger === 'object' ? logger : {};
  return {
    level: config.logLevel,
    ...given,
    redact: REDACTED,
    serializers: {
      ...given.serializers,
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: urlForLog(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}

type ErrorRenderer = (error: unknown, request: FastifyRequest, reply: FastifyReply) => void;

/** The error renderer of whichever dialect owns `url`; rollcall's own v1 shape for everything else. */
function frameworkErrorRenderer(url: string, config: Config): ErrorRenderer {
  const path = url.toLowerCase();
  if (path.startsWith('/api/command')) return commandErrorHandler(config.btNamespace);
  if (path.startsWith('/api/v1/') || path.startsWith('/settings/users/')) return renderMotadataError;
  if (path.startsWith('/api/users/')) return renderClientexecError;
  return renderV1Error;
}

export async function buildApp({ config, presence, credentials, oauth, logger }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, logger),
    trustProxy: config.trustProxy,
    bodyLimit: MAX_MESSAGE_BYTES,
    requestIdHeader: 'x-request-id',
    // User ids may be 128 characters; Fastify's default cap on a path parameter is 100.
    routerOptions: { maxParamLength: 512 },
    // Malformed paths and oversize parameters fail before any route runs; each dialect's paths still
    // answer in that dialect's own error shape.
    frameworkErrors: (error, request, reply) => frameworkErrorRenderer(request.url, config)(error, request, reply),
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
  await app.register(clientexecRoutes, { presence, credentials, linkTemplate: config.ceLinkTemplate });
  await app.register(motadataRoutes, { presence, credentials });
  await app.register(beyondTrustDialect, { presence, credentials, oauth, namespace: config.btNamespace, cacheMs: config.btCacheMs });
  return app;
}
