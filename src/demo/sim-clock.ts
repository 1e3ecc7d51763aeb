// Simulated time for the demo: every wait an actor asks for is in simulated milliseconds and runs
// `speed` times faster in real time. All timers are tracked, so stopping the demo cancels every one.

export class SimClock {
  readonly #speed: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(speed: number) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError('speed must be a positive number');
    this.#speed = speed;
  }

  get speed(): number {
    return this.#speed;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `fn` after `simMs` of simulated time. Does nothing once stopped. */
  after(simMs: number, fn: () => void): void {
    this.afterReal(simMs / this.#speed, fn);
  }

  /** Runs `fn` after `ms` of real time, whatever the speed (ordering delays between sockets). */
  afterReal(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        if (!this.#stopped) fn();
      },
      Math.max(1, Math.round(ms)),
    );
    this.#timers.add(timer);
  }

  /** Cancels every pending timer; later calls to after() are ignored. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  get pending(): number {
    return this.#timers.size;
  }
}
