// Webhooks at run time: the outbox (stream events → deliveries in the history store) and the worker
// (deliveries → signed POSTs), started after the app and stopped before history closes. Stopping
// writes every delivery still in memory, so changes made at shutdown are delivered after the restart.
import type { WebhookStore } from '../history/history-store.ts';
import type { EventHub } from '../stream/event-hub.ts';
import { WebhookOutbox } from './outbox.ts';
import { WebhookWorker, type WorkerOptions } from './worker.ts';

export interface WebhooksOptions extends Omit<WorkerOptions, 'onDisabled'> {
  /** Where event ids are numbered (see OutboxOptions.origin). */
  origin: string;
  /** Told the number of pending deliveries every few seconds (the metrics' webhook backlog). */
  onBacklog?: (pending: number) => void;
}

/**
 * Milliseconds between counts of pending deliveries: often enough for a scrape every 15 s, rare
 * enough that counting a large backlog costs nothing worth noticing.
 */
const BACKLOG_REPORT_MS = 5_000;

export class Webhooks {
  private readonly outbox: WebhookOutbox;
  private readonly worker: WebhookWorker;
  private stopListening: (() => void) | undefined;
  private backlogTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly history: WebhookStore,
    private readonly events: EventHub,
    private readonly options: WebhooksOptions,
  ) {
    this.worker = new WebhookWorker(history, { ...options, onDisabled: () => this.outbox.refresh() });
    this.outbox = new WebhookOutbox(history, {
      origin: options.origin,
      onError: options.onError,
      onWritten: () => this.worker.kick(),
      ...(options.now && { now: options.now }),
    });
  }

  async start(): Promise<void> {
    await this.outbox.start();
    this.stopListening ??= this.events.listen((event) => this.outbox.accept(event));
    this.worker.start();
    if (this.options.onBacklog) {
      void this.reportBacklog();
      this.backlogTimer ??= setInterval(() => void this.reportBacklog(), BACKLOG_REPORT_MS);
      this.backlogTimer.unref();
    }
  }

  /** Call once the hub has passed on every change (EventHub.stop), so the last ones are written too. */
  async stop(): Promise<void> {
    clearInterval(this.backlogTimer);
    this.backlogTimer = undefined;
    this.stopListening?.();
    this.stopListening = undefined;
    await this.worker.stop();
    await this.outbox.stop();
  }

  /** A subscription changed in this process: match new events against it at once. */
  async subscriptionsChanged(): Promise<void> {
    await this.outbox.refresh();
    this.worker.kick();
  }

  private async reportBacklog(): Promise<void> {
    try {
      this.options.onBacklog?.(await this.history.countPendingWebhookDeliveries());
    } catch (error) {
      this.options.onError(error, 'counting pending webhook deliveries');
    }
  }
}
