import type { Logger } from './logger';

/**
 * The shutdown order, written once: whatever was built later depends on what was built
 * earlier, so things close in reverse order of creation (the database and Redis last). A
 * closer that fails is logged and the rest still run.
 */
export class Closers {
  private readonly stack: Array<{ name: string; close: () => Promise<void> | void }> = [];

  constructor(private readonly logger: Logger) {}

  /** Registers what closes a thing just built (a client, a timer, a connection). */
  add(name: string, close: () => Promise<void> | void): void {
    this.stack.push({ name, close });
  }

  /** Registers what must run after everything else has closed (an exporter's last flush). */
  addLast(name: string, close: () => Promise<void> | void): void {
    this.stack.unshift({ name, close });
  }

  async close(): Promise<void> {
    while (this.stack.length > 0) {
      const { name, close } = this.stack.pop()!;
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err, closer: name }, 'close failed');
      }
    }
  }
}
