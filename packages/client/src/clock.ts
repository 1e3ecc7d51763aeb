// Time and timers behind one small interface, so idle detection and reconnect logic can be tested with a
// fake clock instead of sleeping. The default uses the platform's own timers (browser or Node).
import { platform } from './platform.ts';

/** An opaque timer handle: a number in browsers, a Timeout object in Node. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => platform.setTimeout(callback, ms),
  clearTimeout: (handle) => platform.clearTimeout(handle),
};
