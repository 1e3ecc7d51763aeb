// The public JSON of webhook subscriptions and deliveries, as schemas and as the functions that build
// them. The secret appears only in the answer that created it. Times are Unix seconds.
import { Type, type Static } from '@sinclair/typebox';
import { toSeconds } from '../api/presence-json.ts';
import { stringEnum } from '../api/schemas.ts';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDelivery, type WebhookSubscription } from '../history/history-store.ts';
import { PRESENCE_CHANGE_TYPES } from '../stream/event-types.ts';

const UnixSeconds = (description: string) => Type.Integer({ description: `${description} (Unix seconds)` });

export const WebhookJsonSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    url: Type.String({ description: 'Where deliveries are POSTed' }),
    events: Type.Array(stringEnum(PRESENCE_CHANGE_TYPES), { description: 'The change types delivered' }),
    active: Type.Boolean({ description: 'Inactive subscriptions get no new deliveries; their pending ones wait' }),
    createdAt: UnixSeconds('When it was created'),
    disabledReason: Type.Optional(Type.String({ description: 'Why rollcall disabled it (the receiver answered 410 Gone)' })),
  },
  { description: 'A webhook subscription' },
);
export type WebhookJson = Static<typeof WebhookJsonSchema>;

export const CreatedWebhookJsonSchema = Type.Object(
  {
    ...WebhookJsonSchema.properties,
    secret: Type.String({ description: 'The signing secret: shown in this answer only' }),
  },
  { description: 'The new subscription, with its secret' },
);

export const DeliveryJsonSchema = Type.Object(
  {
    id: Type.String({ description: 'The delivery id, sent as X-Rollcall-Delivery' }),
    eventType: stringEnum(PRESENCE_CHANGE_TYPES),
    status: stringEnum(WEBHOOK_DELIVERY_STATUSES, {
      description: 'pending: waiting for its next attempt; delivered: a 2xx answer; failed: given up',
    }),
    attempts: Type.Integer({ minimum: 0, description: 'Attempts made so far' }),
    createdAt: UnixSeconds('When the event happened'),
    nextAttemptAt: Type.Optional(UnixSeconds('When a pending delivery is tried next')),
    lastAttemptAt: Type.Optional(UnixSeconds('When it was last tried')),
    lastStatusCode: Type.Optional(Type.Integer({ description: 'The HTTP status of the last answer' })),
    lastError: Type.Optional(Type.String({ description: 'What went wrong on the last attempt' })),
    finishedAt: Type.Optional(UnixSeconds('When it was delivered or given up')),
    redeliveredAt: Type.Optional(UnixSeconds('When an admin last redelivered it; its retries count from then')),
  },
  { description: 'One event for one subscription, and how its attempts went' },
);
export type DeliveryJson = Static<typeof DeliveryJsonSchema>;

export function webhookJson(subscription: WebhookSubscription): WebhookJson {
  return {
    id: subscription.id,
    url: subscription.url,
    events: subscription.events,
    active: subscription.active,
    createdAt: toSeconds(subscription.createdAt),
    ...(subscription.disabledReason !== undefined && { disabledReason: subscription.disabledReason }),
  };
}

export function deliveryJson(delivery: WebhookDelivery): DeliveryJson {
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : toSeconds(ms));
  return {
    id: delivery.id,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    createdAt: toSeconds(delivery.createdAt),
    nextAttemptAt: seconds(delivery.nextAttemptAt),
    lastAttemptAt: seconds(delivery.lastAttemptAt),
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    finishedAt: seconds(delivery.finishedAt),
    redeliveredAt: seconds(delivery.redeliveredAt),
  };
}
