/**
 * Per-key ordering inside one worker: tasks with the same key run one after the other in arrival
 * order; tasks with different keys run concurrently. The backbone starts deliveries in publish order,
 * so arrival order is publish order. A key whose head task is retrying holds back only that key.
 */
export class KeySequencer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Keys with work queued or running (for tests and the live view). */
  get activeKeys(): number {
    return this.tails.size;
  }
}
