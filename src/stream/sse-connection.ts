// One client of the change stream: the Server-Sent Events wire format, the client's filter, and a
// bounded queue between the hub and the socket. Writing stops while the socket is backed up and goes
// on at 'drain', so a slow client holds references to shared events, never growing copies of them.
// A client that falls `maxQueue` events behind (the backlog's size: a reconnect could not replay more)
// is sent `resync` and closed.
import type { ClientType, PresenceChangeType } from '../core/model.ts';
import type { StreamEvent } from './event-backlog.ts';

export interface EventFilter {
  /** Only these types; every type when absent. */
  types?: ReadonlySet<PresenceChangeType>;
  userId?: string;
  /** Only session events of these client types (user events have no client type and are left out). */
  clientTypes?: ReadonlySet<ClientType>;
  /** Only events about this place: place events of it, and session events of sessions in it. */
  place?: string;
}

export function matchesFilter(filter: EventFilter, event: StreamEvent): boolean {
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.userId !== undefined && event.userId !== filter.userId) return false;
  if (filter.clientTypes && (event.clientType === undefined || !filter.clientTypes.has(event.clientType))) return false;
  if (filter.place !== undefined && !event.places.includes(filter.place)) return false;
  return true;
}

/** Why a client is told to reload its state from the API. */
export type ResyncReason = 'too_old' | 'slow_consumer' | 'missed';

const RESYNC_MESSAGES: Record<ResyncReason, string> = {
  missed:
    'this node could not hear some changes of the cluster (it was cut off, or the cluster store restarted): reload state from the API, then go on from this event id',
  too_old: 'events after your Last-Event-ID are no longer kept: reload state from the API, then go on from this event id',
  slow_consumer: 'you fell too far behind and are disconnected: reload state from the API and reconnect',
};

/** What a connection writes to: an http.ServerResponse in the server. */
export interface SseSink {
  /** False when the data was queued in memory: wait for 'drain' before writing more. */
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): void;
}

/** Frames are joined into writes of about this many characters. */
const WRITE_CHUNK = 64 * 1024;

export const eventFrame = (event: StreamEvent): string => `id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`;

export class SseConnection {
  /** Events, and frames of its own (a resync), in the order they go out. */
  private queue: (StreamEvent | string | undefined)[] = [];
  private head = 0;
  /** Events that arrived before the connection knew where to start; undefined once it started. */
  private held: StreamEvent[] | undefined = [];
  /** Events up to this id were sent, skipped or are queued; a replay and the live feed overlap there. */
  private lastId = 0;
  private blocked = false;
  private closed = false;

  constructor(
    private readonly sink: SseSink,
    private readonly filter: EventFilter,
    private readonly options: {
      maxQueue: number;
      now?: () => number;
      /** Called once when the connection closes, whoever closed it: stop feeding it. */
      onClose?: () => void;
    },
  ) {}

  /** The reconnect delay browsers should use; written first, so headers and a first byte go out at once. */
  hello(retryMs: number): void {
    this.writeNow(`retry: ${retryMs}\n\n`);
  }

  /** An event from the live feed. */
  push(event: StreamEvent): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push(event);
      if (this.held.length > this.options.maxQueue) this.overflow();
      return;
    }
    this.enqueue(event);
    this.pump();
  }

  /**
   * Starts sending: `replay` (what the client missed), then what the live feed brought meanwhile, all
   * after `afterId`. With no replay, an id-only block tells the client where it stands, so a
   * reconnect resumes from here even if no event came (SSE: it sets the last event id, dispatches nothing).
   */
  begin(afterId: number, replay?: readonly StreamEvent[]): void {
    if (this.closed || !this.held) return;
    const held = this.held;
    this.held = undefined;
    this.lastId = afterId;
    if (replay === undefined) this.writeNow(`id: ${afterId}\n\n`);
    for (const event of replay ?? []) this.enqueue(event);
    for (const event of held) this.enqueue(event);
    this.pump();
  }

  /** Tells the client to reload its state, then goes on live after `latestId`. */
  resync(reason: ResyncReason, latestId: number): void {
    this.writeNow(this.resyncFrame(reason, latestId));
    this.begin(latestId, []);
  }

  /**
   * The feed skipped changes: after what is queued, the client is told to reload its state, and goes
   * on with the events after `latestId`. A connection not started yet starts from where the backlog is.
   */
  missed(latestId: number): void {
    if (this.closed || this.held) return;
    this.queue.push(this.resyncFrame('missed', latestId));
    this.lastId = Math.max(this.lastId, latestId);
    this.pump();
  }

  /** A comment that keeps proxies from closing an idle connection; skipped while data is waiting anyway. */
  keepAlive(): void {
    if (!this.blocked) this.writeNow(': keep-alive\n\n');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.held = undefined;
    this.sink.end();
    this.options.onClose?.();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Events waiting for the socket. */
  get queued(): number {
    return this.queue.length - this.head + (this.held?.length ?? 0);
  }

  private enqueue(event: StreamEvent): void {
    if (event.id <= this.lastId) return;
    this.lastId = event.id;
    if (!matchesFilter(this.filter, event)) return;
    this.queue.push(event);
    if (this.queue.length - this.head > this.options.maxQueue) this.overflow();
  }

  private pump(): void {
    while (!this.closed && !this.blocked && this.head < this.queue.length) {
      let chunk = '';
      while (this.head < this.queue.length && chunk.length < WRITE_CHUNK) {
        const item = this.queue[this.head]!;
        chunk += typeof item === 'string' ? item : eventFrame(item);
        this.queue[this.head++] = undefined;
      }
      if (!this.sink.write(chunk)) {
        this.blocked = true;
        this.sink.once('drain', () => {
          this.blocked = false;
          this.pump();
        });
      }
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Too far behind: what it has queued is dropped; it learns why and where the stream stood. */
  private overflow(): void {
    const newest = Math.max(this.lastId, this.held?.at(-1)?.id ?? 0);
    this.writeNow(this.resyncFrame('slow_consumer', newest));
    this.close();
  }

  private resyncFrame(reason: ResyncReason, id: number): string {
    const at = Math.floor((this.options.now ?? Date.now)() / 1000);
    const data = JSON.stringify({ type: 'resync', at, reason, message: RESYNC_MESSAGES[reason] });
    return `id: ${id}\nevent: resync\ndata: ${data}\n\n`;
  }

  private writeNow(text: string): void {
    if (!this.closed) this.sink.write(text);
  }
}
