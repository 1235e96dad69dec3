import { NoCache } from '../../backend/cache/no-cache';
import { cacheContract } from '../contracts/cache.contract';

// RedisCache runs the same contract in tests/integration/cache.test.ts.
cacheContract('none', async () => ({ cache: new NoCache(), remembers: false, close: async () => {} }));
