import type { FanoutJob, FanoutJournal } from '../../backend/timelines/fanout-journal';

/**
 * What every FanoutJournal promises; each implementation's test file runs it. `fresh` gives an
 * empty journal per test; `peer` a second worker on the same journal, where the implementation
 * has several.
 */
export function fanoutJournalContract(name: string, fresh: () => Promise<FanoutJournal>): void {
  const post = (n: number): FanoutJob => ({
    kind: 'post',
    authorId: 'a'.repeat(24),
    postId: n.toString(16).padStart(24, '0'),
    at: 1_700_000_000_000 + n,
  });

  describe(`When the ${name} fan-out journal is used`, () => {
    it('then jobs come out in the order they went in, each once, and stay in the backlog until acked', async () => {
      const journal = await fresh();
      const jobs = [
        post(1),
        post(2),
        post(3),
        { kind: 'unfollow', readerId: 'r'.repeat(24), authorId: 'a'.repeat(24) } as const,
      ];
      await journal.append(jobs);
      expect(await journal.backlog()).toBe(4);
      const first = await journal.take(3);
      expect(first.map((j) => j.job)).toEqual(jobs.slice(0, 3));
      const rest = await journal.take(10);
      expect(rest.map((j) => j.job)).toEqual(jobs.slice(3));
      expect(await journal.take(10)).toEqual([]);
      expect(await journal.backlog()).toBe(4);
      await journal.ack([...first, ...rest].map((j) => j.id));
      expect(await journal.backlog()).toBe(0);
    });
  });
}
