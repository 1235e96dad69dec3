import { MemoryLaneJournal, type MemoryLaneShelf } from '../../backend/modules/messages/memory-lane-journal';
import { laneJournalContract } from '../contracts/lane-journal.contract';

// The Redis journal runs the same contract in tests/integration/redis-lane-journal.test.ts,
// and on a Redis Cluster in tests/integration/redis-cluster.test.ts.
laneJournalContract('memory', async () => {
  const shelf: MemoryLaneShelf = new Map();
  return (owner) => new MemoryLaneJournal(owner, shelf);
});
