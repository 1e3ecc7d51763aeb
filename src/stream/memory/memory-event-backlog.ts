// EventBacklog in memory: a ring of the latest `capacity` events. Ids are consecutive, so an event's
// slot is its id modulo the capacity, and "what came after id N" is a slice of the ring.
//
// It keeps each change as it came (a ChangeJson from the hub: the change, its JSON written on first
// read), not as text. Most of the events a server keeps are never read: the latest 10,000 of them,
// each a session's JSON of about 1 KB, were 0.7 KB of every connection at 15,000 sockets; the
// snapshots they refer to are mostly the live sessions themselves, held anyway. A shared backlog
// (Redis) cannot hold objects and serializes on append instead.
import type { SerializedChange } from '../event-json.ts';
import { NumberedEvent, type EventBacklog, type Replay, type StreamEvent } from '../event-backlog.ts';

export interface MemoryEventBacklogOptions {
  /** Events kept. */
  capacity: number;
  /** The id the first event follows: the live store's applied seq when the backlog starts. */
  firstIdAfter: number;
}

export class MemoryEventBacklog implements EventBacklog {
  private readonly capacity: number;
  /** The changes only: an event's id follows from its slot, and its wrapper is made when it is read. */
  private readonly ring: (SerializedChange | undefined)[];
  /** The id of the newest event; `firstIdAfter` before any. */
  private newest: number;
  private kept = 0;

  constructor(options: MemoryEventBacklogOptions) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.ring = new Array<SerializedChange | undefined>(options.capacity);
    this.newest = options.firstIdAfter;
  }

  async append(id: number, change: SerializedChange): Promise<StreamEvent> {
    if (!Number.isSafeInteger(id) || id <= this.newest) throw new RangeError(`event id ${id} does not follow ${this.newest}`);
    // A jump: the sequence was recreated. Nothing kept leads to the new id, so a replay is a gap.
    if (id !== this.newest + 1) this.kept = 0;
    this.newest = id;
    this.ring[id % this.capacity] = change;
    if (this.kept < this.capacity) this.kept++;
    return new NumberedEvent(id, change);
  }

  async latestId(): Promise<number> {
    return this.newest;
  }

  async since(afterId: number): Promise<Replay> {
    const oldest = this.newest - this.kept + 1;
    // afterId = oldest - 1 is fine: everything after it is still here.
    if (afterId > this.newest || afterId < oldest - 1) return { kind: 'gap' };
    const events: StreamEvent[] = [];
    for (let id = afterId + 1; id <= this.newest; id++) events.push(new NumberedEvent(id, this.ring[id % this.capacity]!));
    return { kind: 'events', events };
  }
}
