import type { Model, mongo } from 'mongoose';

/** The driver's write commands the message path sends. */
export type WriteCommand = 'insertOne' | 'insertMany' | 'updateOne' | 'bulkWrite';
const WRITES: ReadonlySet<string | symbol> = new Set<WriteCommand>([
  'insertOne',
  'insertMany',
  'updateOne',
  'bulkWrite',
]);

export interface WriteHooks {
  /** runs before the command is sent: it may wait (holds the write) or throw (the write fails unsent) */
  before?(command: WriteCommand): Promise<void> | void;
  /** runs once the command succeeded: a throw is a reply lost after the write landed */
  after?(command: WriteCommand): Promise<void> | void;
}

/**
 * The collection, its write commands passing through `hooks`: how a test holds a batch,
 * fails a write, or runs something between two writes, through the store's own interface
 * rather than hooks in production code. Everything else is the collection itself.
 */
export function interceptWrites(collection: mongo.Collection, hooks: WriteHooks): mongo.Collection {
  return new Proxy(collection, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (!WRITES.has(key)) return value.bind(target);
      const command = key as WriteCommand;
      return async (...args: unknown[]) => {
        await hooks.before?.(command);
        const result: unknown = await value.apply(target, args);
        await hooks.after?.(command);
        return result;
      };
    },
  });
}

/**
 * The model, with its driver collection (what the message writer and the outbox send their
 * commands to) intercepted; its mongoose queries run as they would on the model itself.
 */
// biome-ignore lint/suspicious/noExplicitAny: any model: only `collection` is swapped
export function interceptModelWrites<M extends Model<any>>(model: M, hooks: WriteHooks): M {
  const collection = interceptWrites(model.collection as unknown as mongo.Collection, hooks);
  return new Proxy(model, {
    get(target, key) {
      if (key === 'collection') return collection;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A hook that holds the first `n` commands it sees until released, and says when the n-th got
 * there; later ones pass.
 */
export function holdFirst(n = 1) {
  let reached!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((r) => {
    reached = r;
  });
  const released = new Promise<void>((r) => {
    release = r;
  });
  let calls = 0;
  return {
    arrived,
    release,
    hook: async () => {
      calls += 1;
      if (calls > n) return;
      if (calls === n) reached();
      await released;
    },
  };
}
