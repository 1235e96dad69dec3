import { KeyedSerializer } from '../../backend/infra/keyed-serializer';
import { LateBoundNotifier } from '../../backend/ports/late-bound-notifier';
import { RecordingNotifier } from '../../backend/ports/recording-notifier';
import { originAllowed } from '../../backend/realtime/origin-check';
import { TokenBucket } from '../../backend/realtime/token-bucket';

describe('When services emit before, while and after the socket server is attached', () => {
  it('then only emits made while attached reach it', () => {
    const late = new LateBoundNotifier();
    const target = new RecordingNotifier();
    late.toUsers(['u1'], 'early', {});
    late.attach(target);
    late.toUsers(['u1', 'u2'], 'message:new', { n: 1 });
    late.toUsersExceptSocket(['u1'], 's1', 'message:new', { n: 2 });
    late.detach();
    late.toUsers(['u1'], 'late', {});
    expect(target.emits).toEqual([
      { userId: 'u1', event: 'message:new', payload: { n: 1 } },
      { userId: 'u2', event: 'message:new', payload: { n: 1 } },
      { userId: 'u1', exceptSocketId: 's1', event: 'message:new', payload: { n: 2 } },
    ]);
  });
});

describe('When a socket spends its event budget', () => {
  it('then the burst is served at once and further events only as the rate refills', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect(bucket.take()).toBe(true);
    now += 60_000;
    // never more than the burst, however long the socket was quiet
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

describe('When a handshake carries an Origin', () => {
  const allow = ['https://app.example.test'];
  it.each([
    [undefined, 'api.example.test', true],
    ['https://app.example.test', 'api.example.test', true],
    ['https://api.example.test', 'api.example.test', true],
    ['http://127.0.0.1:5000', '127.0.0.1:5000', true],
    ['https://evil.example.test', 'api.example.test', false],
    ['https://app.example.test.evil.test', 'api.example.test', false],
    ['null', 'api.example.test', false],
    ['https://api.example.test', undefined, false],
  ])('then origin %s to host %s is allowed: %s', (origin, host, expected) => {
    expect(originAllowed(origin, host, allow)).toBe(expected);
  });
});

describe('When updates of one document are serialized by key', () => {
  it('then one key runs in call order, one at a time, a failure does not stop the queue, and other keys run alongside', async () => {
    const serial = new KeyedSerializer();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task =
      (name: string, fail = false) =>
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        log.push(`start ${name}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${name}`);
        running -= 1;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      serial.run('k', task('a')),
      serial.run('k', task('b', true)),
      serial.run('k', task('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(maxRunning).toBe(1);
    expect(serial.size).toBe(0);

    let parallel = 0;
    let maxParallel = 0;
    const slow = async () => {
      parallel += 1;
      maxParallel = Math.max(maxParallel, parallel);
      await new Promise((r) => setImmediate(r));
      parallel -= 1;
    };
    await Promise.all([serial.run('x', slow), serial.run('y', slow)]);
    expect(maxParallel).toBe(2);
  });
});
