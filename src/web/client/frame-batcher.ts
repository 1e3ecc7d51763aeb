// Coalesces a burst of stream events into one batch per animation frame, so 20,000 sessions joining
// at once cost one table render per frame instead of one per event. A hidden tab gets no animation
// frames, so a timer flushes too (whichever comes first); the queue never grows without bound.
export class FrameBatcher<T> {
  private queue: T[] = [];
  private frame: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly flushBatch: (items: T[]) => void,
    /** Flush at least this often when no frame comes (hidden tab), in ms. */
    private readonly fallbackMs = 250,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.frame === undefined && typeof requestAnimationFrame === 'function') this.frame = requestAnimationFrame(() => this.flush());
    this.timer ??= setTimeout(() => this.flush(), this.fallbackMs);
  }

  flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushBatch(batch);
  }

  dispose(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    clearTimeout(this.timer);
    this.queue = [];
  }
}
