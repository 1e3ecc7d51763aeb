// `/v1/oauth-clients`: the OAuth2 API clients that BeyondTrust integrations trade for bearer tokens at
// POST /oauth2/token, managed over HTTP as `rollcall clients` manages them (the rules are
// auth/oauth/client-administration.ts's, shared with the CLI). Admin role only; readers get 403. A secret
// is in the answer that set it and nowhere else: the store keeps its sha256.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Credentials } from '../auth/credentials.ts';
import { API_CLIENT_LABEL_MAX, type ApiClientAdministration, type ClientWithSecret } from '../auth/oauth/client-administration.ts';
import { COMMAND_PERMISSIONS, type ApiClientRecord } from '../history/history-store.ts';
import { NO_STORE } from '../http/security-headers.ts';
import { requireReader } from './access.ts';
import { toSeconds } from './presence-json.ts';
import { NoContent, READER_SECURITY, errorResponses, stringEnum } from './schemas.ts';

export interface OAuthClientRoutesOptions {
  apiClients: ApiClientAdministration;
  credentials: Credentials;
}

const Permission = stringEnum(COMMAND_PERMISSIONS, {
  description: 'What the client may do through the BeyondTrust command API (every action only reads; deny refuses them all)',
});

const ClientJson = Type.Object(
  {
    id: Type.String({ description: 'The client id: the Basic user name at POST /oauth2/token' }),
    label: Type.Optional(Type.String()),
    permission: Permission,
    createdAt: Type.Integer({ description: 'Unix seconds' }),
    secretCreatedAt: Type.Integer({ description: 'When the current secret was set (Unix seconds)' }),
    revokedAt: Type.Optional(Type.Integer({ description: 'Unix seconds; absent while the client is live' })),
  },
  { description: 'An OAuth2 API client, never its secret' },
);
const ClientWithSecretJson = Type.Object(
  {
    ...ClientJson.properties,
    secret: Type.String({ description: 'The client secret: shown this once, stored as its sha256' }),
  },
  { description: 'The client with the secret just set' },
);
const NewClientBody = Type.Object(
  {
    permission: Permission,
    label: Type.Optional(Type.String({ minLength: 1, maxLength: API_CLIENT_LABEL_MAX, description: 'A note shown in listings' })),
  },
  { additionalProperties: false },
);
const ClientParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

const clientJson = (record: ApiClientRecord) => ({
  id: record.id,
  ...(record.label !== undefined && { label: record.label }),
  permission: record.permission,
  createdAt: toSeconds(record.createdAt),
  secretCreatedAt: toSeconds(record.secretCreatedAt),
  ...(record.revokedAt !== undefined && { revokedAt: toSeconds(record.revokedAt) }),
});

const withSecretJson = ({ record, secret }: ClientWithSecret) => ({ ...clientJson(record), secret });

export const oauthClientRoutes: FastifyPluginAsyncTypebox<OAuthClientRoutesOptions> = async (app, { apiClients, credentials }) => {
  requireReader(app, credentials, { admin: true });
  const common = { tags: ['admin'], security: READER_SECURITY };

  app.get(
    '/v1/oauth-clients',
    {
      schema: {
        ...common,
        summary: 'List OAuth2 API clients',
        description: 'Revoked clients included, oldest first. Secrets are never shown again.',
        response: { 200: Type.Object({ clients: Type.Array(ClientJson) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ clients: (await apiClients.list()).map(clientJson) }),
  );

  app.post(
    '/v1/oauth-clients',
    {
      schema: {
        ...common,
        summary: 'Create an OAuth2 API client',
        description: 'The client id is generated; the secret is answered this once and stored as its sha256.',
        body: NewClientBody,
        response: { 201: ClientWithSecretJson, ...errorResponses(400, 401, 403, 415) },
      },
    },
    async (request, reply) => {
      const created = await apiClients.create(request.body);
      return reply.status(201).header('cache-control', NO_STORE).send(withSecretJson(created));
    },
  );

  app.post(
    '/v1/oauth-clients/:id/secret',
    {
      schema: {
        ...common,
        summary: "Replace an OAuth2 API client's secret",
        description: 'The new secret is answered this once. Every token the client holds stops working at once.',
        params: ClientParams,
        response: { 200: ClientWithSecretJson, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const replaced = await apiClients.regenerateSecret(request.params.id);
      return reply.header('cache-control', NO_STORE).send(withSecretJson(replaced));
    },
  );

  app.delete(
    '/v1/oauth-clients/:id',
    {
      schema: {
        ...common,
        summary: 'Revoke an OAuth2 API client',
        description: 'Its tokens stop working at once. It stays listed, with revokedAt; a second revoke is 404.',
        params: ClientParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await apiClients.revoke(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
