// Remembers what was rendered from a snapshot — a session as the live store answers it — for as long as
// that snapshot lives, so an answer for 10,000 unchanged sessions copies 10,000 cached fragments instead
// of rendering them again.
//
// Why the object itself is a sound key: the live store never changes a session it handed out; any
// change (update, idle, view, resume, detach, connections, event log) makes a new object
// (live/live-store.ts). The exceptions are `lastActivityAt` and `expiresAt`, which move in place on
// heartbeats: a fragment must never contain them (renderers leave a hole and write them per answer).
// Everything else a fragment depends on must be part of the memo: one memo per document kind.
//
// Memory: fragments live as long as their sessions, about one answer's worth per kind. A memo nobody
// used for `idleMs` forgets everything, so a one-off query does not keep its bytes for hours.

/** Idle time after which a memo forgets (ms). */
const DEFAULT_IDLE_MS = 60_000;

export class SnapshotMemo<K extends object, V> {
  private values = new WeakMap<K, V>();
  private used = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs = DEFAULT_IDLE_MS) {}

  /**
   * The value remembered for `key`, or `make(key, context)`, remembered from now on. `context` saves
   * the callers a closure per call: this runs once per session of an answer.
   */
  get<C>(key: K, make: (key: K, context: C) => V, context?: C): V {
    let value = this.lookup(key);
    if (value === undefined) this.remember(key, (value = make(key, context as C)));
    return value;
  }

  /** The value remembered for `key`, if any. */
  lookup(key: K): V | undefined {
    this.used = true;
    return this.values.get(key);
  }

  /** Remembers `value` for `key` (replacing what was). */
  remember(key: K, value: V): void {
    this.values.set(key, value);
    this.timer ??= this.watchIdle();
  }

  /** Forgets everything (and stops watching). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.values = new WeakMap();
    this.used = false;
  }

  /** Checks every `idleMs` whether the memo was used since; forgets everything when it was not. */
  private watchIdle(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.used) return this.clear();
      this.used = false;
      this.timer = this.watchIdle();
    }, this.idleMs);
    // Never what keeps a process alive.
    timer.unref();
    return timer;
  }
}
