// EventHub: turns the core's change feed into stream events. Each change keeps its seq as its event id,
// is kept in the backlog, and is handed to every listener: the stream's clients and the webhook outbox.
// Its JSON is written once, when first read (ChangeJson).
import type { PresenceChange } from '../core/model.ts';
import type { SequencedChange } from '../live/live-store.ts';
import { NumberedEvent, type EventBacklog, type Replay, type StreamEvent } from './event-backlog.ts';
import { ChangeJson } from './event-json.ts';

export interface ChangeFeed {
  /** Changes in sequence order, each with its seq. */
  subscribe(listener: (change: PresenceChange, seq: number) => void): () => void;
  /** Times the feed skipped changes it could not hear (a node cut off from its cluster). */
  onResync(listener: () => void): () => void;
  /** Changes after a seq that the feed's store still keeps, beyond this node's backlog. */
  changesSince(afterSeq: number, limit: number): Promise<SequencedChange[] | undefined>;
}

export type StreamListener = (event: StreamEvent) => void;

export class EventHub {
  private readonly listeners = new Set<StreamListener>();
  private readonly resyncListeners = new Set<() => void>();
  /** Appends run one after another, in the feed's order, even with an asynchronous backlog. */
  private tail: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private unsubscribeResync: (() => void) | undefined;

  constructor(
    private readonly feed: ChangeFeed,
    /** Read directly for replays; only the hub appends to it. */
    readonly backlog: EventBacklog,
    private readonly onError: (error: unknown, context: string) => void,
  ) {}

  start(): void {
    this.unsubscribe ??= this.feed.subscribe((change, seq) => this.accept(change, seq));
    this.unsubscribeResync ??= this.feed.onResync(() => this.resync());
  }

  /** Stops listening to the feed and waits until every change taken so far reached the listeners. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribeResync?.();
    this.unsubscribe = this.unsubscribeResync = undefined;
    await this.tail;
  }

  /** Every event from now on; answers a function that stops listening. */
  listen(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` when the feed skipped changes: after every event taken before it reached the
   * listeners, so a stream client learns it at its place in the stream. Answers a function that stops.
   */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  /**
   * What came after `afterId`: from the backlog, or, when the backlog no longer (or never) held it,
   * from the live store's own record of the cluster's changes, up to `limit` events.
   */
  async since(afterId: number, limit: number): Promise<Replay> {
    const kept = await this.backlog.since(afterId);
    if (kept.kind === 'events') return kept;
    const older = await this.feed.changesSince(afterId, limit + 1);
    if (!older || older.length > limit) return kept;
    return { kind: 'events', events: older.map(({ seq, change }) => new NumberedEvent(seq, new ChangeJson(change))) };
  }

  /** Listeners now: one per stream client, one for webhooks. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Waits until every change taken so far reached the listeners (tests, shutdown). */
  settled(): Promise<void> {
    return this.tail;
  }

  private resync(): void {
    this.tail = this.tail.then(() => {
      for (const listener of this.resyncListeners) {
        try {
          listener();
        } catch (error) {
          this.onError(error, 'change stream resync listener');
        }
      }
    });
  }

  private accept(change: PresenceChange, seq: number): void {
    // Made now, while the change's session still shows its facts as of the change.
    const serialized = new ChangeJson(change);
    this.tail = this.tail
      .then(() => this.backlog.append(seq, serialized))
      .then(
        (event) => {
          for (const listener of this.listeners) {
            try {
              listener(event);
            } catch (error) {
              this.onError(error, 'change stream listener');
            }
          }
        },
        (error: unknown) => this.onError(error, 'change stream backlog'),
      );
  }
}
