import type { FanoutJob, FanoutJournal, JournaledJob } from './fanout-journal';

/** The journal in this process: tests, and a single instance without Redis (lost with it). */
export class MemoryFanoutJournal implements FanoutJournal {
  private seq = 0;
  private readonly waiting: JournaledJob[] = [];
  private readonly taken = new Map<string, JournaledJob>();

  async append(jobs: readonly FanoutJob[]): Promise<void> {
    for (const job of jobs) {
      this.seq += 1;
      this.waiting.push({ id: String(this.seq), job });
    }
  }

  async take(max: number): Promise<JournaledJob[]> {
    const out = this.waiting.splice(0, max);
    for (const j of out) this.taken.set(j.id, j);
    return out;
  }

  async ack(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.taken.delete(id);
  }

  async backlog(): Promise<number> {
    return this.waiting.length + this.taken.size;
  }
}
