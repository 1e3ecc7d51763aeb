// What every view shares while someone is signed in: the change stream, delivered in per-frame
// batches, and the statistics (counts and chart samples), refreshed from `GET /v1/stats` and nudged
// between refreshes by the stream so counts move the moment sessions come and go.
import type { Api } from './api.ts';
import { FrameBatcher } from './frame-batcher.ts';
import { EventStream, type StreamStatus } from './sse.ts';
import type { ChangeEvent, ChangeType, StatsJson } from './types.ts';

const CHANGE_TYPES: ReadonlySet<string> = new Set<ChangeType>([
  'session.started',
  'session.updated',
  'session.ended',
  'user.online',
  'user.offline',
]);

export type ChangeListener = (batch: readonly ChangeEvent[]) => void;

export class ChangeHub {
  private readonly listeners = new Set<ChangeListener>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(status: StreamStatus, detail?: string) => void>();
  private readonly batcher = new FrameBatcher<ChangeEvent>((batch) => {
    for (const listener of this.listeners) listener(batch);
  });
  private readonly stream: EventStream;
  /** Events received (the page's status line and tests read it). */
  received = 0;

  constructor(api: Api, onUnauthorized: () => void) {
    this.stream = new EventStream({
      url: '/v1/events',
      authorization: () => api.authorization,
      onUnauthorized,
      onStatus: (status, detail) => {
        for (const listener of this.statusListeners) listener(status, detail);
      },
      onMessage: (message) => {
        if (message.event === 'resync') {
          // The server's backlog no longer reaches back to our last event: start over from a snapshot.
          this.batcher.dispose();
          for (const listener of this.resyncListeners) listener();
          return;
        }
        let event: ChangeEvent;
        try {
          event = JSON.parse(message.data) as ChangeEvent;
        } catch {
          return;
        }
        if (!event || !CHANGE_TYPES.has(event.type)) return;
        this.received++;
        this.batcher.push(event);
      },
    });
  }

  get status(): StreamStatus {
    return this.stream.status;
  }

  start(): void {
    this.stream.start();
  }

  stop(): void {
    this.stream.stop();
    this.batcher.dispose();
  }

  /** Resolves once the stream is open, so a snapshot loaded afterwards misses no change. */
  whenOpen(timeoutMs = 2_000): Promise<void> {
    return this.stream.whenOpen(timeoutMs);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onStatus(listener: (status: StreamStatus, detail?: string) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }
}

/** Polls `GET /v1/stats`; between polls, stream events move the counts. */
export class StatsStore {
  stats: StatsJson | undefined;
  error: string | undefined;
  private readonly listeners = new Set<() => void>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private soonTimer: ReturnType<typeof setTimeout> | undefined;
  private notifyTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly api: Api,
    hub: ChangeHub,
    /** Full refresh interval, in ms (the chart's samples come one a minute). */
    private readonly pollMs = 10_000,
  ) {
    this.unsubscribe.push(
      hub.subscribe((batch) => this.apply(batch)),
      hub.onResync(() => void this.refresh()),
    );
  }

  start(): void {
    void this.refresh();
    this.pollTimer ??= setInterval(() => void this.refresh(), this.pollMs);
  }

  stop(): void {
    clearInterval(this.pollTimer);
    clearTimeout(this.soonTimer);
    clearTimeout(this.notifyTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        this.stats = await this.api.get<StatsJson>('/v1/stats');
        this.error = undefined;
      } catch (error) {
        this.error = error instanceof Error ? error.message : String(error);
      } finally {
        this.refreshing = undefined;
      }
      this.notify();
    })();
    return this.refreshing;
  }

  private notify() {
    for (const listener of this.listeners) listener();
  }

  /** Moves the counts by what the stream says, then settles them with the server shortly after. */
  private apply(batch: readonly ChangeEvent[]) {
    const stats = this.stats;
    if (!stats) return;
    let changed = false;
    const bump = (counts: Record<string, number>, key: string | undefined, by: number) => {
      if (key === undefined) return;
      const next = (counts[key] ?? 0) + by;
      if (next > 0) counts[key] = next;
      else delete counts[key];
    };
    for (const event of batch) {
      const session = event.session;
      const by = event.type === 'session.started' ? 1 : event.type === 'session.ended' ? -1 : 0;
      if (session && by !== 0) {
        stats.sessions.total = Math.max(0, stats.sessions.total + by);
        bump(stats.sessions.byClientType, session.clientType, by);
        bump(stats.sessions.byUserType, session.user.type, by);
        bump(stats.sessions.byNode, session.nodeId, by);
        if (by > 0) {
          stats.activity.lastMinute.started++;
          stats.activity.lastHour.started++;
        } else {
          stats.activity.lastMinute.ended++;
          stats.activity.lastHour.ended++;
        }
        changed = true;
      } else if (event.type === 'user.online' || event.type === 'user.offline') {
        stats.users.online = Math.max(0, stats.users.online + (event.type === 'user.online' ? 1 : -1));
        changed = true;
      }
    }
    if (!changed) return;
    // Counts redraw a few times a second at most: a flood of joins must not redraw them every frame.
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = undefined;
      this.notify();
    }, 200);
    this.soonTimer ??= setTimeout(() => {
      this.soonTimer = undefined;
      void this.refresh();
    }, 2_000);
  }
}
