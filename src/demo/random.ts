// A small seeded random source for the demo: the same seed gives the same population and the same
// sequence of choices per simulated client. mulberry32 is a 32-bit generator with a full period of 2^32,
// plenty for picking names and delays, and needs no dependency. Not for anything secret.

/** mulberry32: a function returning numbers in [0, 1), determined by `seed`. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a string, to derive independent seeds from one seed and a label. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  readonly seed: number;
  readonly #next: () => number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#next = mulberry32(this.seed);
  }

  /** A generator of its own for `label`: its sequence does not depend on how much this one was used. */
  fork(label: string): Rng {
    return new Rng((hash32(label) ^ Math.imul(this.seed, 0x9e3779b1)) >>> 0);
  }

  /** [0, 1) */
  next(): number {
    return this.#next();
  }

  /** The generator as a plain function, e.g. for the SDK's `random` option. */
  get random(): () => number {
    return () => this.#next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  /** A number in [min, max). */
  between(min: number, max: number): number {
    return min + this.#next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.#next() * items.length)] as T;
  }

  /** One of the entries, each as likely as its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let left = this.#next() * total;
    for (const [value, weight] of entries) {
      left -= weight;
      if (left < 0) return value;
    }
    const last = entries.at(-1);
    if (!last) throw new RangeError('weighted pick from an empty list');
    return last[0];
  }

  /** Exponentially distributed around `mean` (memoryless waits: arrivals, departures), capped at 5× mean. */
  exponential(mean: number): number {
    return Math.min(5 * mean, -mean * Math.log(1 - this.#next()));
  }

  hex(length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += Math.floor(this.#next() * 16).toString(16);
    return text;
  }

  /** Uppercase letters and digits, as in Windows' generated computer names. */
  alnum(length: number): string {
    const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
    let text = '';
    for (let i = 0; i < length; i++) text += chars[Math.floor(this.#next() * chars.length)];
    return text;
  }
}
