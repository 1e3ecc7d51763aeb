// Picks the LiveStore implementation named by config (`liveStore`). Connections (Redis clients, later)
// are opened by the composition root and passed in.
import type { LiveStore } from './live-store.ts';
import { MemoryLiveStore } from './memory/memory-live-store.ts';
import type { SessionIdBlockSource } from './session-ids.ts';

export type LiveStoreKind = 'memory';

export interface LiveStoreDeps {
  /** Persistent counter for session ids, so a restarted node never repeats one. */
  idSource: SessionIdBlockSource;
}

export function createLiveStore(kind: LiveStoreKind, deps: LiveStoreDeps): LiveStore {
  switch (kind) {
    case 'memory':
      return new MemoryLiveStore({ idSource: deps.idSource });
    default: {
      const unknownKind: never = kind;
      throw new Error(`unknown live store: ${String(unknownKind)}`);
    }
  }
}
