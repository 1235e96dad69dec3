import type { AnnouncedPresence } from '../../backend/presence/announced-presence';

/** What every AnnouncedPresence ledger promises; each implementation's test file runs it. */
export function announcedPresenceContract(name: string, make: () => Promise<AnnouncedPresence>): void {
  describe(`When presence changes are recorded in the ${name} ledger`, () => {
    it('then only a change of state reports true, per user', async () => {
      const ledger = await make();
      expect(await ledger.flip('u1', true)).toBe(true);
      expect(await ledger.flip('u1', true)).toBe(false);
      expect(await ledger.flip('u2', true)).toBe(true);
      expect(await ledger.flip('u1', false)).toBe(true);
      expect(await ledger.flip('u1', false)).toBe(false);
      expect(await ledger.flip('u2', true)).toBe(false);
    });

    it('then going offline without having been online is no change (nothing recorded = offline)', async () => {
      const ledger = await make();
      expect(await ledger.flip('u3', false)).toBe(false);
      expect(await ledger.flip('u3', true)).toBe(true);
    });
  });
}
