import { PendingSharedWrites } from '../../backend/infra/pending-shared-writes';

describe('When shared writes are pending while Redis is away', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('then they are sent again each tick until one attempt takes them, and then nothing is pending', async () => {
    const sent: Array<Record<string, number>> = [];
    let away = true;
    const pending = new PendingSharedWrites<number>(async (writes) => {
      sent.push(Object.fromEntries(writes));
      if (away) throw new Error('away');
    }, 1000);
    pending.add('a', 1);
    pending.add('b', 2);
    expect(pending.has('a')).toBe(true);

    await jest.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([{ a: 1, b: 2 }]);
    expect(pending.has('a')).toBe(true);

    away = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
    expect(pending.has('a')).toBe(false);
    expect(pending.has('b')).toBe(false);

    await jest.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(2);
  });

  it('then a key written again during an attempt keeps its newer value for the next one', async () => {
    const sent: Array<Record<string, number>> = [];
    let release!: () => void;
    const pending = new PendingSharedWrites<number>(async (writes) => {
      sent.push(Object.fromEntries(writes));
      if (sent.length === 1) await new Promise<void>((r) => (release = r));
    }, 1000);
    pending.add('a', 1);
    await jest.advanceTimersByTimeAsync(1000);
    pending.add('a', 2);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(pending.has('a')).toBe(true);

    await jest.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([{ a: 1 }, { a: 2 }]);
    expect(pending.has('a')).toBe(false);
  });

  it('then a key written through by its caller is no longer sent', async () => {
    const sent: Array<Record<string, number>> = [];
    const pending = new PendingSharedWrites<number>(async (writes) => {
      sent.push(Object.fromEntries(writes));
    }, 1000);
    pending.add('a', 1);
    pending.add('b', 1);
    pending.delete('a');
    await jest.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([{ b: 1 }]);
  });
});
