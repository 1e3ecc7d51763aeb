// Runs tasks one at a time per key, in the order they came. The store updates a session through it:
// updates of one session on one node then never race each other's compare-and-set (each reads what the
// one before wrote), and the bounded retries are left to races between nodes.

const ignore = () => undefined;

export class KeyedQueue<K> {
  /** Per key, the end of its last task (settled either way). */
  private readonly tails = new Map<K, Promise<void>>();

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const result = before ? before.then(task) : task();
    const tail = result.then(ignore, ignore);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
