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

  /** The value remembered for `key`, or `make(key)`, remembered from now on. */
  get(key: K, make: (key: K) => V): V {
    this.used = true;
    let value = this.values.get(key);
    if (value === undefined) {
      value = make(key);
      this.values.set(key, value);
      this.timer ??= this.watchIdle();
    }
    return value;
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
      if (this.used) {
        this.used = false;
        timer.refresh();
      } else {
        this.clear();
      }
    }, this.idleMs);
    timer.unref();
    return timer;
  }
}
