import {
  type JournalsByOwner,
  MemoryOutboxJournal,
} from '../../backend/features/outbox/memory-outbox-journal';
import { outboxJournalContract } from '../contracts/outbox-journal.contract';

// The Redis journal runs the same contract in tests/integration/outbox-redis-journal.test.ts,
// and on a Redis Cluster in tests/integration/outbox-redis-cluster-journal.test.ts.
outboxJournalContract('memory', async () => {
  const journals: JournalsByOwner = new Map();
  return (owner) => new MemoryOutboxJournal(owner, journals);
});
