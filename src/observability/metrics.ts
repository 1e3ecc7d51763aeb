// Prometheus metrics of one rollcall process (prom-client). Each app has a registry of its own, never
// prom-client's global one, so several servers in one process (tests) never share or clash.
//
// Counts that are the cluster's (live sessions, online users) come from the live store when scraped;
// rates that are this node's (sessions it opened, heartbeats it took, its HTTP latencies) are counted
// here. Across several nodes, take max() of the first kind and sum() of the second.
//
// Other parts of rollcall report through this object: the webhook outbox sets `webhookBacklog`.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import { CLIENT_TYPES, type PresenceChange, type Transport } from '../core/model.ts';
import type { SessionTally } from '../live/live-store.ts';
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
/** Milliseconds between event-loop delay samples: fine enough to see a 20 ms stall. */
const EVENT_LOOP_RESOLUTION_MS = 10;
const TRANSPORTS: readonly Transport[] = ['http', 'websocket'];

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
  private readonly eventLoop: IntervalHistogram;
  private readonly unsubscribe: () => void;

  constructor(private readonly source: MetricsSource) {
    const registers = [this.registry];
    this.webhookBacklog = new Gauge({ name: 'rollcall_webhook_backlog', help: 'Webhook deliveries waiting in the outbox', registers });
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

    // Delay of this process's event loop since the previous scrape: a stalled loop delays every
    // heartbeat and answer. Disabled again in close(), so stopped servers leave nothing running.
    const eventLoop = (this.eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS }));
    eventLoop.enable();
    const lag = (name: string, help: string, read: (h: IntervalHistogram) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          // An empty histogram reports absurd extremes; no sample yet means no measured delay.
          this.set(eventLoop.count === 0 ? 0 : read(eventLoop) / 1e9);
        },
      });
    lag('nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay since the last scrape', (h) => h.mean);
    lag('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the last scrape', (h) => h.percentile(50));
    lag('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event-loop delay since the last scrape', (h) => h.percentile(99));
    lag('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay since the last scrape', (h) => h.max);
    new Gauge({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });

    this.unsubscribe = source.subscribe((change) => this.onChange(change));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    const text = await this.registry.metrics();
    // The event-loop gauges cover the time between two scrapes.
    this.eventLoop.reset();
    return text;
  }

  /** One HTTP answer; `route` is the route's pattern (`/v1/sessions/:id`), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.record(method, route, statusCode, seconds);
  }

  close(): void {
    this.unsubscribe();
    this.eventLoop.disable();
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
