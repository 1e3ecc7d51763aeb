// EventBacklog: the latest events of the change stream, each with its id, kept so a client that
// reconnects with Last-Event-ID gets what it missed. An event's id is its change's seq in the live
// store (live/live-store.ts), the same on every node of a cluster, so a client may reconnect to any
// node. A backlog that stores text reads each change's `data` once, when it appends it; the memory one
// keeps the changes themselves (memory-event-backlog.ts says why).
import type { SerializedChange } from './event-json.ts';

/** A change as the stream sends it: with its id. */
export interface StreamEvent extends SerializedChange {
  /**
   * Positive integer, larger for later events within one backlog, so a client's Last-Event-ID says
   * exactly which events it has. Safe integers only (JSON and JavaScript numbers).
   */
  readonly id: number;
}

/** What a backlog holds after an id: every later event, or a gap (some of them are gone). */
export type Replay = { kind: 'events'; events: StreamEvent[] } | { kind: 'gap' };

export interface EventBacklog {
  /**
   * Keeps the change under its id, the live store's seq (the oldest fall out beyond capacity), and
   * answers it. Ids grow by one per change; one that does not follow the newest directly means the
   * sequence was recreated, and what came before is a gap. The change's `data` may be computed on
   * first read: read it only to keep text, not to copy the change.
   */
  append(id: number, change: SerializedChange): Promise<StreamEvent>;
  /** The id of the newest event; before the first, the id the first one will follow. */
  latestId(): Promise<number>;
  /**
   * Events after `afterId`, oldest first (none when it is the newest id). A gap when some of them are
   * no longer kept, or when `afterId` is not one this backlog gave out (a later id, or one from before
   * a restart that no longer leads anywhere).
   */
  since(afterId: number): Promise<Replay>;
}

/** A change with its id, leaving the change's JSON unwritten until someone reads `data`. */
export class NumberedEvent implements StreamEvent {
  constructor(
    readonly id: number,
    private readonly change: SerializedChange,
  ) {}

  get type() {
    return this.change.type;
  }

  get userId() {
    return this.change.userId;
  }

  get clientType() {
    return this.change.clientType;
  }

  get places() {
    return this.change.places;
  }

  get data() {
    return this.change.data;
  }
}
