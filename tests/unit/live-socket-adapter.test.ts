import { createLogger } from '../../backend/infra/logger';
import { type AdapterState, LiveSocketAdapter } from '../../backend/realtime/live-socket-adapter';
import { createSocketAdapter, type SocketAdapterName } from '../../backend/realtime/socket-adapter';
import { waitFor } from '../support/wait-for';

const logger = createLogger({ level: 'silent', instanceId: 'unit', version: '0' });

/**
 * A live adapter whose transports are in-process (each mode's name on the in-memory adapter)
 * and whose peers are a list the test edits: the stage machine without Redis.
 */
function subject(start: SocketAdapterName, settings = { minDualMs: 0, drainMs: 50, pollMs: 10 }) {
  const peers: Array<{ id: string; socket?: { receives?: string[] } }> = [{ id: 'self' }];
  const closed: string[] = [];
  const announced: AdapterState[] = [];
  const adapter: LiveSocketAdapter = new LiveSocketAdapter(start, {
    transport: (mode) => {
      const memory = createSocketAdapter('memory', { redisClient: undefined, keyPrefix: '', logger });
      return { ...memory, name: mode, close: async () => void closed.push(mode) };
    },
    instanceId: 'self',
    logger,
    settings,
    peers: async () => peers,
    announce: async () => void announced.push(adapter.state()),
  });
  return { adapter, peers, closed, announced };
}

describe('LiveSocketAdapter stages', () => {
  it('When the flag names another transport and every peer receives on it, then the move goes attach → dual → target → done and the old one closes', async () => {
    const { adapter, peers, closed, announced } = subject('redis');
    peers.push({ id: 'peer', socket: { receives: ['redis'] } });
    adapter.moveTo('redis-sharded');
    expect(adapter.migration()).toEqual({ from: 'redis', to: 'redis-sharded', stage: 'attach' });
    await waitFor('the dual stage', () => adapter.migration()?.stage === 'dual');
    expect(adapter.name).toBe('redis');
    expect(adapter.state().receives.sort()).toEqual(['redis', 'redis-sharded']);
    // the peer does not receive on the target yet: no cutover
    await new Promise((r) => setTimeout(r, 100));
    expect(adapter.migration()?.stage).toBe('dual');
    peers[1]!.socket = { receives: ['redis', 'redis-sharded'] };
    await waitFor('the target stage', () => adapter.migration()?.stage === 'target');
    expect(adapter.name).toBe('redis-sharded');
    await waitFor('the move done', () => adapter.migration() === null);
    expect(closed).toEqual(['redis']);
    expect(adapter.state()).toEqual({
      adapter: 'redis-sharded',
      receives: ['redis-sharded'],
      migration: null,
    });
    expect(announced.map((s) => s.migration?.stage ?? 'done')).toEqual(['dual', 'target', 'done']);
    await adapter.close();
  });

  it('When the flag goes back during the dual stage, then the old transport stays in force and the target closes after the drain', async () => {
    const { adapter, peers, closed } = subject('redis');
    peers.push({ id: 'peer', socket: { receives: ['redis'] } });
    adapter.moveTo('redis-streams');
    await waitFor('the dual stage', () => adapter.migration()?.stage === 'dual');
    adapter.moveTo('redis');
    expect(adapter.migration()).toBeNull();
    expect(adapter.name).toBe('redis');
    await waitFor('the target closed', () => closed.includes('redis-streams'));
    expect(adapter.state().receives).toEqual(['redis']);
    await adapter.close();
  });

  it('When the flag goes back during the target stage, then the move reverses onto the still attached old transport', async () => {
    const { adapter, closed } = subject('redis', { minDualMs: 0, drainMs: 60_000, pollMs: 10 });
    adapter.moveTo('redis-sharded');
    await waitFor('the target stage', () => adapter.migration()?.stage === 'target');
    adapter.moveTo('redis');
    expect(adapter.migration()).toEqual({ from: 'redis-sharded', to: 'redis', stage: 'attach' });
    await waitFor('the reverse move cut over', () => adapter.migration()?.stage === 'target');
    expect(adapter.migration()).toEqual({ from: 'redis-sharded', to: 'redis', stage: 'target' });
    expect(adapter.name).toBe('redis');
    expect(adapter.state().receives.sort()).toEqual(['redis', 'redis-sharded']);
    expect(closed).toEqual([]);
    await adapter.close();
  });

  it('When a packet id arrives over both transports, then it is admitted once and shadow delivery counts it as both', async () => {
    const { adapter } = subject('redis', { minDualMs: 60_000, drainMs: 50, pollMs: 10 });
    adapter.moveTo('redis-sharded');
    await waitFor('the dual stage', () => adapter.migration()?.stage === 'dual');
    expect(adapter.admit('peer:1', 'redis')).toBe(true);
    expect(adapter.admit('peer:1', 'redis-sharded')).toBe(false);
    expect(adapter.admit('peer:1', 'redis')).toBe(false);
    const own = adapter.nextId();
    expect(adapter.admit(own, 'redis')).toBe(true);
    expect(adapter.admit(own, 'redis-sharded')).toBe(false);
    expect(adapter.shadowDelivery()).toEqual(
      expect.objectContaining({ from: 'redis', to: 'redis-sharded', both: 1, oldOnly: 0, newOnly: 0 }),
    );
    await adapter.close();
  });
});
