// Mutations of this process waiting for their own stream entries. A mutation settles only once this
// node's replica applied its entry and its changes reached the listeners (read-your-writes), and it
// answers what the entry says, the objects the listeners got.
//
// Each mutation's entry carries an origin, `<this process's token>.<n>`, registered before the script
// is sent: the reader may apply the entry before the script's reply arrives (the two come over
// different connections), and then finds the waiter already there.
//
// A mutation never waits for an entry that cannot come: when the replica applies another entry at the
// mutation's seq (a server that lost the mutation's write handed its seq out again) or moves past it
// (a rebuild), the mutation fails as 'unavailable'.
import { randomBytes } from 'node:crypto';
import { unavailable } from './connection.ts';
import { lastSeqOf, type ChangeEntry } from './stream-entries.ts';

export class PendingMutation {
  /** Set once the script answered: the seq of the entry's first change. */
  firstSeq: number | undefined;
  settled = false;
  readonly entry: Promise<ChangeEntry>;
  resolve!: (entry: ChangeEntry) => void;
  reject!: (error: unknown) => void;

  constructor(readonly origin: string) {
    this.entry = new Promise<ChangeEntry>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A mutation may fail before its caller awaits the entry (Redis lost it): not an unhandled rejection.
    this.entry.catch(() => undefined);
  }
}

export class PendingMutations {
  private readonly token = randomBytes(6).toString('base64url');
  private count = 0;
  private readonly waiting = new Map<string, PendingMutation>();
  /** Mutations whose script answered, by the first seq of their entry. */
  private readonly bySeq = new Map<number, PendingMutation>();

  /** A new mutation about to send its script with this origin. */
  begin(): PendingMutation {
    const mutation = new PendingMutation(`${this.token}.${++this.count}`);
    this.waiting.set(mutation.origin, mutation);
    return mutation;
  }

  /** Its script failed or appended nothing: no entry will come. */
  abandon(mutation: PendingMutation): void {
    this.forget(mutation);
  }

  /** The replica applied (or, loading, passed) an entry: the mutation that made it, if any, settles. */
  applied(entry: ChangeEntry): void {
    const mutation = this.waiting.get(entry.origin);
    if (mutation) {
      this.forget(mutation);
      mutation.settled = true;
      mutation.resolve(entry);
    }
    if (this.bySeq.size > 0) this.failTaken(entry.firstSeq, lastSeqOf(entry));
  }

  /**
   * The script answered with the entry's first seq: answers the entry once applied. `appliedSeq` is
   * the replica's now: past the entry without having seen it means the replica was rebuilt from a
   * snapshot over a stretch of the stream that was trimmed away.
   */
  entryOf(mutation: PendingMutation, firstSeq: number, appliedSeq: number): Promise<ChangeEntry> {
    mutation.firstSeq = firstSeq;
    if (mutation.settled) return mutation.entry;
    if (appliedSeq >= firstSeq) this.fail(mutation, lostTrack());
    else this.bySeq.set(firstSeq, mutation);
    return mutation.entry;
  }

  /** After a rebuild of the replica: mutations whose entries fell before it will never see them. */
  rebuiltAt(appliedSeq: number): void {
    for (const mutation of this.waiting.values()) {
      if (mutation.firstSeq !== undefined && mutation.firstSeq <= appliedSeq) this.fail(mutation, lostTrack());
    }
  }

  failAll(error: unknown): void {
    for (const mutation of this.waiting.values()) this.fail(mutation, error);
  }

  /** Another entry took seqs `first`..`last`: a mutation answered with one of them lost its write. */
  private failTaken(first: number, last: number): void {
    // Entries hold a few changes; a raise may span a huge range: walk whichever is shorter.
    if (last - first < this.bySeq.size) {
      for (let seq = first; seq <= last; seq++) {
        const mutation = this.bySeq.get(seq);
        if (mutation) this.fail(mutation, lostWrite());
      }
    } else {
      for (const [seq, mutation] of this.bySeq) if (seq >= first && seq <= last) this.fail(mutation, lostWrite());
    }
  }

  private forget(mutation: PendingMutation): void {
    this.waiting.delete(mutation.origin);
    if (mutation.firstSeq !== undefined && this.bySeq.get(mutation.firstSeq) === mutation) this.bySeq.delete(mutation.firstSeq);
  }

  private fail(mutation: PendingMutation, error: unknown): void {
    this.forget(mutation);
    mutation.settled = true;
    mutation.reject(error);
  }
}

/** The change was made, but this node's replica skipped its entry: its outcome is unknown here. */
const lostTrack = () =>
  unavailable(undefined, 'the change was stored, but this node rebuilt its view of the cluster past it and cannot answer its outcome');

/** Another change took the mutation's seq: the server lost the mutation's write (a failover, a restart). */
const lostWrite = () => unavailable(undefined, 'Redis lost this change (it failed over or restarted without it); try again');
