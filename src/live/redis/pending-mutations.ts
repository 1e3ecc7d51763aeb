// Mutations of this process waiting for their own stream entries. A mutation settles only once this
// node's replica applied its entry and its changes reached the listeners (read-your-writes), and it
// answers what the entry says, the objects the listeners got.
//
// Each mutation's entry carries an origin, `<this process's token>.<n>`, registered before the script
// is sent: the reader may apply the entry before the script's reply arrives (the two come over
// different connections), and then finds the waiter already there.
import { randomBytes } from 'node:crypto';
import { unavailable } from './connection.ts';
import type { ChangeEntry } from './stream-entries.ts';

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

  /** A new mutation about to send its script with this origin. */
  begin(): PendingMutation {
    const mutation = new PendingMutation(`${this.token}.${++this.count}`);
    this.waiting.set(mutation.origin, mutation);
    return mutation;
  }

  /** Its script failed or appended nothing: no entry will come. */
  abandon(mutation: PendingMutation): void {
    this.waiting.delete(mutation.origin);
  }

  /** The replica applied (or, loading, passed) an entry: the mutation that made it, if any, settles. */
  applied(entry: ChangeEntry): void {
    const mutation = this.waiting.get(entry.origin);
    if (!mutation) return;
    this.waiting.delete(entry.origin);
    mutation.settled = true;
    mutation.resolve(entry);
  }

  /**
   * The script answered with the entry's first seq: answers the entry once applied. `appliedSeq` is
   * the replica's now: past the entry without having seen it means the replica was rebuilt from a
   * snapshot over a stretch of the stream that was trimmed away.
   */
  entryOf(mutation: PendingMutation, firstSeq: number, appliedSeq: number): Promise<ChangeEntry> {
    mutation.firstSeq = firstSeq;
    if (!mutation.settled && appliedSeq >= firstSeq) this.fail(mutation, lostTrack());
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

  private fail(mutation: PendingMutation, error: unknown): void {
    this.waiting.delete(mutation.origin);
    mutation.settled = true;
    mutation.reject(error);
  }
}

/** The change was made, but this node's replica skipped its entry: its outcome is unknown here. */
const lostTrack = () =>
  unavailable(undefined, 'the change was stored, but this node rebuilt its view of the cluster past it and cannot answer its outcome');
