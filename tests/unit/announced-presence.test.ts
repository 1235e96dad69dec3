import { MemoryAnnouncedPresence } from '../../backend/presence/memory-announced-presence';
import { announcedPresenceContract } from '../contracts/announced-presence.contract';

// The Redis ledger runs the same contract in tests/integration/announced-presence.test.ts.
announcedPresenceContract('memory', async () => new MemoryAnnouncedPresence());
