// Just enough of `document` and `window` for idle detection.
import type { InputSource, VisibilitySource } from '../../packages/client/src/idle.ts';

export class FakeEventTarget implements InputSource {
  readonly #listeners = new Map<string, Set<() => void>>();

  addEventListener(type: string, listener: () => void): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.#listeners.get(type)?.delete(listener);
  }

  dispatch(type: string): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener();
  }

  get listenerCount(): number {
    let count = 0;
    for (const set of this.#listeners.values()) count += set.size;
    return count;
  }
}

export class FakeDocument extends FakeEventTarget implements VisibilitySource {
  visibilityState: 'visible' | 'hidden' = 'visible';

  setVisibility(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatch('visibilitychange');
  }
}
