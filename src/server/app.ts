// Builds the HTTP app without listening (serve.ts owns listen and signals; tests listen on port 0).
// Each capability is a plugin of its own; they share the core through options, never globals.
import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  type RouteOptions,
} from 'fastify';
import packageJson from '../../package.json' with { type: 'json' };
import type { Administration } from '../auth/administration.ts';
import type { ApiClientAdministration } from '../auth/oauth/client-administration.ts';
import type { Credentials } from '../auth/credentials.ts';
import type { Config } from '../config/schema.ts';
import type { PresenceService } from '../core/presence-service.ts';
import type { PresenceStats } from '../core/stats.ts';
import { adminRoutes } from '../api/admin-routes.ts';
import { oauthClientRoutes } from '../api/oauth-client-routes.ts';
import { registerOpenApi } from '../api/openapi.ts';
import { OPEN_SECURITY } from '../api/schemas.ts';
import { instrumentHttp, requestIdFor } from '../observability/http.ts';
import { addSecurityHeaders } from '../http/security-headers.ts';
import { closeAfterUnreadBodies } from '../http/unread-bodies.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/json-depth.ts';
import { RollcallError } from '../core/errors.ts';
import { logDestination } from '../observability/log-format.ts';
import { lazyRequestLogger } from '../observability/request-logger.ts';
import { redactQuery } from '../observability/query-names.ts';
import type { Metrics } from '../observability/metrics.ts';
import { metricsRoute } from '../observability/metrics-route.ts';
import { renderV1Error, renderV1NotFound } from '../api/errors.ts';
import { placeRoutes } from '../api/place-routes.ts';
import { readRoutes } from '../api/read-routes.ts';
import { userSessionRoutes } from '../api/user-session-routes.ts';
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
import type { Throttle } from '../auth/throttle.ts';
import { dashboard } from '../web/plugin.ts';
import { sdkBundle } from '../web/sdk-bundle.ts';
import type { EventHub } from '../stream/event-hub.ts';
import { eventStreamRoutes } from '../stream/routes.ts';
import { webhookRoutes } from '../webhooks/routes.ts';
import type { WebhookSubscriptions } from '../webhooks/subscriptions.ts';

export type LoggerOption = FastifyServerOptions['logger'];

export interface AppDeps {
  config: Config;
  presence: PresenceService;
  credentials: Credentials;
  /** OAuth2 API clients and their tokens (the BeyondTrust dialect's /oauth2/token). */
  oauth: OAuthClients;
  /** Counts of sessions, activity and the online samples behind GET /v1/stats. */
  stats: PresenceStats;
  /** Accounts and API keys (the admin routes). */
  administration: Administration;
  /** OAuth2 API clients (/v1/oauth-clients). */
  apiClients: ApiClientAdministration;
  /** This app's Prometheus registry and the metrics others report through (webhook backlog). */
  metrics: Metrics;
  /** The change stream's events and backlog (GET /v1/events). */
  events: EventHub;
  /** Webhook subscriptions and their deliveries (/v1/webhooks). */
  webhooks: WebhookSubscriptions;
  /** Failed credential checks and lockouts, which admins list and lift (/v1/lockouts). */
  throttle: Throttle;
  logger?: LoggerOption;
  /** Sees every route as it is added, before anything else does (tests list the app's routes with it). */
  onRoute?: (route: RouteOptions) => void;
}

/** Header values that must never reach a log line. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];
/** Query parameters that carry API keys (the Clientexec dialect takes `apikey=` and `key=`), by decoded name. */
const SECRET_QUERY_PARAMETERS = new Set(['apikey', 'key']);

/**
 * A URL as request logs show it: query-string keys replaced (matched by decoded name, as the route
 * reads them: `ap%69key` is `apikey`), and the whole query of a BeyondTrust command API URL (legacy
 * clients send username and password there), so no secret reaches a log.
 */
export function urlForLog(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = redactQuery(url.slice(mark + 1), (name) => SECRET_QUERY_PARAMETERS.has(name));
  return redactCommandApiUrl(`${url.slice(0, mark)}?${query}`);
}

/**
 * Fastify's request serializer with the URL cleaned. It applies to every logger option, a caller's
 * included (tests pass a stream), so no configuration can log a key.
 */
