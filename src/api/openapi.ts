// The OpenAPI 3.1 document of every route the app has, generated from the route schemas by
// @fastify/swagger, served at /openapi.json, with swagger-ui at /docs. Registered before any route
// (the generator learns routes through an onRoute hook), so routes added later are in it as well.
// Routes whose code carries no documentation of its own (ingest, the WebSocket, the dialects, the
// probes) get theirs from ROUTE_DOCS below when the document is built; that changes nothing at run
// time, so a dialect's answers stay exactly what its clients expect.
import { createRequire } from 'node:module';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { CloseCode } from '../ingest/protocol.ts';
import { OPEN_SECURITY } from './schemas.ts';

const require = createRequire(import.meta.url);
/** Hashes of swagger-ui's own inline script and style, published by @fastify/swagger-ui for its CSP. */
const swaggerUiInline = require('@fastify/swagger-ui/static/csp.json') as { script: string[]; style: string[] };

/**
 * The docs page loads only its own files (and the inline pieces swagger-ui ships, by hash) and talks
 * only to this server: it shows an operator's credentials when they try a route.
 */
const DOCS_CSP: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'", ...swaggerUiInline.script],
  // The one style attribute swagger-ui's bundle writes as markup, allowed by its hash alone (CSSOM
  // styles need nothing). test/api/docs-page.test.ts renders the page in Chromium and fails on any
  // violation, so a swagger-ui upgrade that writes another one is noticed.
  'style-src': ["'self'", "'unsafe-hashes'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='", ...swaggerUiInline.style],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Where the interactive page lives; its assets and its own copies of the document are under `${DOCS_PREFIX}/`. */
export const DOCS_PREFIX = '/docs';
export const OPENAPI_PATH = '/openapi.json';

const TAGS = [
  {
    name: 'read',
    description:
      'Who is online: sessions, users and their past sessions, nodes, stats. Any account (Basic) or API key of kind api (Bearer).',
  },
  { name: 'ingest', description: 'Reporting sessions: the ingest key or a client token (Bearer).' },
  {
    name: 'admin',
    description:
      "Accounts, API keys, OAuth2 API clients, lockouts, ending a user's sessions: an admin account or an API key of one; readers get 403.",
  },
  { name: 'stream', description: 'The change stream: Server-Sent Events of session and user changes.' },
  { name: 'webhooks', description: 'Webhook subscriptions and their deliveries: admin only.' },
  { name: 'operations', description: 'Health, metrics and this documentation.' },
  { name: 'dialect: BeyondTrust', description: 'The BeyondTrust/Bomgar command API (XML), its OAuth2 token endpoint and health probe.' },
  { name: 'dialect: Clientexec', description: 'Clientexec "online users" JSON.' },
  { name: 'dialect: Motadata', description: 'Motadata "active users" JSON.' },
];

const BEARER = [{ bearerAuth: [] }];
const json = (description: string, schema: object = { type: 'object', additionalProperties: true }) => ({
  description,
  content: { 'application/json': { schema } },
});
const text = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const DialectError = (description: string) => json(description);

type RouteDoc = Omit<FastifySchema, 'response'> & {
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  /** Documentation only: response schemas for the document, never used to serialize. */
  response?: Record<string, unknown>;
};

const COMMAND_API: RouteDoc = {
  tags: ['dialect: BeyondTrust'],
  summary: 'Command API',
  description:
    'Actions get_connected_clients, get_connected_client_list, get_logged_in_reps, get_api_info, check_health, get_appliances. ' +
    'Parameters in the query string (GET) or as an application/x-www-form-urlencoded body (POST). Credentials: username= and ' +
    'password= of an account, or an OAuth2 bearer token. Errors answer 200 with an <error> element, as real clients expect.',
  security: [...BEARER, {}],
  response: { 200: text("The action's XML document, or an <error>", 'application/xml') },
};

