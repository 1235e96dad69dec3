import { Counter, Gauge } from 'prom-client';
import type { Config } from '../config/config';
import { AppError } from '../errors/app-error';
import type { FlagAdmin } from '../flags/flag-admin';
import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisClient } from '../infra/redis';
import type { InstanceHeartbeat, InstanceInfo } from '../instances/instance-heartbeat';
import { LiveSocketAdapter } from './live-socket-adapter';
import { createSocketAdapter, type SocketAdapterName } from './socket-adapter';

export interface LiveSocketAdapterDeps {
  config: Pick<Config, 'instanceId' | 'redisKeyPrefix' | 'realtime'>;
  flags: FlagReader;
  flagAdmin: Pick<FlagAdmin, 'addVeto'>;
  logger: Logger;
  metrics: Pick<Metrics, 'registry'>;
  redisClient: ((name: string) => RedisClient) | undefined;
  presence: {
    /** live instances, from heartbeats (just this one without Redis) */
    instances(): Promise<InstanceInfo[]>;
    heartbeat: Pick<InstanceHeartbeat, 'addDetails' | 'beat'> | undefined;
  };
}

/**
 * The Socket.IO adapter of flag socket.adapter, moved live when the flag changes: heartbeats
 * carry each instance's adapter state (the cutover waits on them), shadow delivery goes to
 * Prometheus, and going back to `memory` is refused while other instances are live.
 */
export function createLiveSocketAdapter(deps: LiveSocketAdapterDeps): LiveSocketAdapter {
  const { config, logger } = deps;
  const { instances, heartbeat } = deps.presence;
  const shadowArrivals = new Counter({
    name: 'socketio_adapter_shadow_deliveries_total',
    help: 'Packets published on two transports during an adapter move, by what arrived here: both, the old only, the new only',
    labelNames: ['via'] as const,
    registers: [deps.metrics.registry],
  });
  const adapter = new LiveSocketAdapter(deps.flags.get('socket.adapter'), {
    transport: (mode) =>
      createSocketAdapter(mode, { redisClient: deps.redisClient, keyPrefix: config.redisKeyPrefix, logger }),
    instanceId: config.instanceId,
    logger,
    settings: { minDualMs: config.realtime.adapterDualMinMs, drainMs: config.realtime.adapterDrainMs },
    peers: instances,
    announce: () => heartbeat?.beat() ?? Promise.resolve(),
    shadow: { arrived: (via) => shadowArrivals.inc({ via }) },
  });
  new Gauge({
    name: 'socketio_adapter_shadow_latency_delta_ms',
    help: 'During the latest adapter move, mean arrival over the new transport minus over the old (ms)',
    registers: [deps.metrics.registry],
    collect() {
      this.set(adapter.shadowDelivery().latencyDeltaMs ?? 0);
    },
  });
  heartbeat?.addDetails(() => ({ socket: adapter.state() }));
  deps.flags.onChange((name, value) => {
    if (name === 'socket.adapter') adapter.moveTo(value as SocketAdapterName);
  });
  deps.flagAdmin.addVeto(async (name, value) => {
    if (name !== 'socket.adapter' || value !== 'memory') return;
    const others = (await instances()).filter((i) => i.id !== config.instanceId);
    if (others.length > 0)
      throw new AppError(
        400,
        'ADAPTER_MEMORY_REFUSED',
        `socket.adapter cannot move to memory while ${others.length} other instance(s) are live: their sockets would no longer hear this one`,
        [{ path: 'value', message: `live instances: ${others.map((i) => i.id).join(', ')}` }],
      );
  });
  return adapter;
}
