import { BreakerOpenError, type BreakerState, CircuitBreaker } from '../../backend/infra/circuit-breaker';

class Clock {
  t = 1_000_000;
  now = () => this.t;
}

const ok = () => Promise.resolve('ok');
const boom = () => Promise.reject(new Error('ECONNREFUSED'));
const answered = () => Promise.reject(Object.assign(new Error('WRONGTYPE'), { answered: true }));

function breaker(clock: Clock, extra: Partial<ConstructorParameters<typeof CircuitBreaker>[0]> = {}) {
  const b = new CircuitBreaker({
    failureRatio: 0.5,
    minimumVolume: 4,
    windowMs: 10_000,
    resetTimeoutMs: 1000,
    isFailure: (err) => !(err as { answered?: boolean }).answered,
    now: clock.now,
    ...extra,
  });
  const states: BreakerState[] = [];
  b.onStateChange((s) => states.push(s));
  return { b, states };
}

async function settle(p: Promise<unknown>) {
  return p.then(
    () => 'ok',
    (e: Error) => e.name,
  );
}

describe('When calls fail through a circuit breaker', () => {
  it('then fewer failures than the minimum volume do not open it', async () => {
    const clock = new Clock();
    const { b } = breaker(clock);
    for (let i = 0; i < 3; i++) await settle(b.run(boom));
    expect(b.state).toBe('closed');
  });

  it('then the minimum volume at the failure ratio opens it and later calls are refused at once', async () => {
    const clock = new Clock();
    const { b, states } = breaker(clock);
    await b.run(ok);
    await b.run(ok);
    await settle(b.run(boom));
    expect(b.state).toBe('closed');
    await settle(b.run(boom)); // 2 of 4 failed = 50%
    expect(b.state).toBe('open');
    let called = false;
    const refused = await settle(
      b.run(async () => {
        called = true;
      }),
    );
    expect(refused).toBe('BreakerOpenError');
    expect(called).toBe(false);
    expect(states).toEqual(['open']);
  });

  it('then failures in a row open it even after a long healthy stretch', async () => {
    const clock = new Clock();
    const { b, states } = breaker(clock);
    for (let i = 0; i < 50; i++) await b.run(ok);
    for (let i = 0; i < 3; i++) await settle(b.run(boom));
    expect(b.state).toBe('closed'); // 3 of 53: the ratio alone would wait for 50 failures
    await settle(b.run(boom));
    expect(b.state).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('then errors the filter says are answers never count', async () => {
    const clock = new Clock();
    const { b } = breaker(clock);
    for (let i = 0; i < 10; i++) await settle(b.run(answered));
    expect(b.state).toBe('closed');
  });

  it('then failures older than the window are forgotten', async () => {
    const clock = new Clock();
    const { b } = breaker(clock);
    for (let i = 0; i < 3; i++) await settle(b.run(boom));
    clock.t += 11_000;
    await settle(b.run(boom));
    expect(b.state).toBe('closed');
  });

  it('then after the reset timeout one trial call goes through half-open and success closes it', async () => {
    const clock = new Clock();
    const { b, states } = breaker(clock);
    b.trip('test');
    clock.t += 999;
    expect(await settle(b.run(ok))).toBe('BreakerOpenError');
    clock.t += 1;
    let release!: () => void;
    const trial = b.run(() => new Promise<string>((r) => (release = () => r('ok'))));
    expect(b.state).toBe('half-open');
    // only one trial at a time: a second caller is refused, not queued
    await expect(b.run(ok)).rejects.toBeInstanceOf(BreakerOpenError);
    release();
    await expect(trial).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('then a failed trial opens it again for another reset timeout', async () => {
    const clock = new Clock();
    const { b, states } = breaker(clock);
    b.trip('test');
    clock.t += 1000;
    expect(await settle(b.run(boom))).toBe('Error');
    expect(b.state).toBe('open');
    clock.t += 500;
    expect(await settle(b.run(ok))).toBe('BreakerOpenError');
    expect(states).toEqual(['open', 'half-open', 'open']);
  });

  it('then an answered error during the trial closes it: the dependency is up', async () => {
    const clock = new Clock();
    const { b } = breaker(clock);
    b.trip('test');
    clock.t += 1000;
    expect(await settle(b.run(answered))).toBe('Error');
    expect(b.state).toBe('closed');
  });

  it('then with a probe it probes by itself after the reset timeout and closes', async () => {
    let probes = 0;
    const b = new CircuitBreaker({
      resetTimeoutMs: 20,
      probe: async () => {
        probes += 1;
        if (probes < 2) throw new Error('still down');
      },
    });
    const closed = new Promise<void>((resolve) =>
      b.onStateChange((s) => {
        if (s === 'closed') resolve();
      }),
    );
    b.trip('test');
    await closed;
    expect(probes).toBe(2);
    expect(b.state).toBe('closed');
    b.stop();
  });

  it('then probeNow closes at once when the dependency says it is back', async () => {
    const clock = new Clock();
    const b = new CircuitBreaker({ resetTimeoutMs: 60_000, probe: ok, now: clock.now });
    b.trip('test');
    const closed = new Promise<void>((resolve) => b.onStateChange((s) => s === 'closed' && resolve()));
    b.probeNow();
    await closed;
    expect(b.state).toBe('closed');
    b.stop();
  });
});
