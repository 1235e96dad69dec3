import type { OutboxJournal } from '../../backend/features/outbox/outbox-journal';
import type { MessageSummary } from '../../backend/modules/messages/conversation-update';

/**
 * What every OutboxJournal promises; each implementation's test file runs it. `space` gives a
 * fresh, empty journal space per test, and journals of several owners in it.
 */
export function outboxJournalContract(
  name: string,
  space: () => Promise<(owner: string) => OutboxJournal>,
): void {
  let n = 0;
  const entry = (over: Partial<MessageSummary> = {}): MessageSummary => {
    n += 1;
    return {
      conversation: 'c'.repeat(24),
      id: n.toString(16).padStart(24, '0'),
      sender: 'a'.repeat(24),
      recipient: 'b'.repeat(24),
      createdAt: 1_700_000_000_000 + n,
      preview: `message ${n}`,
      ...over,
    };
  };
  const ids = (es: MessageSummary[]) => es.map((e) => e.id).sort();

  describe(`When the ${name} outbox journal is used`, () => {
    let journal: (owner: string) => OutboxJournal;
    beforeEach(async () => {
      journal = await space();
    });

    it('then added entries are its own, added twice they are one, and removed they are gone', async () => {
      const a = journal('a');
      const [e1, e2, e3] = [entry(), entry(), entry()];
      await a.add([e1, e2]);
      await a.add([e2, e3]);
      expect(ids(await a.own())).toEqual(ids([e1, e2, e3]));
      await a.remove([e1, e3]);
      expect(await a.own()).toEqual([e2]);
      expect(await journal('b').own()).toEqual([]);
    });

    it('then an entry comes back exactly as it went in, quotes, line breaks and emoji included', async () => {
      const a = journal('a');
      const odd = entry({ preview: 'say "hi"\n\\ to 🧪 ünïcode', createdAt: 0 });
      await a.add([odd]);
      expect(await a.own()).toEqual([odd]);
      // what comes back is what remove takes
      await a.remove(await a.own());
      expect(await a.own()).toEqual([]);
    });

    it("then adopting moves a dead owner's entries to the adopter once, and leaves the live and its own", async () => {
      const [me, live, dead] = [journal('me'), journal('live'), journal('dead')];
      const mine = entry();
      const theirs = [entry(), entry()];
      const alive = entry();
      await me.add([mine]);
      await dead.add(theirs);
      await live.add([alive]);

      expect(ids(await me.adopt(new Set(['live'])))).toEqual(ids(theirs));
      expect(ids(await me.own())).toEqual(ids([mine, ...theirs]));
      expect(await dead.own()).toEqual([]);
      expect(await live.own()).toEqual([alive]);
      expect(await me.adopt(new Set(['live']))).toEqual([]);
      // adopted entries are the adopter's to remove
      await me.remove(theirs);
      expect(await me.own()).toEqual([mine]);
    });

    it('then two peers adopting the same dead owner at once split its entries: each goes to exactly one', async () => {
      const dead = journal('dead');
      const theirs = Array.from({ length: 50 }, () => entry());
      await dead.add(theirs);
      const [p, q] = [journal('p'), journal('q')];
      const [byP, byQ] = await Promise.all([p.adopt(new Set(['p', 'q'])), q.adopt(new Set(['p', 'q']))]);
      expect(ids([...byP, ...byQ])).toEqual(ids(theirs));
      expect(ids([...(await p.own()), ...(await q.own())])).toEqual(ids(theirs));
    });

    it('then an owner wrongly taken for dead lists itself again on its next pass, so what it adds later can still be adopted', async () => {
      const [stalled, peer] = [journal('stalled'), journal('peer')];
      const early = entry();
      await stalled.add([early]);
      expect(ids(await peer.adopt(new Set(['peer'])))).toEqual([early.id]);
      const late = entry();
      await stalled.add([late]);
      await stalled.adopt(new Set(['stalled', 'peer']));
      // now it really dies
      expect(ids(await peer.adopt(new Set(['peer'])))).toEqual([late.id]);
    });

    it('then an owner that comes back after its entries were adopted starts with an empty journal', async () => {
      const dead = journal('x');
      await dead.add([entry()]);
      await journal('peer').adopt(new Set());
      const reborn = journal('x');
      expect(await reborn.own()).toEqual([]);
      const fresh = entry();
      await reborn.add([fresh]);
      expect(await reborn.own()).toEqual([fresh]);
    });
  });
}
