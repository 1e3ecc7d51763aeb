// Prometheus metrics of one rollcall process (prom-client). Each app has a registry of its own, never
// prom-client's global one, so several servers in one process (tests) never share or clash.
//
// Counts that are the cluster's (live sessions, online users) come from the live store when scraped;
// rates that are this node's (sessions it opened, heartbeats it took, its HTTP latencies) are counted
// here. Across several nodes, take max() of the first kind and sum() of the second.
//
// Other parts of rollcall report through this object: the webhook outbox sets `webhookBacklog`, the
// webhook worker counts deliveries, the WebSocket and change-stream routes say how to count their
// connections. The process's own metrics (CPU, memory, GC: prom-client's defaults) are appended when
// scraped (process-metrics.ts).
import { Counter, Gauge, Registry } from 'prom-client';
import { CLIENT_TYPES, type PresenceChange, type Transport } from '../core/model.ts';
import type { WebhookDeliveryStatus } from '../history/history-store.ts';
import type { SessionTally } from '../live/live-store.ts';
import { buildInfo } from './build-info.ts';
import { EventLoopDelay } from './event-loop-delay.ts';
import { processMetrics } from './process-metrics.ts';
import { RequestDurations } from './request-durations.ts';

/** What metrics read from the core (PresenceService has all of it). */
export interface MetricsSource {
  readonly nodeId: string;
  /** Monotonic counters of accepted signs of life, by transport. */
  readonly heartbeatsAccepted: Readonly<Record<Transport, number>>;
  subscribe(listener: (change: PresenceChange) => void): () => void;
  tally(): Promise<SessionTally>;
}

/** Seconds. From a cached answer (~1 ms) to a slow page of 1,000 sessions. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TRANSPORTS: readonly Transport[] = ['http', 'websocket'];

/** Long-lived connections this node holds, counted where they are kept: ingest WebSockets and change streams. */
export type ConnectionKind = 'websocket' | 'sse';

export class Metrics {
  readonly registry = new Registry();
  /**
   * Webhook deliveries waiting in the outbox (pending or due for a retry). The webhook dispatcher sets
   * it whenever it learns the number; it stays 0 while webhooks are not running.
   */
  readonly webhookBacklog: Gauge;
  private readonly requestDuration: RequestDurations;
  private readonly sessionsOpened: Counter<'transport' | 'client_type'>;
  private readonly sessionsEnded: Counter<'reason'>;
  private readonly webhookDeliveries: Counter<'outcome'>;
  private readonly webhookRetries: Counter;
  private readonly eventLoop: EventLoopDelay;
  /** How to count each kind of connection; nothing is counted until its route says how. */
  private readonly openConnections: Record<ConnectionKind, () => number> = { websocket: () => 0, sse: () => 0 };
  private readonly unsubscribe: () => void;

