// The reader loop: one dedicated connection blocks in XREAD on the change stream and the activity
// stream, and hands every entry to the store, each stream in its order. It outlives Redis outages: an
// error is reported (once per outage), the loop backs off briefly and continues from the last entries
// it handed over, the connection having reconnected by itself meanwhile.
//
// Two things end normal reading:
// - a gap: the next change entry is not the one after the replica's seq (the stream was trimmed while
//   this node was away, or Redis was replaced): the replica is rebuilt from a fresh snapshot;
// - the epoch is not the one this node joined, or its seq is below what this node saw (checked after
//   every error and every idle wait, since a Redis that restarted empty just blocks on streams that no
//   longer exist, and one that lost its newest writes never sends what this node waits for): the loop
//   stops and the store recovers (recovery.ts), then follows the new epoch with a new loop.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorReporter, RedisConnection, StateLoss } from './connection.ts';
import type { StoreKeys } from './keys.ts';
import { OutageReporter } from './outage-reporter.ts';
import type { RawEntry } from './stream-entries.ts';

/** How long one XREAD waits for entries, ms; an idle node checks its epoch this often. */
const READ_BLOCK_MS = 1_000;
/**
 * Entries per XREAD and stream. Most are one change (about 500 bytes), but a chunk of ends or an
 * activity flush may be 50 kB: a lagging reader's reply stays under about 10 MB.
 */
const READ_COUNT = 200;
/** Longest pause after a failed read, ms. */
const MAX_BACKOFF_MS = 1_000;

/** The next change entry does not follow the replica: entries between were lost. */
export class StreamGap extends Error {
  constructor(appliedSeq: number, firstSeq: number) {
    super(`the change stream jumps from seq ${appliedSeq} to ${firstSeq}`);
    this.name = 'StreamGap';
  }
}

/**
 * Redis no longer holds the state this node joined: the epoch is gone or another (`lost`: it lost its
 * data or was replaced), or the seq is below what this node saw (`behind`: it lost its newest writes).
 */
export class EpochLost extends Error {
  constructor(readonly loss: StateLoss = 'lost') {
    super(loss === 'lost' ? 'Redis no longer holds the epoch this node joined' : 'Redis lost changes this node already applied');
    this.name = 'EpochLost';
  }
}

/** Where reading goes on: the id of the last entry handed over, per stream. */
export interface StreamPositions {
  changes: string;
  activity: string;
}

export interface StreamBatch {
  changes: RawEntry[];
  activity: RawEntry[];
}

/** Entries of both streams after `after`, waiting up to `blockMs` for one when given (else answering at once). */
export async function readStreams(
  connection: RedisConnection,
  keys: StoreKeys,
  after: StreamPositions,
  blockMs?: number,
): Promise<StreamBatch> {
  const args = [
    'XREAD',
    'COUNT',
    String(READ_COUNT),
    ...(blockMs !== undefined ? ['BLOCK', String(blockMs)] : []),
    'STREAMS',
    keys.stream,
    keys.activityStream,
    after.changes,
    after.activity,
  ];
  const reply = await connection.send<[key: string, entries: RawEntry[]][] | null>(args);
  const batch: StreamBatch = { changes: [], activity: [] };
  for (const [key, entries] of reply ?? []) batch[key === keys.stream ? 'changes' : 'activity'] = entries;
  return batch;
}

/**
 * Applies a batch, moving `positions` past each entry applied. Changes go first: an activity entry
 * applies to the session version it names, and a flush that came after a change names the version
 * that change made.
 */
export function handOver(batch: StreamBatch, positions: StreamPositions, apply: (entry: RawEntry) => void): void {
  for (const entry of batch.changes) {
    apply(entry);
    positions.changes = entry[0];
  }
  for (const entry of batch.activity) {
    apply(entry);
    positions.activity = entry[0];
  }
}

export interface FollowerHooks {
  /** Applies one entry; throws StreamGap when it does not follow what the replica holds. */
  apply(entry: RawEntry): void;
  /** Rebuilds the replica from a snapshot; answers the stream positions it reached. */
  resync(): Promise<StreamPositions>;
  /** Throws EpochLost when Redis no longer holds what this node joined. */
  verify(): Promise<void>;
  /** Called once when the loop stops because of that. */
  epochLost(loss: StateLoss): void;
  report: ErrorReporter;
}

export class StreamFollower {
  private stopped = false;
  private readonly sleeping = new AbortController();
  private loop: Promise<void> | undefined;
  private resyncNeeded = false;
  private verifyNeeded = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: StoreKeys,
    private positions: StreamPositions,
    private readonly hooks: FollowerHooks,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /**
   * Stops applying entries at once and ends the loop, leaving the connection open for whoever reads
   * next (a blocked XREAD still takes up to READ_BLOCK_MS to answer): `finished` says when.
   */
  halt(): void {
    this.stopped = true;
    this.sleeping.abort();
  }

  /** Resolves when the loop has ended (after halt, stop, or a lost epoch). */
  finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Stops the loop and closes its connection (a blocked XREAD fails at once). */
  async stop(): Promise<void> {
    this.halt();
    this.connection.destroy();
    await this.loop;
  }

  private async run(): Promise<void> {
    const outage = new OutageReporter(this.hooks.report, 'change stream reader');
    let failures = 0;
    while (!this.stopped) {
      try {
        if (this.resyncNeeded) {
          this.positions = await this.hooks.resync();
          this.resyncNeeded = false;
        } else if (this.verifyNeeded) {
          await this.hooks.verify();
        }
        this.verifyNeeded = false;
        const batch = await readStreams(this.connection, this.keys, this.positions, READ_BLOCK_MS);
        if (this.stopped) break;
        if (batch.changes.length === 0 && batch.activity.length === 0) this.verifyNeeded = true;
        this.apply(batch);
        outage.worked();
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof EpochLost) {
          this.hooks.epochLost(error.loss);
          return;
        }
        outage.failed(error);
        this.verifyNeeded = true;
        await sleep(Math.min(50 * 2 ** failures++, MAX_BACKOFF_MS), undefined, { signal: this.sleeping.signal }).catch(() => undefined);
      }
    }
  }

  private apply(batch: StreamBatch): void {
    try {
      handOver(batch, this.positions, (entry) => this.hooks.apply(entry));
    } catch (error) {
      // An entry this node cannot apply (a bug, or a writer of another version) is reported: skipping
      // it would leave the replica wrong without anyone knowing. Either way Redis's state is reloaded.
      if (!(error instanceof StreamGap)) this.hooks.report(error, 'applying a stream entry');
      this.resyncNeeded = true;
    }
  }
}
