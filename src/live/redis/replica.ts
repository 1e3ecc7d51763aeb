// This node's copy of the cluster's live sessions: a SessionIndex fed only by the change stream, so
// every node applies the same entries in the same order and reads never leave the node.
//
// Entries apply with version guards: a replica loaded from a snapshot replays the stream from before
// the snapshot began (replica-loader.ts), so an entry may find its effect already there. A session
// changes only when the entry is newer than the copy; the snapshot and the replay then converge on
// what Redis holds.
import type { Session } from '../../core/model.ts';
import { SessionIndex } from '../memory/session-index.ts';
import type { ActivityEntry, ChangeEntry, ReassertEntry } from './stream-entries.ts';
import { lastSeqOf } from './stream-entries.ts';

export class Replica {
  readonly index = new SessionIndex();

  /** @param appliedSeq the seq of the newest change the replica holds. */
  constructor(public appliedSeq: number) {}

  /** Applies a change entry's effect on sessions (announced changes have none). */
  apply(entry: ChangeEntry): void {
    switch (entry.kind) {
      case 'open':
        this.load(entry.session);
        break;
      case 'update':
        for (const session of entry.sessions) this.load(session);
        break;
      case 'end':
        for (const { ended, storedVersion } of entry.items) {
          const copy = this.index.get(ended.session.id);
          if (copy && copy.version <= storedVersion) this.index.remove(copy.id);
        }
        break;
      case 'announce':
      case 'raise':
        break;
    }
    this.appliedSeq = Math.max(this.appliedSeq, lastSeqOf(entry));
  }

  /**
   * Moves the clocks a flush reported, in place, for each session still at the version it had then
   * (a session changed since carries a clock of its own). `newerHere` tells of a heartbeat this node
   * has not flushed yet and that is newer: it stays, and reaches every node with this node's next
   * flush.
   */
  applyActivity(entry: ActivityEntry, newerHere: (id: number, lastActivityAt: number) => boolean): void {
    const { clocks } = entry;
    for (let i = 0; i + 3 < clocks.length; i += 4) {
      const id = clocks[i]!;
      const lastActivityAt = clocks[i + 2]!;
      const session = this.index.get(id);
      if (session && session.version === clocks[i + 1] && !newerHere(id, lastActivityAt)) {
        this.index.setClock(session, lastActivityAt, clocks[i + 3]!);
      }
    }
  }

  /**
   * Puts back sessions another node re-asserted after Redis lost them (recovery.ts): a newer version
   * replaces the copy; the same version takes the clock Redis settled on (the later of the nodes'),
   * unless this node holds a newer heartbeat not flushed yet (as for activity entries).
   */
  reassert(entry: ReassertEntry, newerHere: (id: number, lastActivityAt: number) => boolean): void {
    for (const session of entry.sessions) {
      const copy = this.index.get(session.id);
      if (copy && copy.version === session.version) {
        if (!newerHere(copy.id, session.lastActivityAt)) this.index.setClock(copy, session.lastActivityAt, session.expiresAt);
      } else {
        this.load(session);
      }
    }
  }

  /** Puts a session in (from a snapshot or an entry), replacing an older copy; one as new or newer stays. */
  load(session: Session): void {
    const copy = this.index.get(session.id);
    if (!copy) {
      this.index.add(session);
    } else if (copy.version < session.version) {
      if (copy.user.id === session.user.id && copy.clientType === session.clientType) {
        this.index.replace(session);
      } else {
        // Not a change of this session but another one under its id (the store refuses to change a
        // session's user or client type): never in a sound stream, handled rather than thrown.
        this.index.remove(copy.id);
        this.index.add(session);
      }
    }
  }
}
