import { execTransaction } from '../infra/exec-transaction';
import type { RedisClient } from '../infra/redis';
import type { FanoutJob, FanoutJournal, JournaledJob } from './fanout-journal';

const GROUP = 'fanout';

type StreamEntries = Array<[string, string[]]>;

function decode(entries: StreamEntries | null | undefined): JournaledJob[] {
  const out: JournaledJob[] = [];
  for (const [id, fields] of entries ?? []) {
    const raw = fields[fields.indexOf('j') + 1];
    if (raw) out.push({ id, job: JSON.parse(raw) as FanoutJob });
  }
  return out;
}

/**
 * The journal as a Redis stream with one consumer group shared by every instance: each
 * instance reads new entries as its own consumer, and claims entries another consumer has held
 * longer than `reclaimMs` (that worker died or stalled). Acked entries are deleted, so the
 * stream holds only work not yet done.
 */
export class RedisFanoutJournal implements FanoutJournal {
  private grouped = false;
  private lastReclaim = 0;

  constructor(
    private readonly deps: {
      redis: RedisClient;
      prefix: string;
      consumer: string;
      reclaimMs: number;
      call?: <T>(op: () => Promise<T>) => Promise<T>;
    },
  ) {}

  private get key(): string {
    return `${this.deps.prefix}tl:journal`;
  }

  private run<T>(op: (r: RedisClient) => Promise<T>): Promise<T> {
    const r = this.deps.redis;
    return this.deps.call ? this.deps.call(() => op(r)) : op(r);
  }

  append(jobs: readonly FanoutJob[]): Promise<void> {
    return this.run(async (r) => {
      await Promise.all(jobs.map((j) => r.xadd(this.key, '*', 'j', JSON.stringify(j))));
    });
  }

  take(max: number): Promise<JournaledJob[]> {
    return this.run(async (r) => {
      try {
        return await this.takeFrom(r, max);
      } catch (err) {
        // Redis came back without the data (restarted empty, failed over to an empty replica):
        // appends have recreated the stream but not the group, so make it again and read on
        if (!String((err as Error).message).startsWith('NOGROUP')) throw err;
        this.grouped = false;
        return this.takeFrom(r, max);
      }
    });
  }

  private async takeFrom(r: RedisClient, max: number): Promise<JournaledJob[]> {
    await this.ensureGroup(r);
    const now = Date.now();
    if (now - this.lastReclaim >= this.deps.reclaimMs / 2) {
      this.lastReclaim = now;
      const claimed = (await r.xautoclaim(
        this.key,
        GROUP,
        this.deps.consumer,
        this.deps.reclaimMs,
        '0',
        'COUNT',
        max,
      )) as [string, StreamEntries];
      const jobs = decode(claimed[1]);
      if (jobs.length > 0) return jobs;
    }
    const read = (await r.xreadgroup(
      'GROUP',
      GROUP,
      this.deps.consumer,
      'COUNT',
      max,
      'STREAMS',
      this.key,
      '>',
    )) as Array<[string, StreamEntries]> | null;
    return decode(read?.[0]?.[1]);
  }

  ack(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    // One transaction: a worker killed between a separate XACK and XDEL would leave entries
    // no consumer holds and nobody reclaims, counted in the backlog for good.
    return this.run(async (r) => {
      await execTransaction(
        r
          .multi()
          .xack(this.key, GROUP, ...ids)
          .xdel(this.key, ...ids),
        'fan-out journal',
      );
    });
  }

  backlog(): Promise<number> {
    return this.run((r) => r.xlen(this.key));
  }

  private async ensureGroup(r: RedisClient): Promise<void> {
    if (this.grouped) return;
    try {
      await r.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
    this.grouped = true;
  }
}
