// What the sessions table's two data lists (session-list.ts, sorted-session-list.ts) share: each
// reload starts a new generation, so an answer that arrives after a newer reload is dropped; one
// request runs at a time; and the stream's events that arrive meanwhile wait, and are applied after
// the answer, so a snapshot never undoes a change it had not seen.
import type { ChangeEvent } from './types.ts';

export type Change = 'rows' | 'count';

/** A failed request is made again no sooner than this, in ms. */
const RETRY_AFTER_ERROR_MS = 3_000;

export abstract class QueuedList {
  /** Whether the first answer has arrived. */
  loaded = false;
  error: string | undefined;
  protected generation = 0;
  protected inFlight: AbortController | undefined;
  private queued: ChangeEvent[] = [];
  private errorAt = 0;

  constructor(private readonly callbacks: { onChange: (what: Change) => void; onError?: (error: unknown) => void }) {}

  get loading(): boolean {
    return this.inFlight !== undefined;
  }

  /** Applies a batch of stream events (queued while a request is on its way). */
  apply(events: readonly ChangeEvent[]): void {
    if (this.inFlight || !this.loaded) {
      this.queued.push(...events);
      return;
    }
    const changed = this.applyNow(events);
    if (changed) this.callbacks.onChange(changed);
  }

  dispose(): void {
    this.generation++;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  /** Applies events to the rows now; answers what changed (loaded rows, or only the total). */
  protected abstract applyNow(events: readonly ChangeEvent[]): Change | undefined;

  /** After each answer and the queued events: bring the total in line with the rows. */
  protected abstract settle(): void;

  /**
   * After a failure, whether it is time to try again (a scroll or a redraw asks): at most every few
   * seconds, so a server that keeps failing is not asked at every frame. Clears the error when it is.
   */
  protected retryDue(): boolean {
    if (this.error === undefined) return true;
    if (Date.now() - this.errorAt < RETRY_AFTER_ERROR_MS) return false;
    this.error = undefined;
    return true;
  }

  protected changed(what: Change): void {
    this.callbacks.onChange(what);
  }

  /** Starts a new generation: what is in flight is dropped, and the events queued for it with it. */
  protected restart(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
    this.generation++;
    this.queued = [];
    this.loaded = false;
    this.error = undefined;
  }

  /**
   * Runs one request: `run` gets the abort signal and `current()`, which says whether no reload came
   * since (check it after each await). Then the queued events are applied and the table redraws.
   */
  protected async request(run: (signal: AbortSignal, current: () => boolean) => Promise<void>): Promise<void> {
    const generation = this.generation;
    const current = () => generation === this.generation;
    const controller = new AbortController();
    this.inFlight = controller;
    this.callbacks.onChange('rows');
    try {
      await run(controller.signal, current);
    } catch (error) {
      if (!current() || controller.signal.aborted) return;
      this.error = error instanceof Error ? error.message : String(error);
      this.errorAt = Date.now();
      this.callbacks.onError?.(error);
    } finally {
      if (current()) this.inFlight = undefined;
    }
    if (!current()) return;
    const queued = this.queued;
    this.queued = [];
    if (this.loaded) this.applyNow(queued);
    this.settle();
    this.callbacks.onChange('rows');
  }
}
