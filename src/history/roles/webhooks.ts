// Webhook subscriptions and their outbox of deliveries: the durable hand-off between the change feed
// (webhooks/outbox.ts enqueues) and the delivery workers of every node (webhooks/worker.ts).

import type { PresenceChangeType } from '../../core/model.ts';

/** A webhook subscription: where to POST which changes, and the secret that signs them. */
export interface WebhookSubscription {
  id: number;
  /** http or https. */
  url: string;
  /** The change types delivered, in the order given. */
  events: PresenceChangeType[];
  /** HMAC-SHA256 key of the signature header. Kept as given: signing needs the secret itself. */
  secret: string;
  /** Inactive subscriptions get no new deliveries, and their pending ones wait (until they expire). */
  active: boolean;
  createdAt: number;
  /** Why rollcall disabled it (a 410 Gone answer), while it is inactive for that reason. */
  disabledReason?: string;
}

export interface NewWebhookSubscription {
  url: string;
  events: PresenceChangeType[];
  secret: string;
}

/** Fields to change; absent ones stay. Activating clears `disabledReason`. */
export interface WebhookSubscriptionPatch {
  url?: string;
  events?: PresenceChangeType[];
  active?: boolean;
  /** Stored only with `active: false`. */
  disabledReason?: string;
}

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A delivery put in the outbox: one event for one subscription, with the exact body to send. */
export interface NewWebhookDelivery {
  /** Unique across installations (a UUID): receivers use it to ignore a delivery they already took. */
  id: string;
  subscriptionId: number;
  eventType: PresenceChangeType;
  /** The JSON body, byte for byte the same on every attempt. */
  payload: string;
  createdAt: number;
}

export interface WebhookDelivery extends NewWebhookDelivery {
  status: WebhookDeliveryStatus;
  /** Attempts that finished (an answer, an error or a timeout). */
  attempts: number;
  /** When a pending delivery is due (or, while it is being attempted, when its claim lapses). */
  nextAttemptAt?: number;
  lastAttemptAt?: number;
  /** HTTP status of the last answer, if there was one. */
  lastStatusCode?: number;
  /** What went wrong on the last attempt (connection refused, timeout, the status), if it failed. */
  lastError?: string;
  /** When it was delivered or given up. */
  finishedAt?: number;
  /** When an admin last put it back in the outbox; its retry horizon counts from then, not from `createdAt`. */
  redeliveredAt?: number;
}

/** A claimed delivery with where to send it and how to sign it, read in the same step as the claim. */
export interface DueWebhookDelivery {
  delivery: WebhookDelivery;
  url: string;
  secret: string;
}

/** How one attempt ended, and so what becomes of the delivery. */
export type WebhookAttemptOutcome = {
  at: number;
  statusCode?: number;
  error?: string;
} & ({ status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: number });

export interface WebhookDeliveryQuery {
  status?: WebhookDeliveryStatus;
  /** Newest first; default 50. */
  limit?: number;
}

export interface WebhookStore {
  createWebhook(input: NewWebhookSubscription): Promise<WebhookSubscription>;
  getWebhook(id: number): Promise<WebhookSubscription | undefined>;
  /** Every subscription, oldest first. */
  listWebhooks(): Promise<WebhookSubscription[]>;
  /** The changed subscription; undefined when there is none with this id. */
  updateWebhook(id: number, patch: WebhookSubscriptionPatch): Promise<WebhookSubscription | undefined>;
  /** Removes the subscription and all its deliveries. False when there was none. */
  removeWebhook(id: number): Promise<boolean>;

  /**
   * Puts deliveries in the outbox, all or none, due at once. Deliveries of a subscription removed
   * meanwhile are dropped; an id already in the outbox is kept as it was (a retried batch).
   */
  enqueueWebhookDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void>;
  /**
   * Takes up to `limit` pending deliveries due at `now` of active subscriptions, earliest first, and
   * moves their next attempt to `leaseUntil`: nobody else takes them meanwhile, and if this claimant
   * stops without recording an outcome they are due again then. Subscriptions in `skip` are passed
   * over (their receivers have all the attempts in flight they may have).
   */
  claimDueWebhookDeliveries(now: number, limit: number, leaseUntil: number, skip?: readonly number[]): Promise<DueWebhookDelivery[]>;
  /**
   * Hands back claimed deliveries that were not attempted: pending ones are due again at `dueAt`.
   * Answers how many.
   */
  releaseWebhookClaims(ids: readonly string[], dueAt: number): Promise<number>;
  /**
   * When the earliest pending delivery of an active subscription not in `skip` is due (claimed ones:
   * when their claim lapses).
   */
  nextWebhookAttemptAt(skip?: readonly number[]): Promise<number | undefined>;
  /** Records a finished attempt of a pending delivery. False (and no change) when it is not pending. */
  recordWebhookAttempt(id: string, outcome: WebhookAttemptOutcome): Promise<boolean>;
  /**
   * Moves the pending deliveries of a subscription that are due before `until` to `until`; answers how
   * many. A receiver that is down rests as a whole, rather than each of its deliveries taking a worker
   * slot to find out again.
   */
  deferWebhookDeliveries(subscriptionId: number, until: number): Promise<number>;
  /**
   * Puts a delivered or failed delivery of `subscriptionId` back in the outbox, due at `at`, with its id
   * (receivers ignore what they took already) and its body as they were; its retry horizon starts
   * again at `at`. Answers the delivery as it is now and whether this call requeued it (false: it was
   * pending, and stays as it was); undefined when the subscription has no delivery with this id.
   */
  redeliverWebhookDelivery(
    subscriptionId: number,
    id: string,
    at: number,
  ): Promise<{ delivery: WebhookDelivery; requeued: boolean } | undefined>;
  /** One subscription's deliveries, newest first. */
  listWebhookDeliveries(subscriptionId: number, query?: WebhookDeliveryQuery): Promise<WebhookDelivery[]>;
  /** Pending deliveries over all subscriptions (the outbox backlog). */
  countPendingWebhookDeliveries(): Promise<number>;
  /**
   * Marks pending deliveries created (or redelivered, when they were) before `createdBefore` failed
   * with `error`; answers how many.
   */
  expireWebhookDeliveries(createdBefore: number, now: number, error: string): Promise<number>;
  /** Deletes delivered and failed deliveries that finished before `finishedBefore`; answers how many. */
  pruneWebhookDeliveries(finishedBefore: number): Promise<number>;
}
