// The delivery side of webhooks: takes due deliveries from the outbox, POSTs them signed, at most
// `concurrency` at once and each within `timeoutMs`, and records how each attempt ended. A 2xx answer
// delivers; 410 Gone disables the subscription (the receiver says it is gone for good); anything else
// (another status, a refused connection, a timeout) is retried with exponential backoff until the
// retry horizon has passed since the event (or since an admin redelivered it), then the delivery is
// marked failed.
// Receivers are kept apart (receivers.ts): each may have only a few attempts in flight, so a hanging
// one cannot take every slot; one that seems down gets a single probe at a time and its queue rests
// until the retry, while one failing now and then only retries what failed.
// Claims are leases in the store: a delivery being attempted is due again if this process dies
// before it records the outcome, so a restart resumes every pending delivery.
import type {
  DueWebhookDelivery,
  WebhookAttemptOutcome,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookStore,
} from '../history/history-store.ts';
import { retryDelay } from './backoff.ts';
import { Receivers } from './receivers.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './signature.ts';

export interface WorkerOptions {
  concurrency: number;
  /** Attempts in flight at once to one subscription's receiver, on this node. */
  receiverConcurrency: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Milliseconds after its creation (or its last redelivery) that a delivery is still retried. */
  horizonMs: number;
  userAgent: string;
  onError: (error: unknown, context: string) => void;
  /** A receiver answered 410 Gone and its subscription was disabled. */
  onDisabled?: (subscriptionId: number) => Promise<void>;
  /**
   * How attempts end (`pending`: to be retried), and deliveries given up on past the retry horizon
   * (`failed`, `count` at once): the metrics' delivery counters.
   */
  onOutcome?: (status: WebhookDeliveryStatus, count: number) => void;
  now?: () => number;
  random?: () => number;
}

/**
 * Milliseconds between looks at the outbox when nothing said there is work: after each look the worker
 * sleeps until the earliest due delivery, so this only catches what other processes change.
 */
const POLL_MS = 1_000;
/** Milliseconds between expiring overdue deliveries and pruning finished ones. */
const MAINTENANCE_MS = 60_000;
/** Delivered and failed deliveries stay listed this long (7 days), then they are deleted. */
export const FINISHED_RETENTION_MS = 7 * 86_400_000;
/** A claim outlives the attempt's timeout by this much, the time to record its outcome. */
const LEASE_MARGIN_MS = 1_000;
/** Error texts are cut to this length: a status line or a socket error, not a receiver's whole page. */
const MAX_ERROR_LENGTH = 300;

export class WebhookWorker {
  private readonly inflight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly receivers: Receivers;
  private pollTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private running = false;
  private readonly now: () => number;

  constructor(
    private readonly history: WebhookStore,
    private readonly options: WorkerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.receivers = new Receivers(options.receiverConcurrency);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollTimer = setInterval(() => this.kick(), POLL_MS);
    this.maintenanceTimer = setInterval(() => void this.maintain(), MAINTENANCE_MS);
    this.pollTimer.unref();
    this.maintenanceTimer.unref();
    void this.maintain();
    this.kick();
  }

