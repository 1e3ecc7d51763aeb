// A manual clock for the SDK's pure parts: time moves only when a test calls advance().
import type { Clock, TimerHandle } from '../../packages/client/src/clock.ts';

interface Timer {
  at: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers scheduled and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order (including ones they schedule on the way). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let dueId: number | undefined;
      let due: Timer | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= end && (!due || timer.at < due.at)) {
          dueId = id;
          due = timer;
        }
      }
      if (dueId === undefined || !due) break;
      this.#timers.delete(dueId);
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
  }
}

/** Real timers that remember which are still pending, so a test can prove nothing is left scheduled. */
export class TrackingClock implements Clock {
  readonly #active = new Set<ReturnType<typeof setTimeout>>();

  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = setTimeout(() => {
      this.#active.delete(handle);
      callback();
    }, ms);
    this.#active.add(handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    const timeout = handle as ReturnType<typeof setTimeout>;
    clearTimeout(timeout);
    this.#active.delete(timeout);
  }

  get active(): number {
    return this.#active.size;
  }
}
