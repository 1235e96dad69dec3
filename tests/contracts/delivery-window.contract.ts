import type { DeliveryWindow, FirstArrival } from '../../backend/realtime/delivery-window';

export interface WindowSubject {
  window: DeliveryWindow;
  capacity: number;
  ttlMs: number;
  /** what left the window so far, in order */
  evicted: Array<{ id: string; first: FirstArrival }>;
}

/**
 * What every DeliveryWindow promises: within the window each id is admitted exactly once,
 * whichever transport it comes over and however often; memory never exceeds the capacity;
 * an id leaves the window once, with what was seen of it.
 */
export function deliveryWindowContract(
  name: string,
  make: (settings: { capacity: number; ttlMs: number }) => WindowSubject,
): void {
  describe(`DeliveryWindow contract: ${name}`, () => {
    const t0 = 1_000_000;

    it('When one id arrives over two transports, then the first arrival is admitted and the second is dropped with the first’s details', () => {
      const { window } = make({ capacity: 10, ttlMs: 1000 });
      expect(window.arrive('a:1', 'redis', t0)).toBeUndefined();
      expect(window.arrive('a:1', 'redis-streams', t0 + 7)).toEqual({ via: 'redis', at: t0, repeats: 1 });
      expect(window.arrive('a:1', 'redis', t0 + 9)).toEqual({ via: 'redis', at: t0, repeats: 2 });
    });

    it('When many ids arrive twice in any order within the window, then each is admitted exactly once', () => {
      const { window } = make({ capacity: 5000, ttlMs: 60_000 });
      const ids = Array.from({ length: 2000 }, (_, i) => `n${i % 3}:${i}`);
      // each id's second copy arrives 500 ids after its first: copies of different ids interleave
      const arrivals: Array<[string, string]> = [];
      ids.forEach((id, i) => {
        arrivals.push([id, i % 2 === 0 ? 'old' : 'new']);
        if (i >= 500) arrivals.push([ids[i - 500]!, i % 2 === 0 ? 'new' : 'old']);
      });
      for (const id of ids.slice(-500)) arrivals.push([id, 'new']);
      const admitted = new Map<string, number>();
      arrivals.forEach(([id, via], i) => {
        if (window.arrive(id, via, t0 + i) === undefined) admitted.set(id, (admitted.get(id) ?? 0) + 1);
      });
      expect(arrivals).toHaveLength(2 * ids.length);
      expect(admitted.size).toBe(ids.length);
      expect([...admitted.values()].every((n) => n === 1)).toBe(true);
    });

    it('When more ids arrive than the capacity, then the window never holds more than the capacity and the oldest leave first', () => {
      const s = make({ capacity: 100, ttlMs: 60_000 });
      let largest = 0;
      for (let i = 0; i < 1000; i++) {
        s.window.arrive(`x:${i}`, 'redis', t0 + i);
        largest = Math.max(largest, s.window.size);
      }
      expect(largest).toBe(100);
      expect(s.evicted).toHaveLength(900);
      expect(s.evicted[0]!.id).toBe('x:0');
      expect(s.evicted.at(-1)!.id).toBe('x:899');
      // the newest 100 are still remembered
      expect(s.window.arrive('x:999', 'redis-sharded', t0 + 1000)).toEqual(
        expect.objectContaining({ via: 'redis' }),
      );
    });

    it('When an id is older than the window, then it leaves on the next arrival or sweep, reporting the one transport it came over', () => {
      const s = make({ capacity: 100, ttlMs: 1000 });
      s.window.arrive('old:1', 'redis', t0);
      s.window.arrive('both:1', 'redis', t0 + 10);
      s.window.arrive('both:1', 'redis-sharded', t0 + 12);
      s.window.arrive('fresh:1', 'redis-sharded', t0 + 1005);
      expect(s.evicted.map((e) => e.id)).toEqual(['old:1']);
      s.window.sweep(t0 + 1011);
      expect(s.evicted).toEqual([
        { id: 'old:1', first: { via: 'redis', at: t0, repeats: 0 } },
        { id: 'both:1', first: { via: 'redis', at: t0 + 10, repeats: 1 } },
      ]);
      expect(s.window.size).toBe(1);
    });

    it('When an id comes back after it left the window, then it is admitted again (the window is the promise’s bound)', () => {
      const { window } = make({ capacity: 100, ttlMs: 1000 });
      window.arrive('late:1', 'redis', t0);
      expect(window.arrive('late:1', 'redis-streams', t0 + 1001)).toBeUndefined();
    });

    it('When the window is cleared, then every id leaves once and the window is empty', () => {
      const s = make({ capacity: 100, ttlMs: 1000 });
      for (let i = 0; i < 10; i++) s.window.arrive(`c:${i}`, 'redis', t0 + i);
      s.window.clear();
      s.window.clear();
      expect(s.evicted).toHaveLength(10);
      expect(s.window.size).toBe(0);
    });
  });
}
