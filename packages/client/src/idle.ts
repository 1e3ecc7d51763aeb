// Browser idle detection: a session is idle while its page is hidden or after `idleAfterMs` without
// input. Input events are frequent (pointermove fires per pixel), so they only record a time stamp; a
// single timer checks that stamp when the idle deadline comes instead of being reset on every event.
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/** What the detector needs from `document`: the visibility state and its change event. */
export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** Where input events are heard; `window` in a browser. */
export interface InputSource {
  addEventListener(type: string, listener: () => void, options?: { capture?: boolean; passive?: boolean }): void;
  removeEventListener(type: string, listener: () => void, options?: { capture?: boolean }): void;
}

/** Events that show a person is at the page. `scroll` does not bubble, hence the capture listeners. */
export const INPUT_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'scroll', 'touchstart'] as const;

/** Default for `idleAfterMs`: one minute without input. */
export const DEFAULT_IDLE_AFTER_MS = 60_000;

export interface IdleDetectorOptions {
  /** Milliseconds without input after which the page counts as idle. Default 60,000. */
  idleAfterMs?: number;
  /** Hidden page → idle. Leave out to ignore visibility. */
  document?: VisibilitySource;
  /** Where input is heard. Leave out to judge by visibility only. */
  inputTarget?: InputSource;
  clock?: Clock;
  /** Called with the new state, only when it changes. */
  onChange: (idle: boolean) => void;
}

const LISTEN = { capture: true, passive: true } as const;

export class IdleDetector {
  readonly #idleAfterMs: number;
  readonly #document: VisibilitySource | undefined;
  readonly #inputTarget: InputSource | undefined;
  readonly #clock: Clock;
  readonly #onChange: (idle: boolean) => void;
  #idle = false;
  #started = false;
  #lastInputAt = 0;
  #timer: TimerHandle | undefined;

  constructor(options: IdleDetectorOptions) {
    this.#idleAfterMs = Math.max(0, options.idleAfterMs ?? DEFAULT_IDLE_AFTER_MS);
    this.#document = options.document;
    this.#inputTarget = options.inputTarget;
    this.#clock = options.clock ?? systemClock;
    this.#onChange = options.onChange;
  }

  get idle(): boolean {
    return this.#idle;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#lastInputAt = this.#clock.now();
    this.#document?.addEventListener('visibilitychange', this.#onVisibility);
    for (const type of INPUT_EVENTS) this.#inputTarget?.addEventListener(type, this.#onInput, LISTEN);
    if (this.#hidden()) {
      this.#set(true);
    } else {
      this.#set(false);
      this.#schedule(this.#idleAfterMs);
    }
  }

  /** Removes every listener and the timer; the detector can be started again. */
  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#document?.removeEventListener('visibilitychange', this.#onVisibility);
    for (const type of INPUT_EVENTS) this.#inputTarget?.removeEventListener(type, this.#onInput, LISTEN);
    this.#cancel();
  }

  #hidden(): boolean {
    return this.#document?.visibilityState === 'hidden';
  }

  readonly #onInput = (): void => {
    this.#lastInputAt = this.#clock.now();
    if (this.#idle && !this.#hidden()) {
      this.#set(false);
      this.#schedule(this.#idleAfterMs);
    }
  };

  readonly #onVisibility = (): void => {
    if (this.#hidden()) {
      this.#cancel();
      this.#set(true);
    } else {
      // Coming back to a tab is itself a sign someone is there.
      this.#lastInputAt = this.#clock.now();
      this.#set(false);
      this.#schedule(this.#idleAfterMs);
    }
  };

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (!this.#started || this.#hidden()) return;
    const quietMs = this.#clock.now() - this.#lastInputAt;
    if (quietMs >= this.#idleAfterMs) this.#set(true);
    else this.#schedule(this.#idleAfterMs - quietMs);
  };

  // Without an input source nothing could ever end a timer-made idle, so only visibility counts then.
  #schedule(ms: number): void {
    if (!this.#inputTarget) return;
    this.#cancel();
    this.#timer = this.#clock.setTimeout(this.#onTimer, ms);
  }

  #cancel(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #set(idle: boolean): void {
    if (idle === this.#idle) return;
    this.#idle = idle;
    this.#onChange(idle);
  }
}
