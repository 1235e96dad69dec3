import type { TimelineEntry, TimelineStore } from '../../backend/timelines/timeline-store';

const hex = (n: number) => n.toString(16).padStart(24, '0');

/**
 * What every TimelineStore promises; each implementation's test file runs it. `fresh` gives an
 * empty store of the given size per test.
 */
export function timelineStoreContract(name: string, fresh: (size: number) => Promise<TimelineStore>): void {
  let n = 0;
  const entry = (authorId: string, at: number): TimelineEntry => {
    n += 1;
    return { postId: hex(n), authorId, at };
  };
  const ids = (es: TimelineEntry[]) => es.map((e) => e.postId);
  const built = async (
    store: TimelineStore,
    reader: string,
    entries: TimelineEntry[] = [],
    celebs: string[] = [],
    followees: string[] = [...new Set([...entries.map((e) => e.authorId), ...celebs])],
  ) => {
    const generation = await store.startRebuild(reader);
    await store.finishRebuild(reader, generation, entries, celebs, followees);
  };
  const alice = 'a'.repeat(24);
  const bob = 'b'.repeat(24);
  const carl = 'c'.repeat(24);
  const star = 'f'.repeat(24);

  describe(`When the ${name} timeline store is used`, () => {
    it('then a reader without a timeline is not built, and pushes to such a reader are dropped', async () => {
      const store = await fresh(10);
      await store.push([alice], entry(bob, 1000));
      expect(await store.window(alice, undefined, 5)).toEqual({
        entries: [],
        built: false,
        exhausted: false,
      });
    });

    it('then pushes land newest first, ties on the same ms ordered by post id, and pages continue after a position', async () => {
      const store = await fresh(10);
      await built(store, alice);
      const [e1, e2, e3, e4] = [entry(bob, 1000), entry(bob, 2000), entry(carl, 2000), entry(carl, 3000)];
      for (const e of [e3, e1, e4, e2]) await store.push([alice, carl], e);
      const first = await store.window(alice, undefined, 2);
      expect(first.built).toBe(true);
      expect(ids(first.entries)).toEqual(ids([e4, e3]));
      const next = await store.window(alice, { at: e3.at, postId: e3.postId }, 5);
      expect(ids(next.entries)).toEqual(ids([e2, e1]));
      expect(next.exhausted).toBe(false);
    });

    it('then a timeline keeps only its newest entries, and a page that runs past them says it is exhausted', async () => {
      const store = await fresh(3);
      const posts = [1, 2, 3, 4, 5].map((i) => entry(bob, i * 1000));
      await built(store, alice);
      for (const e of posts) await store.push([alice], e);
      const all = await store.window(alice, undefined, 10);
      expect(ids(all.entries)).toEqual(ids([posts[4]!, posts[3]!, posts[2]!]));
      expect(all.exhausted).toBe(true);
      const top = await store.window(alice, undefined, 3);
      expect(top.exhausted).toBe(false);
    });

    it('then an author removed from a timeline takes only their entries, and removed posts are gone', async () => {
      const store = await fresh(10);
      await built(store, alice);
      const [b1, c1, b2] = [entry(bob, 1000), entry(carl, 2000), entry(bob, 3000)];
      await store.add(alice, [b1, c1, b2]);
      await store.removeAuthor(alice, bob);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([c1]));
      await store.remove([alice], [c1]);
      expect((await store.window(alice, undefined, 10)).entries).toEqual([]);
    });

    it('then an author removed from a timeline stays out of it (pushes, a rebuild under way, celebrity follows) until admitted again or rebuilt', async () => {
      const store = await fresh(10);
      await built(store, alice);
      await store.removeAuthor(alice, bob);
      const [late, rebuilt, c1] = [entry(bob, 1000), entry(bob, 1500), entry(carl, 2000)];
      await store.push([alice], late);
      await store.push([alice], c1);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([c1]));
      // a rebuild that read the follows before the unfollow, finished after it
      const generation = await store.startRebuild(alice);
      await store.removeAuthor(alice, bob);
      await store.finishRebuild(alice, generation, [c1, rebuilt], [bob], [bob, carl]);
      await store.setCelebrityFollow(alice, bob, true);
      await store.markCelebrity(bob);
      await store.pushAuthor(entry(bob, 2500));
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([c1]));

      await store.admitAuthor(alice, bob);
      await store.setCelebrityFollow(alice, bob, false);
      const back = entry(bob, 3000);
      await store.push([alice], back);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([back, c1]));

      // a rebuild reads the follows afresh: what it was given is what the reader follows
      await store.removeAuthor(alice, bob);
      await built(store, alice, [back, c1]);
      const again = entry(bob, 4000);
      await store.push([alice], again);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([again, back, c1]));
    });

    it('then an author refused before a rebuild stays refused through it unless the rebuild reads them as followed', async () => {
      const store = await fresh(10);
      const c1 = entry(carl, 1000);
      await built(store, alice, [c1]);
      await store.removeAuthor(alice, bob);
      // the rebuild reads the follows after the unfollow: bob is not among them
      await built(store, alice, [c1], [], [carl]);
      // a fan-out that read alice among bob's followers before the unfollow writes late
      await store.push([alice], entry(bob, 2000));
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([c1]));

      // bob followed again, but that follow never reached the store of timelines: the next
      // rebuild reads bob as followed and admits him
      const b1 = entry(bob, 3000);
      await built(store, alice, [b1, c1], [], [bob, carl]);
      const b2 = entry(bob, 4000);
      await store.push([alice], b2);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([b2, b1, c1]));
    });

    it('then invalidating every timeline makes each unbuilt until rebuilt, and a rebuild keeps pushes made during it', async () => {
      const store = await fresh(10);
      const old = entry(bob, 1000);
      await built(store, alice, [old]);
      await store.invalidateAll();
      expect((await store.window(alice, undefined, 5)).built).toBe(false);
      const generation = await store.startRebuild(alice);
      const during = entry(bob, 3000);
      await store.push([alice], during);
      expect((await store.window(alice, undefined, 5)).built).toBe(false);
      const fromStore = entry(bob, 2000);
      await store.finishRebuild(alice, generation, [fromStore], [], [bob]);
      const w = await store.window(alice, undefined, 5);
      expect(w.built).toBe(true);
      expect(ids(w.entries)).toEqual(ids([during, fromStore]));
    });

    it("then a followed celebrity's own list merges into the reader's window, and unfollowing stops it", async () => {
      const store = await fresh(10);
      await store.markCelebrity(star);
      expect(await store.celebrities()).toEqual([star]);
      const [b1, s1, b2, s2] = [entry(bob, 1000), entry(star, 1500), entry(bob, 2000), entry(star, 2500)];
      await built(store, alice, [b1, b2], [star]);
      await store.pushAuthor(s1);
      await store.pushAuthor(s2);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([s2, b2, s1, b1]));
      expect(ids((await store.window(alice, { at: b2.at, postId: b2.postId }, 10)).entries)).toEqual(
        ids([s1, b1]),
      );
      await store.removeAuthorEntries([s2]);
      await store.setCelebrityFollow(alice, star, false);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([b2, b1]));
      await store.setCelebrityFollow(alice, star, true);
      expect(ids((await store.window(alice, undefined, 10)).entries)).toEqual(ids([b2, s1, b1]));
    });

    it('then a dropped timeline is unbuilt and empty', async () => {
      const store = await fresh(10);
      await built(store, alice, [entry(bob, 1000)]);
      await store.drop(alice);
      expect(await store.window(alice, undefined, 5)).toEqual({
        entries: [],
        built: false,
        exhausted: false,
      });
    });
  });
}
