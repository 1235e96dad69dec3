/**
 * Runs tasks that share a key one after another, in call order; different keys run in
 * parallel. For read-modify-write updates of one document (a conversation's unread counts,
 * a user's unread notifications): FerretDB v1 applies concurrent updates to one document as
 * independent read-modify-writes, so 20 concurrent `$inc` of one field leave it at 2 or 3
 * (measured; MongoDB applies each atomically). Serializing per key makes them exact within
 * an instance; across instances FerretDB can still lose one, MongoDB never.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** keys with work queued or running; for tests that check nothing leaks */
  get size(): number {
    return this.tails.size;
  }
}
