// What the simulation did: counters since the last status line and since the start.

export const COUNTERS = [
  'joined', // a new session was welcomed
  'left', // a client closed its session
  'dropped', // a client's socket was cut without a goodbye
  'resumed', // a client took its session back on a new socket
  'views', // a view changed
  'idle', // went idle
  'back', // came back from idle
  'updates', // other session fields changed (routing flags, addresses, names)
  'supportStarted', // a representative picked up a support session
  'supportFinished', // a representative finished one
  'errors', // the SDK reported an error
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

const zero = (): Counts => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts;

export class DemoStats {
  #interval: Counts = zero();
  readonly total: Counts = zero();
  /** The latest SDK error, for the status line. */
  lastError: string | undefined;

  add(counter: Counter, n = 1): void {
    this.#interval[counter] += n;
    this.total[counter] += n;
  }

  /** The counts since the previous call. */
  takeInterval(): Counts {
    const counts = this.#interval;
    this.#interval = zero();
    return counts;
  }
}