  constructor(private readonly source: MetricsSource) {
    const registers = [this.registry];
    const { version, nodeVersion, commit } = buildInfo();
    new Gauge({
      name: 'rollcall_build_info',
      help: "What is running: rollcall's version, Node's, and the git commit (unknown outside a checkout); always 1",
      labelNames: ['version', 'node_version', 'commit'],
      registers,
    }).set({ version, node_version: nodeVersion, commit }, 1);
    this.webhookBacklog = new Gauge({ name: 'rollcall_webhook_backlog', help: 'Webhook deliveries waiting in the outbox', registers });
    this.webhookDeliveries = new Counter({
      name: 'rollcall_webhook_deliveries_total',
      help: 'Webhook deliveries this node finished: delivered (a 2xx answer), or failed (410 Gone, or not delivered within the retry horizon)',
      labelNames: ['outcome'],
      registers,
    });
    // Both outcomes listed from the start, so a rate over them works before the first failure.
    for (const outcome of ['delivered', 'failed']) this.webhookDeliveries.inc({ outcome }, 0);
    this.webhookRetries = new Counter({
      name: 'rollcall_webhook_retries_total',
      help: 'Webhook attempts that failed (no 2xx answer, a refused connection, a timeout) and will be retried',
      registers,
    });
    const openConnections = this.openConnections;
    new Gauge({
      name: 'rollcall_websocket_connections',
      help: 'Open WebSocket connections to this node (ingest sockets, from upgrade to close)',
      registers,
      collect() {
        this.set(openConnections.websocket());
      },
    });
    new Gauge({
      name: 'rollcall_sse_connections',
      help: 'Open change-stream connections (Server-Sent Events, GET /v1/events) to this node',
      registers,
      collect() {
        this.set(openConnections.sse());
      },
    });
    // Labelled by method, route and status_code; recorded on every answer, so cheaper than prom-client's own.
    this.requestDuration = new RequestDurations({
      name: 'rollcall_http_request_duration_seconds',
      help: 'HTTP answers by route pattern (not the raw URL), method and status',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.sessionsOpened = new Counter({
      name: 'rollcall_sessions_opened_total',
      help: 'Sessions this node opened, by transport and client type',
      labelNames: ['transport', 'client_type'],
      registers,
    });
    this.sessionsEnded = new Counter({
      name: 'rollcall_sessions_ended_total',
      help: 'Sessions of this node that ended, by reason',
      labelNames: ['reason'],
      registers,
    });

    // Read from the core when scraped: the hot path pays one increment and nothing else.
    const counted: Record<Transport, number> = { http: 0, websocket: 0 };
    new Counter({
      name: 'rollcall_heartbeats_total',
      help: 'Signs of life this node accepted (heartbeats, batch entries, WebSocket frames and pongs), by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const transport of TRANSPORTS) {
          const now = source.heartbeatsAccepted[transport];
          this.inc({ transport }, now - counted[transport]);
          counted[transport] = now;
        }
      },
    });

    // One tally per scrape feeds both gauges: prom-client collects them concurrently, so the second
    // joins the first's tally instead of walking every session again.
    let tally: Promise<SessionTally> | undefined;
    const scrapeTally = () =>
      (tally ??= source.tally().finally(() => {
        tally = undefined;
      }));
    new Gauge({
      name: 'rollcall_sessions',
      help: 'Live sessions (cluster-wide), by client type',
      labelNames: ['client_type'],
      registers,
      async collect() {
        const { byClientType } = await scrapeTally();
        // Every type is listed, zeros included, so a type that empties shows 0 rather than vanishing.
        for (const type of CLIENT_TYPES) this.set({ client_type: type }, byClientType[type] ?? 0);
      },
    });
    new Gauge({
      name: 'rollcall_users_online',
      help: 'Users with at least one live session (cluster-wide)',
      registers,
      async collect() {
        this.set((await scrapeTally()).onlineUsers);
      },
    });

    // Stopped again in close(), so stopped servers leave nothing running.
    this.eventLoop = new EventLoopDelay(registers);

    this.unsubscribe = source.subscribe((change) => this.onChange(change));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric, the process's own included. Reading resets nothing. */
  async render(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${process}`;
  }

  /** How to count open connections of one kind (read when scraped, from where the connections are kept). */
  countOpenConnections(kind: ConnectionKind, count: () => number): void {
    this.openConnections[kind] = count;
  }

  /**
   * A webhook attempt ended (`pending`: it will be retried), or `count` deliveries were given up on
   * without one (`failed`, past the retry horizon).
   */
  webhookOutcome(status: WebhookDeliveryStatus, count = 1): void {
    if (status === 'pending') this.webhookRetries.inc(count);
    else this.webhookDeliveries.inc({ outcome: status }, count);
  }

  /** One HTTP answer; `route` is the route's pattern (`/v1/sessions/:id`), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.record(method, route, statusCode, seconds);
  }

  close(): void {
    this.unsubscribe();
    this.eventLoop.close();
  }

  private onChange(change: PresenceChange): void {
    // The feed carries every node's changes; this node counts only its own, so sums across nodes add up.
    if (change.type === 'session.started' && change.session.nodeId === this.source.nodeId) {
      this.sessionsOpened.inc({ transport: change.session.transport, client_type: change.session.clientType });
    } else if (change.type === 'session.ended' && change.session.nodeId === this.source.nodeId) {
      this.sessionsEnded.inc({ reason: change.reason });
    }
  }
}
