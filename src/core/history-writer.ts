// Batches what the ingest path tells history: users' last seen and last view, and session log lines.
// A timer writes the batch (default every 2 s) and shutdown writes the rest. A failed write keeps the
// batch for the next attempt, so nothing accepted is lost.
//
// A heartbeat that only says "still here" changes nothing anyone reads from history while the user is
// online (live sessions answer for them, and their end writes the last activity). Those records are
// written once a minute, as a checkpoint should the node stop without ending its sessions, instead
// of every user being rewritten at every flush: at 15,000 sockets that rewrite was a fifth of the
// server's work. Nor is the writer told of each heartbeat: a heartbeat moves its session's last
// activity in the live store, and before each checkpoint the core hands over what moved since the
// last one (`collectActivity`). Telling the writer cost every heartbeat a map lookup and a few CPU
// cache misses (user, id, record), most of the core's part of a WebSocket heartbeat.
import type { PresenceHistory, SessionLog, SessionLogWrite } from '../history/history-store.ts';
import { ChunkedList } from './chunked-list.ts';
import { inChunks } from './chunks.ts';
import type { UserInfo, UserRecord, View } from './model.ts';
import { OrderedShardedMap } from './sharded-map.ts';
import { yieldToEventLoop } from './yield-to-event-loop.ts';

/** How often records of plain activity (no view, no open or end) are written. */
const ACTIVITY_CHECKPOINT_MS = 60_000;

/**
 * Records per history write. A flush after a mass expiry holds a million of them; SQLite writes on the
 * calling thread (about 3.6 µs per last-seen update here, BENCHMARKS.md workload 6), so the writer
 * writes them in chunks and yields to the event loop between chunks. 1,000 (some 4 ms), not 2,000:
 * a chunk and a slice of a sweep still ending sessions can run in the same turn of the loop.
 */
const WRITE_CHUNK = 1_000;

/** Pending records of users, keyed by user id, in the order they first became pending. */
type UserRecords = OrderedShardedMap<string, UserRecord>;

/** The two history writes the writer makes, both batched. */
export type HistoryWriterTarget = Pick<PresenceHistory, 'recordUsers'> & Pick<SessionLog, 'appendSessionLog'>;

export class HistoryWriter {
  /** Records to write at the next flush: opens, ends, views. */
  private users: UserRecords = new OrderedShardedMap();
  /** Records of plain activity, written at the next checkpoint. A user is in one of the two maps. */
  private activity: UserRecords = new OrderedShardedMap();
  private lastCheckpoint = performance.now();
  private sessionLog = new ChunkedList<SessionLogWrite>();
  /** The session-log writes of the write in progress: no longer pending here, maybe not in the store yet. */
  private sessionLogInFlight: Iterable<SessionLogWrite> = [];
  /** Records of the write in progress: still pending for queries until their last chunk is written. */
  private inFlight: readonly UserRecords[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Batches written so far: what history read before a change of this number may be out of date. */
  private batches = 0;

  constructor(
    private readonly history: HistoryWriterTarget,
    private readonly options: {
      flushMs: number;
      onError: (error: unknown) => void;
      /** Called before each checkpoint: records, through `active`, the plain activity since the last one. */
      collectActivity?: () => Promise<void>;
    },
  ) {}

  start(): void {
    this.timer ??= setInterval(
      () => void this.flush({ checkpoint: performance.now() - this.lastCheckpoint >= ACTIVITY_CHECKPOINT_MS }),
      this.options.flushMs,
    );
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.users.size > 0 || this.activity.size > 0 || this.sessionLog.length > 0) await this.flush();
  }

  /** Records that a user was seen at `at` (an open, an end, a view): written at the next flush. */
  seen(user: UserInfo, at: number, view?: View): void {
    let pending = this.users.get(user.id);
    if (!pending) {
      pending = this.activity.get(user.id);
      if (pending) this.activity.delete(user.id);
      else pending = view ? { user, lastSeenAt: at, lastView: view } : { user, lastSeenAt: at };
      this.users.set(user.id, pending);
    }
    pending.user = user;
    if (at > pending.lastSeenAt) pending.lastSeenAt = at;
    if (view) pending.lastView = view;
  }

  /** Records plain activity of a user (heartbeats): written at the next checkpoint. */
  active(user: UserInfo, at: number): void {
    const pending = this.users.get(user.id) ?? this.activity.get(user.id);
    if (!pending) {
      this.activity.set(user.id, { user, lastSeenAt: at });
      return;
    }
    pending.user = user;
    if (at > pending.lastSeenAt) pending.lastSeenAt = at;
  }

