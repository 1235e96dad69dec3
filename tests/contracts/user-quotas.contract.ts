import type { QuotaCounter, QuotaRule } from '../../backend/rate-limits/user-quotas';
import { quotasOver } from '../../backend/rate-limits/user-quotas';

export interface QuotaSubject {
  counter: QuotaCounter;
  close(): Promise<void>;
}

/**
 * What every QuotaCounter promises, through the quotas built over it; each implementation's
 * test file runs it (memory in tests/unit, Redis in tests/integration). A user gets exactly
 * `limit` actions of a rule per window; the next answers when to retry; users and rules count
 * apart; a window that has ended starts again.
 */
export function userQuotasContract(name: string, make: () => Promise<QuotaSubject>): void {
  describe(`UserQuotas contract: ${name}`, () => {
    let subject: QuotaSubject;
    let n = 0;
    // a fresh rule name per test, so tests on a shared Redis never see each other's counts
    const rule = (limit: number, windowMs = 60_000): QuotaRule => {
      n += 1;
      return { name: `r${n}_${Math.random().toString(36).slice(2, 8)}`, limit, windowMs };
    };
    beforeEach(async () => {
      subject = await make();
    });
    afterEach(() => subject.close());

    it('When a user acts up to the limit, then every action is ok and the next answers retryAfterSeconds within the window', async () => {
      const quotas = quotasOver(subject.counter);
      const r = rule(3, 30_000);
      for (let i = 0; i < 3; i++) expect(await quotas.take(r, 'u1')).toEqual({ ok: true });
      const over = await quotas.take(r, 'u1');
      expect(over.ok).toBe(false);
      if (!over.ok) {
        expect(over.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(over.retryAfterSeconds).toBeLessThanOrEqual(30);
      }
    });

    it('When spend is over the limit, then it throws 429 RATE_LIMITED carrying retryAfterSeconds', async () => {
      const quotas = quotasOver(subject.counter);
      const r = rule(1);
      await quotas.spend(r, 'u1');
      const err = await quotas.spend(r, 'u1').catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(
        (err as { toJSON(): { retryAfterSeconds?: number } }).toJSON().retryAfterSeconds,
      ).toBeGreaterThan(0);
    });

    it('When two users or two rules are counted, then each has its own count', async () => {
      const quotas = quotasOver(subject.counter);
      const [a, b] = [rule(1), rule(1)];
      expect((await quotas.take(a, 'u1')).ok).toBe(true);
      expect((await quotas.take(a, 'u2')).ok).toBe(true);
      expect((await quotas.take(b, 'u1')).ok).toBe(true);
      expect((await quotas.take(a, 'u1')).ok).toBe(false);
    });

    it('When many actions arrive at once, then exactly the limit of them is ok', async () => {
      const quotas = quotasOver(subject.counter);
      const r = rule(5);
      const verdicts = await Promise.all(Array.from({ length: 40 }, () => quotas.take(r, 'u1')));
      expect(verdicts.filter((v) => v.ok)).toHaveLength(5);
    });

    it('When the window has ended, then the user may act again', async () => {
      const quotas = quotasOver(subject.counter);
      const r = rule(1, 1000);
      expect((await quotas.take(r, 'u1')).ok).toBe(true);
      expect((await quotas.take(r, 'u1')).ok).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await quotas.take(r, 'u1')).ok).toBe(true);
    });
  });
}
