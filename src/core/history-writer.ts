// Batches what the ingest path tells history: users' last seen and last view, and session log lines.
// Heartbeats only update an in-memory map; a timer writes the batch (default every 2 s) and shutdown
// writes the rest. A failed write keeps the batch for the next attempt, so nothing accepted is lost.
import type { HistoryStore, SessionLogWrite } from '../history/history-store.ts';
import type { UserInfo, UserRecord, View } from './model.ts';

export class HistoryWriter {
  private users = new Map<string, UserRecord>();
  private sessionLog: SessionLogWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Batches written so far: what history read before a change of this number may be out of date. */
  private batches = 0;

  constructor(
    private readonly history: HistoryStore,
    private readonly options: { flushMs: number; onError: (error: unknown) => void },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.users.size > 0 || this.sessionLog.length > 0) await this.flush();
  }

  /** Records that a user was active at `at`; keeps the latest time and view per user. */
  seen(user: UserInfo, at: number, view?: View): void {
    const pending = this.users.get(user.id);
    if (!pending) {
      this.users.set(user.id, view ? { user, lastSeenAt: at, lastView: view } : { user, lastSeenAt: at });
      return;
    }
    pending.user = user;
    if (at > pending.lastSeenAt) pending.lastSeenAt = at;
    if (view) pending.lastView = view;
  }

  /** Puts back a record whose write failed, under anything newer that arrived meanwhile. */
  private restore(record: UserRecord): void {
    const newer = this.users.get(record.user.id);
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
    return this.users.get(id);
  }

  pendingUsers(): IterableIterator<UserRecord> {
    return this.users.values();
  }

  /** Writes the current batch. Concurrent calls wait for the write in progress, then write again. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.users.size === 0 && this.sessionLog.length === 0) return;
    const users = this.users;
    const sessionLog = this.sessionLog;
    this.users = new Map();
    this.sessionLog = [];
    this.writing = this.write(users, sessionLog).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private async write(users: Map<string, UserRecord>, sessionLog: SessionLogWrite[]): Promise<void> {
    this.batches++;
    try {
      if (users.size > 0) await this.history.recordUsers([...users.values()]);
    } catch (error) {
      this.options.onError(error);
      for (const record of users.values()) this.restore(record);
    }
    try {
      if (sessionLog.length > 0) await this.history.appendSessionLog(sessionLog);
    } catch (error) {
      this.options.onError(error);
      this.sessionLog = [...sessionLog, ...this.sessionLog];
    }
  }
}
