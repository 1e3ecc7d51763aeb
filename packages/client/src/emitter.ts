// A tiny typed event emitter. The SDK runs in browsers, so it cannot lean on Node's EventEmitter, and
// EventTarget would lose the payload types.
import { platform } from './platform.ts';

export type Listener<T> = (payload: T) => void;

export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    // Stored under the widest listener type; emit() only ever calls it with Events[K].
    const stored = listener as Listener<never>;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  /** Like on(), but the listener runs at most once. */
  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    // A copy: listeners may unsubscribe (or subscribe) while we iterate.
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        // A throwing listener must not break the connection state machine that called emit(), nor keep
        // the other listeners from running; the error still surfaces as an uncaught exception.
        platform.queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  removeAll(): void {
    this.#listeners.clear();
  }
}
