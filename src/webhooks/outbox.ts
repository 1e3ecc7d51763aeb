// The enqueue side of webhooks: matches each stream event against the active subscriptions and puts
// one delivery per match in the history store's outbox. Matching is in memory and writing is batched
// on a timer, so the ingest path that caused the change never waits for a disk write, let alone a
// receiver. Subscriptions are re-read every second (the CLI may change them from another process)
// and at once when this process changes them.
// Each delivery's id is derived from the change and the subscription (delivery-id.ts), so enqueueing
// the same change twice, from a retry or from another node, leaves one entry in the outbox.
import type { NewWebhookDelivery, WebhookStore, WebhookSubscription } from '../history/history-store.ts';
import type { StreamEvent } from '../stream/event-backlog.ts';
import { deliveryId } from './delivery-id.ts';

/** Milliseconds between outbox writes: a delivery starts at most this much after its change. */
const FLUSH_MS = 100;
/** Milliseconds between re-reads of the subscriptions. */
const REFRESH_MS = 1_000;
/**
 * Deliveries held in memory while the store refuses writes. Beyond it the oldest are dropped (and
 * reported): the alternative is a process that runs out of memory because a disk is full.
 */
const MAX_UNWRITTEN = 100_000;

export interface OutboxOptions {
  /**
   * Whose sequence the stream's event ids come from: ids from one origin never repeat. A single node's
   * id, or the cluster's name when every node applies the same sequence.
   */
  origin: string;
  onError: (error: unknown, context: string) => void;
  /** Called after deliveries were written, so the worker looks at once instead of at its next poll. */
  onWritten?: () => void;
  now?: () => number;
}

/**
 * The body of a delivery: the event's JSON with the delivery id and the stream's event id in front.
 * Built from the JSON text, so each subscription's copy costs a concatenation, not a serialization.
 */
export function deliveryBody(event: StreamEvent, deliveryId: string): string {
  return `{"deliveryId":${JSON.stringify(deliveryId)},"eventId":${event.id},${event.data.slice(1)}`;
}

export class WebhookOutbox {
  private active: WebhookSubscription[] = [];
  private unwritten: NewWebhookDelivery[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly history: Pick<WebhookStore, 'listWebhooks' | 'enqueueWebhookDeliveries'>,
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.flushTimer ??= setInterval(() => void this.flush(), FLUSH_MS);
    this.refreshTimer ??= setInterval(() => void this.refresh(), REFRESH_MS);
    this.flushTimer.unref();
    this.refreshTimer.unref();
  }

  /** Stops the timers and writes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.refreshTimer);
    this.flushTimer = this.refreshTimer = undefined;
    await this.flush();
  }

  /** Re-reads the subscriptions; a failure keeps the ones known before. */
  async refresh(): Promise<void> {
    try {
      this.active = (await this.history.listWebhooks()).filter((subscription) => subscription.active);
    } catch (error) {
      this.options.onError(error, 'reading webhook subscriptions');
    }
  }

  /** A stream event: one delivery for each active subscription that wants its type. */
  accept(event: StreamEvent): void {
    for (const subscription of this.active) {
      if (!subscription.events.includes(event.type)) continue;
      const id = deliveryId(this.options.origin, event.id, subscription.id);
      this.unwritten.push({
        id,
        subscriptionId: subscription.id,
        eventType: event.type,
        payload: deliveryBody(event, id),
        createdAt: this.now(),
      });
    }
    if (this.unwritten.length > MAX_UNWRITTEN) {
      const dropped = this.unwritten.splice(0, this.unwritten.length - MAX_UNWRITTEN);
      this.options.onError(new Error(`dropped ${dropped.length} webhook deliveries: the outbox cannot be written`), 'webhook outbox');
    }
  }

  /** Writes what is waiting. Concurrent calls wait for the write in progress, then write again. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.unwritten.length === 0) return;
    const batch = this.unwritten;
    this.unwritten = [];
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async write(batch: NewWebhookDelivery[]): Promise<void> {
    try {
      await this.history.enqueueWebhookDeliveries(batch);
    } catch (error) {
      this.options.onError(error, 'writing the webhook outbox');
      this.unwritten = [...batch, ...this.unwritten];
      return;
    }
    this.options.onWritten?.();
  }
}
