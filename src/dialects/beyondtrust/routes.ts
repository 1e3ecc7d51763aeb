// The BeyondTrust (formerly Bomgar) dialect: the XML command API at /api/command and /api/command.ns
// (GET, or POST with a form body), the OAuth2 token endpoint its integrations use, and the plain
// GET /check_health probe. Handlers validate, authorise, call the core and serialize; this folder holds
// the dialect's whole shape (parameters, XML, errors) and reads presence only through the core.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseBearer, type Credentials } from '../../auth/credentials.ts';
import type { OAuthClients } from '../../auth/oauth/api-clients.ts';
import { isRollcallError, RollcallError } from '../../core/errors.ts';
import type { PresenceService } from '../../core/presence-service.ts';
import { joinPieces } from '../../http/body-writer.ts';
import { ResponseCache } from '../../http/response-cache.ts';
import { sendShared } from '../../http/send-shared.ts';
import { SharedAnswer } from '../../http/shared-answer.ts';
import { findAction, type CommandAction } from './actions.ts';
import { authenticateCaller, type CommandCaller } from './caller.ts';
import { actionErrorXml, commandErrorHandler, sendRootError, sendXml, XML_CONTENT_TYPE } from './errors.ts';
import { oauthTokenRoute } from './oauth-route.ts';
import { mergeParams, type RawParams } from './params.ts';
import { ClientFragments } from './serializer.ts';

export interface BeyondTrustOptions {
  presence: PresenceService;
  credentials: Credentials;
  oauth: OAuthClients;
  /** Default namespace of every answer's root (config `btNamespace`). */
  namespace: string;
  /** Milliseconds identical queries share one answer (config `btCacheMs`); 0 turns sharing off. */
  cacheMs: number;
}

const FORM = 'application/x-www-form-urlencoded';
/**
 * A command's parameters: a user name (64) and a password (up to 1 KB), an action, a type list and at
 * most 100 ids of 10 digits, under 4 KB even percent-encoded twice over; 16 KB leaves room for clients
 * that add parameters of their own. Legacy clients send their credentials in this body, so it is read
 * before they can be checked: it stays small.
 */
const FORM_BODY_LIMIT = 16 * 1024;

/** A form body as the query-string parser gives a query: a repeated name becomes an array. */
function parseForm(body: string): RawParams {
  // No prototype: a parameter named __proto__ must stay a parameter.
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

const isForm = (request: FastifyRequest) => (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM);

const commandRoutes: FastifyPluginAsync<BeyondTrustOptions> = async (app, options) => {
  const { presence, credentials, oauth, namespace } = options;
  // Answers are kept joined: a shared answer goes out as one Buffer to every poller.
  const cache = new ResponseCache<SharedAnswer>({ windowMs: options.cacheMs, version: () => options.presence.appliedSeq() });
  const fragments = new ClientFragments();
  app.addHook('onClose', async () => {
    cache.clear();
    fragments.clear();
  });
  app.setErrorHandler(commandErrorHandler(namespace));

  // A bearer token is checked before any body is read; username and password may be in the form body
  // itself, so those are checked once it is read (it is small: FORM_BODY_LIMIT).
  const callers = new WeakMap<FastifyRequest, CommandCaller>();
  app.addHook('onRequest', async (request) => {
    const authorization = request.headers.authorization;
    if (parseBearer(authorization) === undefined) return;
    callers.set(request, await authenticateCaller(authorization, {}, credentials, oauth, request.ip));
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    let params: RawParams;
    let caller: CommandCaller;
    let name: string;
    let action: CommandAction;
    try {
      if (request.method === 'POST' && request.body !== undefined && !isForm(request)) {
        throw new RollcallError('invalid_body', `unsupported body: send parameters in the query string or as ${FORM}`);
      }
      params = mergeParams(request.query, request.body);
      caller = callers.get(request) ?? (await authenticateCaller(request.headers.authorization, params, credentials, oauth, request.ip));
      ({ name, action } = findAction(params));
    } catch (error) {
      if (isRollcallError(error)) return sendRootError(reply, error, namespace);
      throw error;
    }

    let prepared;
    try {
      prepared = action.prepare(params);
    } catch (error) {
      if (isRollcallError(error)) return sendXml(reply, actionErrorXml(action.root, error.message, namespace));
      throw error;
    }
    // The permission is part of the key: callers whose answers could differ never share one.
    const key = `${caller.permission}\n${name}\n${prepared.key}`;
    const answer = await cache.get(
      key,
      async () =>
        new SharedAnswer(joinPieces(await prepared.render({ presence, permission: caller.permission, render: { namespace, fragments } }))),
    );
    // Only a shared answer carries a tag and is compressed (once, for every poller of its window).
    return cache.shares ? sendShared(request, reply, answer, { contentType: XML_CONTENT_TYPE }) : sendXml(reply, [answer.body]);
  };

  for (const url of ['/api/command', '/api/command.ns']) {
    app.route({ method: ['GET', 'POST'], url, handler: handle });
  }
};

export const beyondTrustDialect: FastifyPluginAsync<BeyondTrustOptions> = async (app, options) => {
  // Registered here, so form bodies are parsed for this dialect's routes only.
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });
  await app.register(commandRoutes, options);
  await app.register(oauthTokenRoute, { oauth: options.oauth });

  // The appliance's plain probe: 200 or 500 and a short text, nothing else exposed.
  app.get('/check_health', async (_request, reply) => {
    const health = await options.presence.health();
    void reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store');
    return health.ok ? reply.send('OK: healthy\n') : reply.status(500).send(`ERROR: ${health.problem}\n`);
  });
};
