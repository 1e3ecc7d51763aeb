// `/v1/webhooks`: managing webhook subscriptions, looking at their deliveries and sending one again.
// Admin only (an admin account, or an API key of one). The rules are subscriptions.ts's, shared with
// the CLI; the secret is in the creation answer and nowhere else.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireReader } from '../api/access.ts';
import { NoContent, READER_SECURITY, errorResponses, stringEnum } from '../api/schemas.ts';
import type { Credentials } from '../auth/credentials.ts';
import { NO_STORE } from '../http/security-headers.ts';
import { WEBHOOK_DELIVERY_STATUSES } from '../history/history-store.ts';
import { PRESENCE_CHANGE_TYPES } from '../stream/event-types.ts';
import { WEBHOOK_LIMITS, type WebhookSubscriptions } from './subscriptions.ts';
import { CreatedWebhookJsonSchema, DeliveryJsonSchema, WebhookJsonSchema, deliveryJson, webhookJson } from './webhook-json.ts';

export interface WebhookRoutesOptions {
  subscriptions: WebhookSubscriptions;
  credentials: Credentials;
}

const WebhookParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false });
const EventTypes = Type.Array(stringEnum(PRESENCE_CHANGE_TYPES), {
  minItems: 1,
  maxItems: PRESENCE_CHANGE_TYPES.length,
  uniqueItems: true,
});
const Url = Type.String({ minLength: 1, maxLength: WEBHOOK_LIMITS.url, description: 'http or https' });

const NewWebhookBody = Type.Object(
  {
    url: Url,
    events: EventTypes,
    secret: Type.Optional(
      Type.String({
        minLength: WEBHOOK_LIMITS.secretMin,
        maxLength: WEBHOOK_LIMITS.secretMax,
        description: 'The HMAC-SHA256 key of X-Rollcall-Signature; generated when absent',
      }),
    ),
  },
  { additionalProperties: false },
);
const WebhookPatchBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(EventTypes),
    active: Type.Optional(Type.Boolean({ description: 'true re-enables a subscription (also one disabled by a 410 answer)' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const DeliveryParams = Type.Object(
  {
    ...WebhookParams.properties,
    deliveryId: Type.String({ minLength: 1, maxLength: 64, description: 'The delivery id, as deliveries list it (X-Rollcall-Delivery)' }),
  },
  { additionalProperties: false },
);
const DeliveriesQuery = Type.Object(
  {
    status: Type.Optional(stringEnum(WEBHOOK_DELIVERY_STATUSES)),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRoutesOptions> = async (app, { subscriptions, credentials }) => {
  requireReader(app, credentials, { admin: true });
  const common = { tags: ['webhooks'], security: READER_SECURITY };

  app.get(
    '/v1/webhooks',
    {
      schema: {
        ...common,
        summary: 'List webhook subscriptions',
        response: { 200: Type.Object({ webhooks: Type.Array(WebhookJsonSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ webhooks: (await subscriptions.list()).map(webhookJson) }),
  );

  app.post(
    '/v1/webhooks',
    {
      schema: {
        ...common,
        summary: 'Subscribe a URL to change types',
        body: NewWebhookBody,
        response: { 201: CreatedWebhookJsonSchema, ...errorResponses(400, 401, 403, 415) },
      },
    },
    async (request, reply) => {
      const created = await subscriptions.add(request.body);
      return reply
        .status(201)
        .header('cache-control', NO_STORE)
        .send({ ...webhookJson(created), secret: created.secret });
    },
  );

  app.get(
    '/v1/webhooks/:id',
    {
      schema: {
        ...common,
        summary: 'One webhook subscription',
        params: WebhookParams,
        response: { 200: WebhookJsonSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhookJson(await subscriptions.get(request.params.id)),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      schema: {
        ...common,
        summary: 'Change a subscription: its URL, its change types, or whether it is active',
        params: WebhookParams,
        body: WebhookPatchBody,
        response: { 200: WebhookJsonSchema, ...errorResponses(400, 401, 403, 404, 415) },
      },
    },
    async (request) => webhookJson(await subscriptions.change(request.params.id, request.body)),
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      schema: {
        ...common,
        summary: 'Remove a subscription and its deliveries, pending ones included',
        params: WebhookParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await subscriptions.remove(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        ...common,
        summary: "A subscription's deliveries, newest first: status, attempts, next attempt, last answer or error",
        params: WebhookParams,
        querystring: DeliveriesQuery,
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryJsonSchema) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { status, limit } = request.query;
      const deliveries = await subscriptions.deliveries(request.params.id, { limit, ...(status !== undefined && { status }) });
      return { deliveries: deliveries.map(deliveryJson) };
    },
  );

  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        ...common,
        summary: 'Send a delivered or failed delivery again',
        description:
          'Puts it back in the outbox, due now, with the same delivery id and body (receivers ignore one they already took), and ' +
          'retries it as a new delivery until the retry horizon has passed again. 409 when it is pending already.',
        params: DeliveryParams,
        response: { 202: DeliveryJsonSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const delivery = await subscriptions.redeliver(request.params.id, request.params.deliveryId);
      return reply.status(202).send(deliveryJson(delivery));
    },
  );
};