  /** Puts back a record whose write failed, under anything newer that arrived meanwhile. */
  private restore(record: UserRecord): void {
    const newer = this.users.get(record.user.id) ?? this.activity.get(record.user.id);
    if (!newer) {
      this.users.set(record.user.id, record);
      return;
    }
    newer.lastSeenAt = Math.max(newer.lastSeenAt, record.lastSeenAt);
    newer.lastView ??= record.lastView;
  }

  log(write: SessionLogWrite): void {
    this.sessionLog.push(write);
  }

  /** Counts the batches written; a reader of history compares it to know whether to read again. */
  get batchesWritten(): number {
    return this.batches;
  }

  /** Records not yet written, so queries can show the freshest last seen. */
  pendingUser(id: string): UserRecord | undefined {
    const pending = this.users.get(id) ?? this.activity.get(id);
    if (pending) return pending;
    for (const records of this.inFlight) {
      const record = records.get(id);
      if (record) return record;
    }
    return undefined;
  }

  /** May name a user twice (a record in flight and a newer one); readers keep the freshest. */
  *pendingUsers(): IterableIterator<UserRecord> {
    yield* this.users.values();
    yield* this.activity.values();
    for (const records of this.inFlight) yield* records.values();
  }

  /** Session-log writes that may not be in the store yet (being written, or waiting for a flush), oldest first. */
  *pendingSessionLog(): IterableIterator<SessionLogWrite> {
    yield* this.sessionLogInFlight;
    yield* this.sessionLog;
  }

  /**
   * Writes the current batch, with the activity records unless `checkpoint` is false (the timer's
   * flushes between checkpoints). Concurrent calls wait for the write in progress, then write again.
   */
  async flush({ checkpoint = true }: { checkpoint?: boolean } = {}): Promise<void> {
    if (checkpoint) await this.collectActivity();
    while (this.writing) await this.writing;
    const withActivity = checkpoint && this.activity.size > 0;
    if (this.users.size === 0 && !withActivity && this.sessionLog.length === 0) return;
    // The maps are written one after the other, not merged: a checkpoint may hold a record for every
    // user online, and moving a million of them into one map would hold the loop at once.
    const records = [this.users];
    const sessionLog = this.sessionLog;
    this.users = new OrderedShardedMap();
    this.sessionLog = new ChunkedList();
    if (checkpoint) {
      records.push(this.activity);
      this.activity = new OrderedShardedMap();
      this.lastCheckpoint = performance.now();
    }
    this.sessionLogInFlight = sessionLog;
    this.writing = this.write(records, sessionLog).finally(() => {
      this.writing = undefined;
      this.sessionLogInFlight = [];
    });
    await this.writing;
  }

  /** A failure to collect leaves the activity for the next checkpoint; the rest is written anyway. */
  private async collectActivity(): Promise<void> {
    try {
      await this.options.collectActivity?.();
    } catch (error) {
      this.options.onError(error);
    }
  }

  private async write(records: readonly UserRecords[], sessionLog: ChunkedList<SessionLogWrite>): Promise<void> {
    this.inFlight = records;
    try {
      await this.writeChunks(records, sessionLog);
    } finally {
      this.inFlight = [];
    }
  }

  /**
   * Writes in chunks of WRITE_CHUNK, yielding between them. The batch count moves before and after,
   * so history read between two chunks is not taken for history after the write. A chunk that fails
   * is kept, with everything after it, for the next flush.
   */
  private async writeChunks(records: readonly UserRecords[], sessionLog: ChunkedList<SessionLogWrite>): Promise<void> {
    this.batches++;
    let started = false;
    const recordChunks = inChunks(valuesOf(records), WRITE_CHUNK);
    for (const chunk of recordChunks) {
      if (started) await yieldToEventLoop();
      started = true;
      try {
        await this.history.recordUsers(chunk);
      } catch (error) {
        this.options.onError(error);
        for (const record of chunk) this.restore(record);
        for (const rest of recordChunks) for (const record of rest) this.restore(record);
        break;
      }
    }
    const logChunks = inChunks(sessionLog, WRITE_CHUNK);
    for (const chunk of logChunks) {
      if (started) await yieldToEventLoop();
      started = true;
      try {
        await this.history.appendSessionLog(chunk);
      } catch (error) {
        this.options.onError(error);
        // Kept in their order, ahead of what was logged meanwhile.
        const kept = new ChunkedList<SessionLogWrite>();
        for (const write of chunk) kept.push(write);
        for (const rest of logChunks) for (const write of rest) kept.push(write);
        for (const write of this.sessionLog) kept.push(write);
        this.sessionLog = kept;
        break;
      }
    }
    this.batches++;
  }
}

function* valuesOf(maps: readonly UserRecords[]): IterableIterator<UserRecord> {
  for (const map of maps) yield* map.values();
}