  /**
   * Stops taking deliveries and aborts those in flight without recording them: their claims lapse
   * and the next start sends them again (receivers deduplicate by delivery id).
   */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.pollTimer);
    clearInterval(this.maintenanceTimer);
    clearTimeout(this.wakeTimer);
    for (const { controller } of this.inflight.values()) controller.abort();
    await Promise.allSettled([...this.inflight.values()].map((attempt) => attempt.done));
    await this.ticking;
  }

  /** Looks for due deliveries now (new ones were written, or a slot came free). */
  kick(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.kick();
      }
    });
  }

  /** Deliveries being attempted now. */
  get inFlight(): number {
    return this.inflight.size;
  }

  private async tick(): Promise<void> {
    const free = this.options.concurrency - this.inflight.size;
    if (free <= 0) return;
    const now = this.now();
    const busy = this.receivers.busy();
    let claimed: DueWebhookDelivery[];
    try {
      claimed = await this.history.claimDueWebhookDeliveries(now, free, now + this.options.timeoutMs + LEASE_MARGIN_MS, busy);
    } catch (error) {
      this.options.onError(error, 'claiming webhook deliveries');
      return;
    }
    // A claim may hold more for one receiver than it may still take: those go back, due at once, and
    // the next look passes that receiver over.
    const surplus: string[] = [];
    for (const due of claimed) {
      if (this.receivers.take(due.delivery.subscriptionId)) this.launch(due);
      else surplus.push(due.delivery.id);
    }
    if (surplus.length > 0) {
      await this.history
        .releaseWebhookClaims(surplus, now)
        .catch((error: unknown) => this.options.onError(error, 'handing back webhook claims'));
    }
    // A full claim may have left more due behind; a slot coming free kicks again anyway.
    if (claimed.length === free) {
      this.tickAgain = true;
      return;
    }
    try {
      const next = await this.history.nextWebhookAttemptAt(busy);
      if (next !== undefined) this.wake(next);
    } catch (error) {
      this.options.onError(error, 'reading when the next webhook attempt is due');
    }
  }

  private launch(due: DueWebhookDelivery): void {
    const controller = new AbortController();
    const done = this.attempt(due, controller)
      .catch((error: unknown) => this.options.onError(error, 'recording a webhook attempt'))
      .finally(() => {
        this.inflight.delete(due.delivery.id);
        this.receivers.release(due.delivery.subscriptionId);
        this.kick();
      });
    this.inflight.set(due.delivery.id, { controller, done });
  }

  private async attempt({ delivery, url, secret }: DueWebhookDelivery, controller: AbortController): Promise<void> {
    const timestamp = Math.floor(this.now() / 1000);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    let statusCode: number | undefined;
    let retryAfter: string | null = null;
    let error: string | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.options.userAgent,
          [DELIVERY_HEADER]: delivery.id,
          [EVENT_HEADER]: delivery.eventType,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, delivery.payload),
        },
        body: delivery.payload,
        // A redirect is an answer we do not follow: a signed body must not travel to a place nobody configured.
        redirect: 'manual',
        signal: controller.signal,
      });
      statusCode = response.status;
      retryAfter = response.headers.get('retry-after');
      // The body is not needed; cancelling frees the connection without reading a large answer.
      await response.body?.cancel().catch(() => undefined);
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (caught) {
      if (!this.running && !timedOut) return; // aborted by stop(): the claim lapses and a restart retries
      error = timedOut ? `timed out after ${this.options.timeoutMs} ms` : describeFetchError(caught);
    } finally {
      clearTimeout(timer);
    }
    await this.record(delivery, statusCode, error, retryAfter);
  }

  private async record(
    delivery: WebhookDelivery,
    statusCode: number | undefined,
    error: string | undefined,
    retryAfter: string | null,
  ): Promise<void> {
    const { id, subscriptionId } = delivery;
    // A redelivery gets a horizon of its own: an old event put back in the outbox is retried as long as a new one.
    const horizonFrom = delivery.redeliveredAt ?? delivery.createdAt;
    const attempts = delivery.attempts + 1;
    const at = this.now();
    const facts = {
      at,
      ...(statusCode !== undefined && { statusCode }),
      ...(error !== undefined && { error: error.slice(0, MAX_ERROR_LENGTH) }),
    };
    let outcome: WebhookAttemptOutcome;
    if (error === undefined) {
      outcome = { ...facts, status: 'delivered' };
      this.receivers.answered(subscriptionId);
    } else if (statusCode === 410) {
      outcome = { ...facts, status: 'failed' };
    } else {
      const backoff = retryDelay(attempts, {
        baseMs: this.options.retryBaseMs,
        maxMs: this.options.retryMaxMs,
        ...(this.options.random && { random: this.options.random }),
      });
      // A receiver that says when to come back (429, 503 with Retry-After) is taken at its word, within the longest wait.
      const asked = statusCode === 429 || statusCode === 503 ? retryAfterMs(retryAfter, at) : undefined;
      const nextAttemptAt = at + Math.min(Math.max(backoff, asked ?? 0), this.options.retryMaxMs);
      outcome =
        nextAttemptAt > horizonFrom + this.options.horizonMs
          ? { ...facts, status: 'failed' }
          : { ...facts, status: 'pending', nextAttemptAt };
      // A receiver that seems down rests as a whole until this retry: otherwise each of its other
      // deliveries would take a slot to find out again. One failure among answers that succeed says
      // nothing of the others, so only this delivery waits (a 4xx never says more than that).
      if (
        this.receivers.failed(
          subscriptionId,
          statusCode === undefined ? 'no_answer' : statusCode === 429 || statusCode >= 500 ? 'unwell' : 'refused',
        )
      ) {
        await this.history.deferWebhookDeliveries(subscriptionId, nextAttemptAt);
      }
    }
    // Disabled first: by the time anyone sees the failed delivery, no new ones are queued for it.
    if (statusCode === 410) {
      await this.history.updateWebhook(subscriptionId, { active: false, disabledReason: 'the receiver answered 410 Gone' });
      await this.options.onDisabled?.(subscriptionId);
    }
    await this.history.recordWebhookAttempt(id, outcome);
    this.options.onOutcome?.(outcome.status, 1);
  }

  /** Kicks at `at` (when the earliest pending delivery is due), sooner than the next poll would. */
  private wake(at: number): void {
    if (!this.running || at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = Infinity;
        this.kick();
      },
      Math.max(0, at - this.now()),
    );
    this.wakeTimer.unref();
  }

  /** Gives up on deliveries past the horizon (those of inactive subscriptions wait until then) and forgets old finished ones. */
  private async maintain(): Promise<void> {
    const now = this.now();
    try {
      const expired = await this.history.expireWebhookDeliveries(
        now - this.options.horizonMs,
        now,
        'gave up: not delivered within the retry horizon',
      );
      if (expired > 0) this.options.onOutcome?.('failed', expired);
      await this.history.pruneWebhookDeliveries(now - FINISHED_RETENTION_MS);
    } catch (error) {
      this.options.onError(error, 'webhook outbox maintenance');
    }
  }
}

/** fetch hides the reason in `cause` ("fetch failed" says nothing): name the socket error instead. */
function describeFetchError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** Retry-After in seconds or as an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date always ends in GMT (RFC 9110); Date.parse alone would take "-5" for a year.
  const date = text.endsWith('GMT') ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
