import type { RedisClient } from '../../backend/infra/redis';
import { RedisFanoutJournal } from '../../backend/timelines/redis-fanout-journal';
import { fanoutJournalContract } from '../contracts/fanout-journal.contract';
import { failFastClient, freshPrefix } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

let redis: RedisClient;
beforeAll(async () => {
  redis = await failFastClient(testRedisUrl());
});
afterAll(() => redis.quit());

fanoutJournalContract(
  'redis',
  async () => new RedisFanoutJournal({ redis, prefix: freshPrefix(), consumer: 'c1', reclaimMs: 60_000 }),
);

describe('When a worker takes jobs from the Redis journal and dies', () => {
  it('then another worker claims them once they have waited the reclaim time', async () => {
    const prefix = freshPrefix();
    const dead = new RedisFanoutJournal({ redis, prefix, consumer: 'dead', reclaimMs: 200 });
    const alive = new RedisFanoutJournal({ redis, prefix, consumer: 'alive', reclaimMs: 200 });
    await dead.append([{ kind: 'follow', readerId: 'r'.repeat(24), authorId: 'a'.repeat(24) }]);
    expect(await dead.take(10)).toHaveLength(1);
    expect(await alive.take(10)).toEqual([]);
    let claimed: Awaited<ReturnType<RedisFanoutJournal['take']>> = [];
    for (let i = 0; i < 100 && claimed.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      claimed = await alive.take(10);
    }
    expect(claimed.map((j) => j.job.kind)).toEqual(['follow']);
    await alive.ack(claimed.map((j) => j.id));
    expect(await alive.backlog()).toBe(0);
  });
});

describe('When Redis loses the journal with its consumer group (restarted empty)', () => {
  it('then the next take makes the group again and gets the jobs appended since', async () => {
    const prefix = freshPrefix();
    const journal = new RedisFanoutJournal({ redis, prefix, consumer: 'c1', reclaimMs: 60_000 });
    await journal.append([{ kind: 'follow', readerId: 'r'.repeat(24), authorId: 'a'.repeat(24) }]);
    await journal.ack((await journal.take(10)).map((j) => j.id));
    await redis.del(`${prefix}tl:journal`);
    await journal.append([{ kind: 'unfollow', readerId: 'r'.repeat(24), authorId: 'a'.repeat(24) }]);
    const taken = await journal.take(10);
    expect(taken.map((j) => j.job.kind)).toEqual(['unfollow']);
    await journal.ack(taken.map((j) => j.id));
    expect(await journal.backlog()).toBe(0);
  });
});
