import { GroupCommit, type Settled } from '../../backend/modules/messages/group-commit';

/** A writer whose batches complete when the test says so. */
function gatedWriter() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const write = async (batch: number[]): Promise<Array<Settled<string>>> => {
    batches.push(batch);
    await new Promise<void>((resolve) => gates.push(resolve));
    return batch.map((n) =>
      n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: `v${n}` },
    );
  };
  const release = async () => {
    const gate = gates.shift();
    if (!gate) throw new Error('no batch in flight');
    gate();
  };
  return { batches, write, release };
}

describe('When items are submitted to a group commit', () => {
  it('then an item arriving with nothing in flight is written at once, alone', async () => {
    const w = gatedWriter();
    const gc = new GroupCommit({ maxBatch: 10, maxQueue: 10, write: w.write });
    const first = gc.submit(1);
    expect(w.batches).toEqual([[1]]);
    await w.release();
    await expect(first).resolves.toBe('v1');
  });

  it('then items arriving while a batch is in flight form the next batch, in submit order, capped', async () => {
    const w = gatedWriter();
    const sizes: number[] = [];
    const gc = new GroupCommit({
      maxBatch: 3,
      maxQueue: 100,
      write: w.write,
      onBatch: (n) => sizes.push(n),
    });
    const all = [1, 2, 3, 4, 5, 6].map((n) => gc.submit(n));
    expect(w.batches).toEqual([[1]]);
    expect(gc.depth).toBe(5);
    await w.release();
    await all[0];
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    await w.release();
    await all[3];
    expect(w.batches).toEqual([[1], [2, 3, 4], [5, 6]]);
    await w.release();
    await expect(Promise.all(all)).resolves.toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
    expect(sizes).toEqual([1, 3, 2]);
    await gc.drained();
    expect(gc.depth).toBe(0);
  });

  it('then with two batches allowed in flight an item arriving while one is written starts the second at once, and the rest wait for a free slot', async () => {
    const w = gatedWriter();
    const gc = new GroupCommit({ maxBatch: 10, maxQueue: 10, maxInFlight: 2, write: w.write });
    const all = [gc.submit(1), gc.submit(2), gc.submit(3), gc.submit(4)];
    expect(w.batches).toEqual([[1], [2]]);
    expect(gc.depth).toBe(2);
    await w.release();
    await all[0];
    expect(w.batches).toEqual([[1], [2], [3, 4]]);
    await w.release();
    await w.release();
    await expect(Promise.all(all)).resolves.toEqual(['v1', 'v2', 'v3', 'v4']);
    await gc.drained();
  });

  it('then a failed item rejects alone and its batch mates resolve', async () => {
    const w = gatedWriter();
    const gc = new GroupCommit({ maxBatch: 10, maxQueue: 10, write: w.write });
    const blocker = gc.submit(0);
    const [a, bad, b] = [gc.submit(1), gc.submit(-1), gc.submit(2)];
    await w.release();
    await blocker;
    await w.release();
    await expect(a).resolves.toBe('v1');
    await expect(bad).rejects.toThrow('bad -1');
    await expect(b).resolves.toBe('v2');
  });

  it('then a writer that throws fails every item of its batch and the next batch still runs', async () => {
    let calls = 0;
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxQueue: 10,
      write: async (batch) => {
        calls += 1;
        if (calls === 1) throw new Error('store down');
        return batch.map((n) => ({ ok: true, value: n * 10 }));
      },
    });
    const failed = [gc.submit(1)];
    await expect(failed[0]).rejects.toThrow('store down');
    await expect(gc.submit(2)).resolves.toBe(20);
  });

  it('then past maxQueue waiting items a submit is refused UNAVAILABLE at once and counted', async () => {
    const w = gatedWriter();
    let rejected = 0;
    const depths: number[] = [];
    const gc = new GroupCommit({
      maxBatch: 10,
      maxQueue: 2,
      write: w.write,
      onReject: () => rejected++,
      onDepth: (d) => depths.push(d),
    });
    const inFlight = gc.submit(1);
    const queued = [gc.submit(2), gc.submit(3)];
    const refused = gc.submit(4);
    await expect(refused).rejects.toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(rejected).toBe(1);
    expect(Math.max(...depths)).toBe(2);
    await w.release();
    await inFlight;
    await w.release();
    await expect(Promise.all(queued)).resolves.toEqual(['v2', 'v3']);
    // room again once the queue drained
    const later = gc.submit(5);
    await w.release();
    await expect(later).resolves.toBe('v5');
  });
});

describe('When a batch answers its outcomes as still pending', () => {
  it('then the next batch is written before they settle, each item resolves with its own outcome, and drained waits for them', async () => {
    const written: number[][] = [];
    const completions: Array<(outcome: Settled<string>) => void> = [];
    const gc = new GroupCommit<number, string>({
      maxBatch: 10,
      maxQueue: 10,
      write: async (batch) => {
        written.push(batch);
        return batch.map(() => new Promise<Settled<string>>((resolve) => completions.push(resolve)));
      },
    });
    const first = gc.submit(1);
    const second = gc.submit(2);
    await new Promise((r) => setImmediate(r));
    // the first batch's outcome is still pending, and the second batch was written anyway
    expect(written).toEqual([[1], [2]]);
    let drained = false;
    const idle = gc.drained().then(() => {
      drained = true;
    });
    completions[1]!({ ok: true, value: 'v2' });
    await expect(second).resolves.toBe('v2');
    expect(drained).toBe(false);
    completions[0]!({ ok: false, error: new Error('update failed') });
    await expect(first).rejects.toThrow('update failed');
    await idle;
    expect(drained).toBe(true);
  });
});
