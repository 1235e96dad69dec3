import type { FlagValues } from '../../backend/config/features';
import type { PresenceStore } from '../../backend/presence/presence-store';
import { presenceStoreContract } from '../contracts/presence-store.contract';
import { type PresenceKit, presenceKit } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

// One contract, every implementation: Redis, dual-write at both ends of the read percentage,
// and the mode switch in each mode (the in-process map runs it in tests/unit/presence-store.test.ts).

const viaKit =
  (pick: (kit: PresenceKit) => PresenceStore, flags: Partial<FlagValues> = {}) =>
  async () => {
    const kit = await presenceKit(testRedisUrl(), { flags });
    return { store: pick(kit), close: () => kit.close() };
  };

presenceStoreContract(
  'redis',
  viaKit((k) => k.redisStore),
);
presenceStoreContract(
  'dual-write, reads from memory',
  viaKit((k) => k.dual, {
    'presence.mode': 'dual-write',
    'presence.redisReadPercent': 0,
    'presence.shadowRead': true,
  }),
);
presenceStoreContract(
  'dual-write, reads from Redis',
  viaKit((k) => k.dual, { 'presence.mode': 'dual-write', 'presence.redisReadPercent': 100 }),
);
presenceStoreContract(
  'switching, memory mode',
  viaKit((k) => k.switching, { 'presence.mode': 'memory' }),
);
presenceStoreContract(
  'switching, dual-write at 50 %',
  viaKit((k) => k.switching, { 'presence.mode': 'dual-write', 'presence.redisReadPercent': 50 }),
);
presenceStoreContract(
  'switching, redis mode',
  viaKit((k) => k.switching, { 'presence.mode': 'redis' }),
);
