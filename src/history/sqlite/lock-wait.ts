// Waiting for another connection's lock without freezing the process. SQLite's own busy handler waits
// by sleeping on the calling thread, and here that is the only thread: while another process (the CLI,
// a backup, a second server by mistake) held the write lock, every request stalled behind it, /healthz
// included. So connections run with busy_timeout = 0 (a locked database fails at once with SQLITE_BUSY)
// and each store operation is retried here after an asynchronous pause, during which the event loop
// serves everyone else. An operation is one statement or one transaction, all or nothing, so running
// it again is safe. Past the deadline it fails with `unavailable`; the callers that matter keep their
// data and try again later (the history writer and the webhook outbox keep their batches).
import { RollcallError } from '../../core/errors.ts';

export interface LockWaitOptions {
  /** Milliseconds to keep retrying a locked database before giving up (default 5 s). */
  deadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 5_000;
/** First pause, doubled after each try up to the longest; a lock is often held for a few ms only. */
const FIRST_PAUSE_MS = 1;
const LONGEST_PAUSE_MS = 50;

/** SQLITE_BUSY and SQLITE_LOCKED with their extended codes (SQLITE_BUSY_SNAPSHOT, …). */
export function isLockError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `operation` now, and again after pauses while the database is locked, until the deadline. */
export async function whenUnlocked<T>(operation: () => T, options: LockWaitOptions = {}): Promise<T> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  let startedAt: number | undefined;
  let pauseMs = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return operation();
    } catch (error) {
      if (!isLockError(error)) throw error;
      startedAt ??= performance.now();
      if (performance.now() - startedAt >= deadlineMs) {
        throw new RollcallError('unavailable', `the history database stayed locked by another connection for ${deadlineMs} ms`);
      }
      // Jitter, so two processes waiting on each other do not retry in step.
      await pause(pauseMs * (0.5 + Math.random() / 2));
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
    }
  }
}
