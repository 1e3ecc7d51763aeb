// Picks the EventBacklog for the configured live store: events are shared the way sessions are, so a
// memory live store (one node) pairs with a memory backlog, and a shared one will bring its own.
import type { Config } from '../config/schema.ts';
import type { EventBacklog } from './event-backlog.ts';
import { MemoryEventBacklog } from './memory/memory-event-backlog.ts';

export function createEventBacklog(kind: Config['liveStore'], options: { capacity: number; firstIdAfter: number }): EventBacklog {
  switch (kind) {
    case 'memory':
      return new MemoryEventBacklog(options);
    default: {
      // A live store added to the config without a backlog here fails to compile.
      const unknownKind: never = kind;
      throw new Error(`no event backlog for live store ${String(unknownKind)}`);
    }
  }
}
