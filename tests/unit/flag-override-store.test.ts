import { MemoryFlagOverrideStore } from '../../backend/flags/memory-flag-override-store';
import { flagOverrideStoreContract } from '../contracts/flag-override-store.contract';

// The Mongo store runs the same contract in tests/integration/flag-override-store.test.ts.
flagOverrideStoreContract('memory', async () => new MemoryFlagOverrideStore());
