import fc from 'fast-check';
import { closeRedis, createRedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import type { EventBudget } from '../../backend/realtime/event-budget';
import { MemoryEventBudget } from '../../backend/realtime/memory-event-budget';
import { MemorySocketCap } from '../../backend/realtime/memory-socket-cap';
import { operatorKeyPath } from '../../backend/realtime/operator-keys';
import { RedisEventBudget } from '../../backend/realtime/redis-event-budget';
import { RedisSocketCap } from '../../backend/realtime/redis-socket-cap';
import type { SocketCap } from '../../backend/realtime/socket-cap';
import { freePort } from '../../scripts/databases/free-port';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';

interface Kit<T> {
  subject: T;
  close(): Promise<void>;
}

/** One contract per interface, run against each implementation. */
function eventBudgetContract(name: string, make: (burst: number) => Promise<Kit<EventBudget>>) {
  describe(`When a user spends the ${name} event budget`, () => {
    it('then exactly the burst passes at once, per user, and other users are untouched', async () => {
      const kit = await make(5);
      try {
        const a = await Promise.all(Array.from({ length: 12 }, () => kit.subject.take('a')));
        expect(a.filter(Boolean)).toHaveLength(5);
        expect(await kit.subject.take('b')).toBe(true);
      } finally {
        await kit.close();
      }
    });
  });
}

function socketCapContract(name: string, make: (max: number) => Promise<Kit<SocketCap>>) {
  describe(`When sockets ask the ${name} cap for a place`, () => {
    it('then the newest over the cap is refused, a released place is free again, and a socket counts once', async () => {
      const kit = await make(2);
      try {
        const cap = kit.subject;
        expect(await Promise.all(['s1', 's2', 's3'].map((s) => cap.admit('u', s)))).toEqual([
          true,
          true,
          false,
        ]);
        expect(await cap.admit('u', 's1')).toBe(true);
        expect(await cap.admit('v', 's4')).toBe(true);
        cap.release('u', 's1');
        cap.release('u', 's1');
        expect(await cap.admit('u', 's3')).toBe(true);
        expect(await cap.admit('u', 's5')).toBe(false);
      } finally {
        await kit.close();
      }
    });
  });
}

const settings = (burst: number) => ({ ratePerSecond: 0.01, burst });

async function redisKit() {
  const client = await failFastClient(testRedisUrl());
  const guard = new RedisGuard(client, { logger: silentLogger });
  return {
    guard,
    prefix: freshPrefix(),
    close: async () => {
      guard.stop();
      await closeRedis(client);
    },
  };
}

eventBudgetContract('memory', async (burst) => ({
  subject: new MemoryEventBudget(settings(burst)),
  close: async () => {},
}));
eventBudgetContract('Redis', async (burst) => {
  const r = await redisKit();
  return {
    subject: new RedisEventBudget({
      guard: r.guard,
      prefix: r.prefix,
      settings: settings(burst),
      fallback: new MemoryEventBudget(settings(burst)),
    }),
    close: r.close,
  };
});
socketCapContract('memory', async (max) => ({ subject: new MemorySocketCap(max), close: async () => {} }));
socketCapContract('Redis', async (max) => {
  const r = await redisKit();
  const cap = new RedisSocketCap({ guard: r.guard, prefix: r.prefix, max, local: new MemorySocketCap(max) });
  return {
    subject: cap,
    close: async () => {
      cap.stop();
      await r.close();
    },
  };
});

describe('When the event budget refills', () => {
  it('then a spent bucket serves again at the configured rate', () => {
    let now = 0;
    const budget = new MemoryEventBudget({ ratePerSecond: 2, burst: 2 }, () => now);
    expect([budget.takeNow('u'), budget.takeNow('u'), budget.takeNow('u')]).toEqual([true, true, false]);
    now += 500;
    expect([budget.takeNow('u'), budget.takeNow('u')]).toEqual([true, false]);
  });
});

describe('When Redis is away', () => {
  it('then the shared budget counts in local memory instead (still a limit), and the cap falls back to this instance', async () => {
    const port = await freePort();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, 'fail-fast', silentLogger, 'budget-down');
    const guard = new RedisGuard(client, { logger: silentLogger });
    const fallbacks: unknown[] = [];
    try {
      const budget = new RedisEventBudget({
        guard,
        prefix: 'down:',
        settings: settings(3),
        fallback: new MemoryEventBudget(settings(3)),
        onFallback: (err) => fallbacks.push(err),
      });
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push(await budget.take('u'));
      expect(taken).toEqual([true, true, true, false, false]);
      expect(fallbacks.length).toBe(5);
      const cap = new RedisSocketCap({ guard, prefix: 'down:', max: 1, local: new MemorySocketCap(1) });
      expect([await cap.admit('u', 'a'), await cap.admit('u', 'b')]).toEqual([true, false]);
      cap.stop();
    } finally {
      guard.stop();
      client.disconnect();
    }
  });
});

describe('When an event payload carries operator, dotted or prototype keys', () => {
  it.each([
    [{ text: 'x', $where: '1' }, '$where'],
    [{ a: { 'b.c': 1 } }, 'a.b.c'],
    [{ a: [{ $ne: null }] }, 'a.0.$ne'],
    [JSON.parse('{"__proto__": {"x": 1}}'), '__proto__'],
    [{ constructor: { prototype: 1 } }, 'constructor'],
  ])('then %j is found at %s', (payload, path) => {
    expect(operatorKeyPath(payload)).toMatch(new RegExp(`^${path.replace(/[$.]/g, '\\$&')}`));
  });

  it('then clean payloads of any shape pass, whatever their values', () => {
    const cleanKey = fc
      .string({ maxLength: 8 })
      .filter(
        (k) =>
          !k.startsWith('$') && !k.includes('.') && !['__proto__', 'constructor', 'prototype'].includes(k),
      );
    const clean = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(cleanKey, tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(fc.property(clean, (p) => operatorKeyPath(p) === undefined));
  });

  it('then a payload nested deeper than any event is refused', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(operatorKeyPath(deep)).toMatch(/nested too deep/);
  });
});
