// EventBacklog: the latest events of the change stream, each with its id, kept so a client that
// reconnects with Last-Event-ID gets what it missed. In memory for one node now; a shared
// implementation (Redis) will let a client reconnect to any node of a cluster. There, every node sees
// every change, so a shared backlog must record each change once (the node that made it) and hand
// the same ids to all. A shared backlog stores text: it reads each change's `data` once, when it
// appends it. The memory one keeps the changes themselves (memory-event-backlog.ts says why).
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
   * Gives the change the next id, keeps it (the oldest fall out beyond capacity), and answers it. The
   * change's `data` may be computed on first read: read it only to keep text, not to copy the change.
   */
  append(change: SerializedChange): Promise<StreamEvent>;
  /** The id of the newest event; before the first, the id the first one will follow. */
  latestId(): Promise<number>;
  /**
   * Events after `afterId`, oldest first (none when it is the newest id). A gap when some of them are
   * no longer kept, or when `afterId` is not one this backlog gave out (a later id, or one from before
   * a restart that no longer leads anywhere).
   */
  since(afterId: number): Promise<Replay>;
}
