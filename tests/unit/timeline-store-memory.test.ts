import { MemoryTimelineStore } from '../../backend/timelines/memory-timeline-store';
import { timelineStoreContract } from '../contracts/timeline-store.contract';

timelineStoreContract('memory', async (size) => new MemoryTimelineStore(size));
