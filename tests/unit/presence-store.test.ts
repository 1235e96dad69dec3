import { MemoryPresenceStore } from '../../backend/presence/memory-presence-store';
import { presenceStoreContract } from '../contracts/presence-store.contract';

// The Redis-backed stores run the same contract in tests/integration/presence-store.test.ts.
presenceStoreContract('memory', async () => ({ store: new MemoryPresenceStore(), close: async () => {} }));