function loggerOptions(config: Config, logger: LoggerOption): LoggerOption {
  if (logger === false) return false;
  const given = typeof logger === 'object' ? logger : {};
  const stream = logDestination(config.logFormat, given.stream);
  return {
    level: config.logLevel,
    ...given,
    ...(stream && { stream }),
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

/**
 * Numerous clients: connections beyond maxConnections are closed as they arrive. (Slow ones: the server
 * options in buildApp. A client that trickles its headers is cut off after headersTimeoutMs, one that
 * trickles its body after requestTimeoutMs; both apply only while a request is arriving, so WebSocket
 * and change-stream connections, whose requests are long complete, are never cut by them.)
 */
function limitConnections(app: FastifyInstance, config: Config): void {
  app.server.maxConnections = config.maxConnections;
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

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, presence, credentials, oauth, logger } = deps;
  const app = Fastify({
    logger: loggerOptions(config, logger),
    trustProxy: config.trustProxy,
    bodyLimit: MAX_MESSAGE_BYTES,
    // Slow clients (the rest is set on the server below): a request must be in within requestTimeoutMs,
    // an idle keep-alive connection closes after keepAliveTimeoutMs.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node looks for overdue requests only this often (default 30 s), which a slow client could
      // overstay by as much; a quarter of the shorter timeout, at most a second, keeps the cut-off near the setting.
      connectionsCheckingInterval: Math.max(
        25,
        Math.min(1_000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4)),
      ),
    },
    // A caller's x-request-id is kept when it looks like an id (and echoed); otherwise a UUID.
    requestIdHeader: false,
    genReqId: requestIdFor,
    // Each request's logger carries its id; the pino child is made only if the request logs something.
    childLoggerFactory: lazyRequestLogger,
    // User ids may be 128 characters; Fastify's default cap on a path parameter is 100.
    routerOptions: { maxParamLength: 512 },
    // Malformed paths and oversize parameters fail before any route runs; each dialect's paths still
    // answer in that dialect's own error shape.
    frameworkErrors: (error, request, reply) => frameworkErrorRenderer(request.url, config)(error, request, reply),
    // A line per heartbeat would drown everything else; request lines appear at debug level.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
  });
  limitConnections(app, config);
  app.setValidatorCompiler(compileValidator);
  // An empty body with a JSON content type is no body (clients often send the header on every call).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, undefined);
    else if (nestsDeeperThan(text, MAX_JSON_DEPTH))
      done(new RollcallError('invalid_body', `the body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    else parseJson(request, text, done);
  });
  app.setErrorHandler(renderV1Error);
  app.setNotFoundHandler(renderV1NotFound);

  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  // Before every route: the document generator and the request hooks see only routes added after them.
  await registerOpenApi(app, { version: packageJson.version, license: packageJson.license });
  instrumentHttp(app, deps.metrics);
  addSecurityHeaders(app);
  closeAfterUnreadBodies(app);

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness probe',
        security: OPEN_SECURITY,
        response: { 200: Type.Object({ status: Type.Literal('ok'), node: Type.String({ description: "This node's id" }) }) },
      },
    },
    async () => ({ status: 'ok' as const, node: presence.nodeId }),
  );
  await app.register(metricsRoute, { metrics: deps.metrics, credentials, access: config.metricsAccess });

  await app.register(websocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES },
    // At shutdown every client is told to come back (1012, which the SDK answers with a resume).
    preClose(this: FastifyInstance, done: () => void) {
      for (const client of this.websocketServer.clients) client.close(CloseCode.serviceRestart, 'server restarting');
      this.websocketServer.close(() => done());
    },
  });
  // ws keeps every open socket in this set (clientTracking), removed as it closes: the count to report.
  deps.metrics.countOpenConnections('websocket', () => app.websocketServer.clients.size);
  await app.register(httpIngestRoutes, { presence, credentials, sessionTtlSeconds: config.sessionTtl });
  await app.register(wsIngestRoute, { presence, credentials, heartbeatMs: config.wsHeartbeatMs });
  await app.register(readRoutes, { presence, credentials, stats: deps.stats });
  await app.register(placeRoutes, { presence, credentials });
  await app.register(userSessionRoutes, { presence, credentials });
  await app.register(adminRoutes, { administration: deps.administration, credentials, throttle: deps.throttle });
  await app.register(oauthClientRoutes, { apiClients: deps.apiClients, credentials });
  await app.register(eventStreamRoutes, {
    events: deps.events,
    credentials,
    maxQueue: config.streamBacklog,
    heartbeatMs: config.streamHeartbeatMs,
    exposeOpenCount: (count) => deps.metrics.countOpenConnections('sse', count),
  });
  await app.register(webhookRoutes, { subscriptions: deps.webhooks, credentials });
  await app.register(clientexecRoutes, { presence, credentials, linkTemplate: config.ceLinkTemplate, cacheMs: config.pollCacheMs });
  await app.register(motadataRoutes, { presence, credentials, cacheMs: config.pollCacheMs });
  await app.register(dashboard, { credentials });
  await app.register(sdkBundle);
  await app.register(beyondTrustDialect, { presence, credentials, oauth, namespace: config.btNamespace, cacheMs: config.btCacheMs });
  return app;
}