/** Documentation of routes whose schemas carry none, by `METHOD url`; what their schemas do say wins. */
const ROUTE_DOCS: Record<string, RouteDoc> = {
  [`GET ${DOCS_PREFIX}`]: {
    tags: ['operations'],
    summary: 'This documentation, interactive (swagger-ui)',
    security: OPEN_SECURITY,
    response: { 200: text('An HTML page', 'text/html') },
  },
  'POST /v1/sessions': {
    tags: ['ingest'],
    summary: 'Open a session',
    description: "With the ingest key any user; with a client token only the token's user and client types.",
    security: BEARER,
  },
  'POST /v1/sessions/{id}/heartbeat': {
    tags: ['ingest'],
    summary: 'Keep a session alive',
    description: 'Optionally reports idle, view and representative changes. 404 once it ended: open a new one.',
    security: BEARER,
  },
  'PATCH /v1/sessions/{id}': {
    tags: ['ingest'],
    summary: 'Change a session',
    description: 'Any open field but user.id and clientType.',
    security: BEARER,
  },
  'DELETE /v1/sessions/{id}': {
    tags: ['ingest', 'admin'],
    summary: 'End a session',
    description:
      "The client says goodbye (ingest key or its client token; reason `closed`), or an admin ends anyone's session with Basic " +
      'credentials of an admin account: reason `ended_by_admin`, the event log says who, and a WebSocket client is told why ' +
      '(an `ended` frame) before its socket closes. A reader account gets 403.',
    security: [{ bearerAuth: [] }, { basicAuth: [] }],
  },
  'POST /v1/heartbeats': { tags: ['ingest'], summary: 'Heartbeats for many sessions at once (ingest key only)', security: BEARER },
  'GET /v1/connect': {
    tags: ['ingest'],
    summary: 'WebSocket ingest',
    description:
      'Upgrade to a WebSocket carrying one session: hello (or resume), then hb / update / bye frames, one JSON object per text ' +
      `frame. Close codes: ${Object.entries(CloseCode)
        .map(([name, code]) => `${code} ${name}`)
        .join(', ')}.`,
    security: OPEN_SECURITY,
    response: { 101: { type: 'null', description: 'Switching to the WebSocket protocol' } },
  },
  // One route answers GET and POST of each path (the document shows one operation under both).
  'GET /api/command': COMMAND_API,
  'GET /api/command.ns': COMMAND_API,
  'POST /oauth2/token': {
    tags: ['dialect: BeyondTrust'],
    summary: 'OAuth2 client credentials grant',
    description: 'Basic client_id:client_secret and grant_type=client_credentials (form or JSON). Answers and errors follow RFC 6749.',
    security: [{ basicAuth: [] }],
    response: {
      200: json('A bearer token for the command API', {
        type: 'object',
        properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' } },
      }),
      400: json('RFC 6749 error', { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } } }),
      401: json('RFC 6749 invalid_client', {
        type: 'object',
        properties: { error: { type: 'string' }, error_description: { type: 'string' } },
      }),
    },
  },
  'GET /check_health': {
    tags: ['dialect: BeyondTrust'],
    summary: 'Appliance health probe',
    security: OPEN_SECURITY,
    response: { 200: text('OK: healthy', 'text/plain'), 500: text('ERROR: what does not answer', 'text/plain') },
  },
  'GET /api/users/usersonline': {
    tags: ['dialect: Clientexec'],
    summary: 'Online and recent offline users, as Clientexec answers them',
    description: 'API key of kind api as X-API-Key, Authorization: Bearer, or an apikey= / key= query parameter.',
    security: BEARER,
    response: {
      200: json("Clientexec's envelope: users and offlineusers"),
      401: DialectError('No key'),
      403: DialectError('The key is not valid'),
    },
  },
  'GET /api/v1/settings/users/active-users': motadataActiveUsers(),
  'GET /settings/users/active-users': motadataActiveUsers(),
};

