// The rules of webhook subscriptions, shared by the HTTP routes and the CLI: which URLs, change types
// and secrets are accepted, and that a secret is generated when none is given, so a subscription
// added with the CLI is the same as one added over HTTP.
import { RollcallError } from '../core/errors.ts';
import type { PresenceChangeType } from '../core/model.ts';
import type {
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookStore,
  WebhookSubscription,
  WebhookSubscriptionPatch,
} from '../history/history-store.ts';
import { isPresenceChangeType, PRESENCE_CHANGE_TYPES } from '../stream/event-types.ts';
import { generateWebhookSecret } from './signature.ts';

export const WEBHOOK_LIMITS = {
  url: 2048,
  secretMin: 16,
  secretMax: 256,
} as const;

export interface NewWebhookInput {
  url: string;
  events: readonly string[];
  /** Generated when absent. */
  secret?: string;
}

/**
 * http or https, with a host. Any host is accepted, loopback and private addresses included:
 * subscriptions are an admin's to manage, and receivers on the same machine are common.
 */
export function checkWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RollcallError('invalid_parameter', 'url: must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RollcallError('invalid_parameter', 'url: must use http or https');
  }
  if (url.href.length > WEBHOOK_LIMITS.url) throw new RollcallError('invalid_parameter', `url: at most ${WEBHOOK_LIMITS.url} characters`);
  return url.href;
}

/** A non-empty list of change types, duplicates dropped, in the order given. */
export function checkWebhookEvents(events: readonly string[]): PresenceChangeType[] {
  const unique = [...new Set(events.map((type) => type.trim()).filter((type) => type !== ''))];
  const wrong = unique.filter((type) => !isPresenceChangeType(type));
  if (unique.length === 0 || wrong.length > 0) {
    throw new RollcallError(
      'invalid_parameter',
      `events: must be a list of ${PRESENCE_CHANGE_TYPES.join(', ')}${wrong.length > 0 ? ` (not ${wrong.join(', ')})` : ''}`,
    );
  }
  return unique as PresenceChangeType[];
}

function checkSecret(secret: string): string {
  if (secret.length < WEBHOOK_LIMITS.secretMin || secret.length > WEBHOOK_LIMITS.secretMax || /\s/.test(secret)) {
    throw new RollcallError(
      'invalid_parameter',
      `secret: ${WEBHOOK_LIMITS.secretMin}-${WEBHOOK_LIMITS.secretMax} characters without spaces`,
    );
  }
  return secret;
}

/**
 * Webhook subscriptions and their deliveries, for the routes and the CLI. `onChange` runs after each
 * change, so a running server matches new events against the new list, and attempts a redelivery, at
 * once (the CLI has none: the server re-reads within a second).
 */
export class WebhookSubscriptions {
  constructor(
    private readonly history: WebhookStore,
    private readonly onChange: () => Promise<void> = async () => {},
  ) {}

  list(): Promise<WebhookSubscription[]> {
    return this.history.listWebhooks();
  }

  async get(id: number): Promise<WebhookSubscription> {
    const subscription = await this.history.getWebhook(id);
    if (!subscription) throw webhookNotFound(id);
    return subscription;
  }

  /** The new subscription, its secret included: the caller shows it once. */
  async add(input: NewWebhookInput): Promise<WebhookSubscription> {
    const created = await this.history.createWebhook({
      url: checkWebhookUrl(input.url),
      events: checkWebhookEvents(input.events),
      secret: input.secret === undefined ? generateWebhookSecret() : checkSecret(input.secret),
    });
    await this.onChange();
    return created;
  }

  async change(id: number, patch: { url?: string; events?: readonly string[]; active?: boolean }): Promise<WebhookSubscription> {
    const checked: WebhookSubscriptionPatch = {
      ...(patch.url !== undefined && { url: checkWebhookUrl(patch.url) }),
      ...(patch.events !== undefined && { events: checkWebhookEvents(patch.events) }),
      ...(patch.active !== undefined && { active: patch.active }),
    };
    const changed = await this.history.updateWebhook(id, checked);
    if (!changed) throw webhookNotFound(id);
    await this.onChange();
    return changed;
  }

  /** Removes it with all its deliveries, pending ones included. */
  async remove(id: number): Promise<void> {
    if (!(await this.history.removeWebhook(id))) throw webhookNotFound(id);
    await this.onChange();
  }

  async deliveries(id: number, query: WebhookDeliveryQuery = {}): Promise<WebhookDelivery[]> {
    await this.get(id);
    return this.history.listWebhookDeliveries(id, query);
  }

  /**
   * Puts a delivered or failed delivery back in the outbox, due now, with its delivery id (receivers
   * ignore one they took already) and the same body; it is retried as a new one would be. A pending
   * delivery is refused (`conflict`): it is on its way already.
   */
  async redeliver(id: number, deliveryId: string): Promise<WebhookDelivery> {
    await this.get(id);
    const found = await this.history.redeliverWebhookDelivery(id, deliveryId, Date.now());
    if (!found) throw new RollcallError('not_found', `webhook subscription ${id} has no delivery ${deliveryId}`);
    if (!found.requeued) {
      throw new RollcallError('conflict', `delivery ${deliveryId} is pending already: it is attempted when its next attempt is due`);
    }
    // A running server's worker looks at once rather than at its next poll.
    await this.onChange();
    return found.delivery;
  }
}

export const webhookNotFound = (id: number) => new RollcallError('not_found', `no webhook subscription ${id}`);
