import { RedisOutboxJournal } from '../../backend/features/outbox/redis-outbox-journal';
import { outboxJournalContract } from '../contracts/outbox-journal.contract';
import { freshPrefix, useTestRedisGuard } from '../support/presence-stores';

const guard = useTestRedisGuard();

outboxJournalContract('redis', async () => {
  const prefix = freshPrefix();
  return (owner) => new RedisOutboxJournal({ guard: guard(), prefix, owner });
});