function motadataActiveUsers(): RouteDoc {
  return {
    tags: ['dialect: Motadata'],
    summary: 'Active users (one entry per live session), as Motadata answers them',
    description: 'API key of an admin account as Authorization: Bearer.',
    security: BEARER,
    response: {
      200: json("Motadata's active users", { type: 'array', items: { type: 'object', additionalProperties: true } }),
      400: DialectError('MD031'),
      401: DialectError('No or a wrong token'),
      403: DialectError('MD022: not an admin'),
    },
  };
}

/** `/v1/sessions/:id` → `/v1/sessions/{id}`, the document's form of a path. */
export const documentPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Adds ROUTE_DOCS to a route's own schema when the document is built; never changes the route. */
const documentRoute: NonNullable<FastifyDynamicSwaggerOptions['transform']> = ({ schema, url: routeUrl, route }) => {
  // swagger-ui registers its page as `${DOCS_PREFIX}/` (Fastify also answers it without the slash).
  const url = routeUrl === `${DOCS_PREFIX}/` ? DOCS_PREFIX : routeUrl;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const doc = methods.map((method) => ROUTE_DOCS[`${method} ${documentPath(url)}`]).find(Boolean);
  if (!doc) return { schema, url };
  // The interactive page is hidden by swagger-ui itself; it belongs in the document all the same.
  const { hide: _hide, ...own } = (schema ?? {}) as FastifySchema & { hide?: boolean };
  return { schema: { ...doc, ...own } as FastifySchema, url };
};

type Operations = Record<string, Record<string, unknown>>;

/**
 * `GET /v1/sessions/{id}/heartbeat` → `getV1SessionsByIdHeartbeat`: derived from the method and path
 * (unique together), so every operation has one, and client generators name their functions after it,
 * without anyone having to remember to add one to a new route.
 */
export function operationIdFor(method: string, path: string): string {
  const pascal = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment)?.[1];
      const parts = (parameter ?? segment)
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map(pascal);
      return (parameter === undefined ? '' : 'By') + parts.join('');
    });
  return method.toLowerCase() + (words.join('') || 'Root');
}

/** Gives every operation of the document its operationId (one route answering two methods gets two). */
function addOperationIds(document: { paths?: Record<string, Operations> }): void {
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      if (typeof operation !== 'object' || operation === null || !PATH_METHODS.has(method)) continue;
      // Copied: the generator shares one operation object between the methods of one route.
      operations[method] = { ...operation, operationId: operation.operationId ?? operationIdFor(method, path) };
    }
  }
}
const PATH_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export interface OpenApiOptions {
  version: string;
  /** The package's SPDX licence id. */
  license: string;
}

/**
 * Registers the generator and /docs, and serves /openapi.json. Call it on the root instance before
 * any route: the generator only sees routes registered after it, in its own scope or below.
 */
export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'rollcall',
        version: options.version,
        description:
          'A self-hosted presence service: who is online, on which device, doing what, since when. Times are Unix seconds. ' +
          'Errors of the v1 API are {"error":{"code","message"}}. Every answer carries x-request-id (yours, if you sent one).',
        license: { name: options.license, identifier: options.license },
      },
      // Relative: paths are on whatever host and port served this document, behind any proxy.
      servers: [{ url: '/', description: 'The rollcall server that serves this document' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          basicAuth: { type: 'http', scheme: 'basic', description: 'An account: role admin or reader' },
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key, the ingest key, or a client token, depending on the route',
          },
        },
      },
    },
    transform: documentRoute,
    transformObject: (documentObject) => {
      const document = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      addOperationIds(document as { paths?: Record<string, Operations> });
      return document;
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: DOCS_CSP });

  app.get(
    OPENAPI_PATH,
    {
      schema: {
        tags: ['operations'],
        summary: 'This document (OpenAPI 3.1)',
        security: OPEN_SECURITY,
        response: {
          200: Type.Object(
            { openapi: Type.String(), info: Type.Unknown(), paths: Type.Unknown() },
            { additionalProperties: true, description: 'The OpenAPI document of every route' },
          ),
        },
      },
    },
    async () => app.swagger(),
  );
}
