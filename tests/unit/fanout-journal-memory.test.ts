import { MemoryFanoutJournal } from '../../backend/timelines/memory-fanout-journal';
import { fanoutJournalContract } from '../contracts/fanout-journal.contract';

fanoutJournalContract('memory', async () => new MemoryFanoutJournal());
