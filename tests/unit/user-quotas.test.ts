import { createUserQuotas, MemoryQuotaCounter } from '../../backend/rate-limits/user-quotas';
import { userQuotasContract } from '../contracts/user-quotas.contract';
import { presenceFlags, silentLogger } from '../support/presence-stores';

userQuotasContract('memory', async () => ({ counter: new MemoryQuotaCounter(), close: async () => {} }));

describe('createUserQuotas', () => {
  const rule = { name: 'posts', limit: 1, windowMs: 60_000 };

  it('When rateLimit.enabled is off, then nothing is refused; on again, the limit holds', async () => {
    const flags = presenceFlags({ 'rateLimit.enabled': false, 'rateLimit.store': 'memory' });
    const quotas = createUserQuotas({ flags, logger: silentLogger });
    for (let i = 0; i < 5; i++) expect(await quotas.take(rule, 'u1')).toEqual({ ok: true });
    flags.set('rateLimit.enabled', true);
    expect((await quotas.take(rule, 'u1')).ok).toBe(true);
    expect((await quotas.take(rule, 'u1')).ok).toBe(false);
  });

  it('When rateLimit.store is redis but no Redis is configured, then it counts in memory', async () => {
    const flags = presenceFlags({ 'rateLimit.enabled': true, 'rateLimit.store': 'redis' });
    const quotas = createUserQuotas({ flags, logger: silentLogger });
    expect(quotas.store()).toBe('memory');
    expect((await quotas.take(rule, 'u1')).ok).toBe(true);
    expect((await quotas.take(rule, 'u1')).ok).toBe(false);
  });

  it('When a window ends, then the memory counter starts it again from the clock', async () => {
    let now = 1_000;
    const counter = new MemoryQuotaCounter(() => now);
    expect(await counter.hit('k', 500)).toEqual({ count: 1, resetMs: 500 });
    now += 200;
    expect(await counter.hit('k', 500)).toEqual({ count: 2, resetMs: 300 });
    now += 300;
    expect(await counter.hit('k', 500)).toEqual({ count: 1, resetMs: 500 });
  });
});
