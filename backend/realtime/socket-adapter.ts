import { createAdapter as createPubSubAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import type { ServerOptions } from 'socket.io';
import type { FlagValues } from '../config/features';
import type { Logger } from '../infra/logger';
import { closeRedis, isCluster, type RedisClient } from '../infra/redis';

export type SocketAdapterName = FlagValues['socket.adapter'];

export interface SocketAdapter {
  name: SocketAdapterName;
  /** undefined = Socket.IO's in-memory adapter (one instance only) */
  factory: ServerOptions['adapter'] | undefined;
  /** connection state recovery needs an adapter that keeps missed packets: streams */
  recovery: boolean;
  /**
   * Resolves once rooms joined so far receive broadcasts from other instances. The sharded
   * adapter subscribes to a channel per room when the room is created, without waiting; a
   * PING on the same connection answers after that SSUBSCRIBE has been applied.
   */
  joined(): Promise<void>;
  /**
   * Resolves once this transport receives what other instances publish on it (its
   * subscriptions are in place): a live move reports the transport only after this.
   */
  ready(): Promise<void>;
  /** false while an adapter Redis connection is down: other instances cannot reach our sockets */
  connected(): boolean;
  /** closes the adapter's own Redis clients (after io.close() closed the adapter) */
  close(): Promise<void>;
}

export interface AdapterDeps {
  /**
   * a Redis client with library defaults (role 'adapter': no command timeout, offline queue
   * on); undefined without REDIS_URL
   */
  redisClient: ((name: string) => RedisClient) | undefined;
  /** isolates channels, streams and session keys of apps that share one Redis */
  keyPrefix: string;
  logger: Logger;
}

const JOIN_WAIT_MS = 1000;

function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The PING of joined() on a cluster: SSUBSCRIBE goes to the sharded subscriber connection of
 * the channel's shard, not to the Cluster's own, so each of those connections is pinged.
 * ioredis keeps them in a private group; without it (another version) the cluster PING stands in.
 */
function pingSubscribers(sub: RedisClient): Promise<unknown> {
  if (!isCluster(sub)) return sub.ping();
  const group = (
    sub as unknown as {
      shardedSubscribers?: {
        shardedSubscribers?: Map<string, { getInstance(): { ping(): Promise<string> } | null }>;
      };
    }
  ).shardedSubscribers?.shardedSubscribers;
  if (!group) return sub.ping();
  return Promise.all([...group.values()].map((s) => s.getInstance()?.ping()));
}

const memory: SocketAdapter = {
  name: 'memory',
  factory: undefined,
  recovery: false,
  joined: async () => {},
  ready: async () => {},
  connected: () => true,
  close: async () => {},
};

/**
 * One transport of flag socket.adapter, with its own Redis clients. Each transport has its
 * own channels, so two can be attached at once during a live move (live-socket-adapter.ts):
 * the streams adapter's request channels would otherwise match the pub/sub adapter's pattern.
 */
export function createSocketAdapter(name: SocketAdapterName, deps: AdapterDeps): SocketAdapter {
  if (name === 'memory') return memory;
  const redisClient = deps.redisClient;
  if (!redisClient) {
    // Config refuses this at start from env; an override set without Redis must not stop a start.
    deps.logger.error({ adapter: name }, 'socket.adapter needs REDIS_URL: using the in-memory adapter');
    return memory;
  }
  const base = `${deps.keyPrefix}socket.io`;
  if (name === 'redis-streams') {
    // One client: the adapter duplicates it for its blocking XREAD loop and its subscriber.
    const client = redisClient('adapter-streams');
    return {
      name,
      factory: createStreamsAdapter(client, {
        streamName: base,
        channelPrefix: `${base}-streams`,
        sessionKeyPrefix: `${deps.keyPrefix}sio:session:`,
      }),
      recovery: true,
      joined: async () => {},
      // the adapter starts its XREAD loop on a duplicate as soon as it is built
      ready: async () => {
        await client.ping();
      },
      connected: () => client.status === 'ready',
      close: () => closeRedis(client),
    };
  }
  const pub = redisClient(`adapter-${name}-pub`);
  const sub = redisClient(`adapter-${name}-sub`);
  const clients = [pub, sub];
  return {
    name,
    factory:
      name === 'redis'
        ? createPubSubAdapter(pub, sub, { key: base })
        : createShardedAdapter(pub, sub, { channelPrefix: base, subscriptionMode: 'dynamic' }),
    recovery: false,
    // Bounded: with Redis away the handshake goes on (local delivery works) instead of hanging.
    joined:
      name === 'redis-sharded' ? () => settleWithin(pingSubscribers(sub), JOIN_WAIT_MS) : async () => {},
    // the PING answers after the (P|S)SUBSCRIBE queued before it on the same connection
    ready: async () => {
      await pingSubscribers(sub);
    },
    connected: () => clients.every((c) => c.status === 'ready'),
    close: async () => {
      await Promise.all(clients.map((c) => closeRedis(c)));
    },
  };
}
