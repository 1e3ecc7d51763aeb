// `POST /oauth2/token`: the OAuth2 client credentials grant as BeyondTrust integrations call it —
// Basic client id and secret, `grant_type=client_credentials` as a form or as JSON. Answers and errors
// follow RFC 6749 (§5.1, §5.2): JSON, `Cache-Control: no-store`, 401 with a Basic challenge for a
// client that failed to authenticate.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthClients } from '../../auth/oauth/api-clients.ts';
import type { ApiClientRecord } from '../../history/history-store.ts';
import { setRetryAfter, toRollcallError } from '../../api/errors.ts';

export interface OAuthRouteOptions {
  oauth: OAuthClients;
}

/**
 * RFC 6749's codes; `temporarily_unavailable` (from its registry, RFC 6749 §4.1.2.1) is the nearest it
 * has for a client told to wait: sent with 429 and Retry-After after too many failed secrets.
 */
type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'temporarily_unavailable' | 'server_error';

/** `grant_type=client_credentials` and perhaps a scope: a token request is a few dozen bytes. */
const TOKEN_BODY_LIMIT = 4 * 1024;

function sendOAuthError(reply: FastifyReply, status: number, error: OAuthErrorCode, description: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="rollcall"');
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error, error_description: description });
}

/** `grant_type` from a form (string or repeated) or a JSON object; undefined when the body has none. */
function grantTypeOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  return (body as Record<string, unknown>)['grant_type'];
}

export const oauthTokenRoute: FastifyPluginAsync<OAuthRouteOptions> = async (app, { oauth }) => {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toRollcallError(error);
    if (known?.code === 'unauthorized') return sendOAuthError(reply, 401, 'invalid_client', known.message);
    if (known?.code === 'rate_limited') {
      setRetryAfter(reply, known);
      return sendOAuthError(reply, 429, 'temporarily_unavailable', known.message);
    }
    if (known) return sendOAuthError(reply, 400, 'invalid_request', 'send grant_type=client_credentials as a form or a JSON body');
    const errorId = randomUUID();
    request.log.error({ err: error, errorId }, 'token request failed');
    return sendOAuthError(reply, 500, 'server_error', `internal error; reference ${errorId}`);
  });

  // The client authenticates before its body is read (Basic credentials are in the header).
  const clients = new WeakMap<FastifyRequest, ApiClientRecord>();
  const authenticate = async (request: FastifyRequest) => {
    clients.set(request, await oauth.authenticateClient(request.headers.authorization, request.ip));
  };

  app.post('/oauth2/token', { onRequest: authenticate, bodyLimit: TOKEN_BODY_LIMIT }, async (request, reply) => {
    const client = clients.get(request);
    if (!client) throw new Error('token route without its credential hook');
    const grantType = grantTypeOf(request.body);
    if (grantType === undefined)
      return sendOAuthError(reply, 400, 'invalid_request', 'grant_type is missing; send grant_type=client_credentials');
    if (grantType !== 'client_credentials') {
      return sendOAuthError(reply, 400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }
    const issued = await oauth.issueTokenFor(client);
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ access_token: issued.accessToken, token_type: issued.tokenType, expires_in: issued.expiresIn });
  });
};
