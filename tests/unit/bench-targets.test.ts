import type { RunFigures } from '../../scripts/bench/scenario-run';
import { judgeTargets, type Summary, type SweepResult } from '../../scripts/bench/targets';

const summary = (over: Partial<Summary>): Summary => ({
  scenario: 'persisted',
  side: 'ours',
  rate: 100,
  repeats: 3,
  p50: 5,
  p99: 20,
  max: 30,
  serverCpuPer1000: 1000,
  storeCpuPer1000: 500,
  storeCommandsPerMessage: 2,
  redisCommandsPerMessage: 1,
  lost: 0,
  lostTotal: 0,
  undelivered: 0,
  overloadedRuns: 0,
  sent: 3000,
  delivered: 3000,
  ...over,
});

const sweep = (over: Partial<SweepResult>, peak?: Partial<RunFigures>): SweepResult => ({
  scenario: 'persisted',
  side: 'ours',
  sustained: 400,
  capped: false,
  runs: peak ? [{ rate: 400, held: true, lost: 0, storeCommandsPerMessage: 0.4, ...peak } as RunFigures] : [],
  ...over,
});

const verdict = (lines: ReturnType<typeof judgeTargets>, prefix: string) =>
  lines.find((l) => l.name.startsWith(prefix))?.verdict;

describe('When our figures are within every target', () => {
  it('then every target is PASS', () => {
    const lines = judgeTargets(
      [
        summary({}),
        summary({ side: 'baseline', p99: 15, serverCpuPer1000: 800, storeCommandsPerMessage: 1 }),
        summary({ scenario: 'relay', rate: 2000, p99: 10, serverCpuPer1000: 100 }),
        summary({ scenario: 'relay', side: 'baseline', rate: 2000, p99: 9, serverCpuPer1000: 95 }),
      ],
      [sweep({}, {}), sweep({ side: 'baseline', sustained: 200 })],
      { relayRate: 2000, persistedRate: 100 },
    );
    expect(lines.map((l) => l.verdict)).toEqual(Array(lines.length).fill('PASS'));
  });
});

describe('When ours misses the ratios', () => {
  it('then the ratio targets and the lost target are MISS', () => {
    const lines = judgeTargets(
      [
        summary({ p99: 100, serverCpuPer1000: 5000, storeCommandsPerMessage: 7, lostTotal: 2 }),
        summary({ side: 'baseline', p99: 15, serverCpuPer1000: 800, storeCommandsPerMessage: 1 }),
      ],
      [
        sweep({ sustained: 300 }, { rate: 300, storeCommandsPerMessage: 3 }),
        sweep({ side: 'baseline', sustained: 200 }),
      ],
      { relayRate: 2000, persistedRate: 100 },
    );
    expect(verdict(lines, 'persisted: sustained')).toBe('MISS');
    expect(verdict(lines, 'persisted: p99')).toBe('MISS');
    expect(verdict(lines, 'persisted: server CPU')).toBe('MISS');
    expect(verdict(lines, 'persisted: 0 lost')).toBe('MISS');
    expect(verdict(lines, 'store commands per message <= 2')).toBe('MISS');
    expect(verdict(lines, 'store commands per message <= 0.5')).toBe('MISS');
  });
});

describe("When the servers' own background commands (the flag poll) push the low-load figure past 2", () => {
  it('then the relay runs, which store nothing, give the background rate and the message path is judged net of it', () => {
    const judge = (relayStore: number) =>
      judgeTargets(
        [
          summary({ storeCommandsPerMessage: 2.002 }),
          summary({ side: 'baseline', storeCommandsPerMessage: 1 }),
          summary({ scenario: 'relay', rate: 2000, storeCommandsPerMessage: relayStore }),
          summary({ scenario: 'relay', side: 'baseline', rate: 2000, storeCommandsPerMessage: 0 }),
        ],
        [],
        { relayRate: 2000, persistedRate: 100 },
      );
    // 0.00035 per relay event at 2,000/s = 0.7 commands/s = 0.007 per message at 100/s
    const net = judge(0.00035).find((l) => l.name.startsWith('store commands per message <= 2'));
    expect(net?.verdict).toBe('PASS');
    expect(net?.detail).toBe('1.99 at 100/s (2.002 measured, 0.007 of it background, from the relay runs)');
    // with no background, 2.002 is what the message path costs, and it misses
    expect(verdict(judge(0), 'store commands per message <= 2')).toBe('MISS');
  });
});

describe('When a scenario or the sweep did not run, or ran at another rate', () => {
  it('then its targets are n/a rather than PASS or MISS', () => {
    const lines = judgeTargets([summary({ rate: 20 }), summary({ side: 'baseline', rate: 20 })], [], {
      relayRate: 200,
      persistedRate: 20,
    });
    expect(verdict(lines, 'persisted: sustained')).toBe('n/a');
    expect(verdict(lines, 'persisted: p99 at 100/s')).toBe('n/a');
    expect(verdict(lines, 'relay: p99')).toBe('n/a');
    expect(verdict(lines, 'relay: CPU')).toBe('n/a');
  });
});
