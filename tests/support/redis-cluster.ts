import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { spawnService } from '../../scripts/databases/child-service';
import { waitForPort } from '../../scripts/databases/free-port';
import { redisServerBinary } from '../../scripts/databases/redis-server';
import { type RedisSecurity, secureCliArgs, secureClientOptions, secureServerArgs } from './secure-redis';
import { waitFor } from './wait-for';

const run = promisify(execFile);

export interface RedisClusterNode {
  port: number;
  /** false once kill() took it down */
  alive: boolean;
}

export interface RedisClusterHandle {
  nodes: RedisClusterNode[];
  /** REDIS_CLUSTER_NODES for a server under test: every node, so any may seed discovery */
  nodesEnv: string;
  /** ports of the nodes that are masters now (asked of a live node) */
  masters(): Promise<number[]>;
  /** the master serving `key`'s slot now */
  masterOf(key: string): Promise<number>;
  /** SIGKILL one node, as when its host dies */
  kill(port: number): Promise<void>;
  /** resolves when every live node says cluster_state:ok and every slot has a live master */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** resolves once no live node maps a slot to the dead master any more, and the cluster is ok */
  waitForFailover(deadPort: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A port whose cluster bus port (port + 10000) is free as well. */
async function freeClusterPort(): Promise<number> {
  const listen = async (port: number) => {
    const srv = createServer();
    srv.listen(port, '127.0.0.1');
    try {
      await once(srv, 'listening');
      const addr = srv.address();
      return { srv, port: typeof addr === 'object' && addr ? addr.port : 0 };
    } catch {
      srv.close();
      return undefined;
    }
  };
  for (let i = 0; i < 50; i++) {
    const a = await listen(0);
    if (!a || a.port + 10000 > 65535) {
      a?.srv.close();
      continue;
    }
    const b = await listen(a.port + 10000);
    a.srv.close();
    b?.srv.close();
    if (b) return a.port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

/** One command to one node, on a connection of its own (the node may be about to die). */
const asker =
  (login: RedisOptions = {}) =>
  async (port: number, ...args: string[]): Promise<unknown> => {
    const r = new Redis(port, '127.0.0.1', {
      ...login,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => {});
    try {
      await r.connect();
      return await r.call(args[0]!, ...args.slice(1));
    } finally {
      r.disconnect();
    }
  };

/**
 * A Redis Cluster of `masters` masters with one replica each, on loopback ports of its own, no
 * persistence. A short node timeout makes a killed master's replica take over within seconds.
 * One per test file: it starts in a few seconds (redis-cli's join check polls once a second).
 */
export async function startRedisCluster(
  opts: {
    masters?: number;
    nodeTimeoutMs?: number;
    /** TLS only (clients, cluster bus, replication) and a login; the CA's servername for our own asks */
    secure?: RedisSecurity & { servername?: string };
  } = {},
): Promise<RedisClusterHandle> {
  const bin = redisServerBinary();
  const { secure } = opts;
  const ask = asker(secure && secureClientOptions(secure, secure.servername));
  const askText = async (port: number, ...args: string[]) => String(await ask(port, ...args));
  const count = (opts.masters ?? 3) * 2;
  const dir = mkdtempSync(join(tmpdir(), 'social-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    let p = await freeClusterPort();
    while (ports.includes(p)) p = await freeClusterPort();
    ports.push(p);
  }
  const procs = ports.map((port) =>
    spawnService(bin, [
      ...(secure ? [...secureServerArgs(port, secure), '--tls-cluster', 'yes'] : ['--port', String(port)]),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      String(opts.nodeTimeoutMs ?? 2000),
      // a replica takes over however long ago it last heard its master (tests kill masters)
      '--cluster-replica-validity-factor',
      '0',
      '--appendonly',
      'no',
      '--save',
      '',
      '--dir',
      dir,
    ]),
  );
  const nodes: RedisClusterNode[] = ports.map((port) => ({ port, alive: true }));
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };
  const live = () => nodes.filter((n) => n.alive);

  const handle: RedisClusterHandle = {
    nodes,
    nodesEnv: ports.map((p) => `127.0.0.1:${p}`).join(','),
    masters: async () => {
      const lines = (await askText(live()[0]!.port, 'CLUSTER', 'NODES')).split('\n');
      return lines
        .filter((l) => /\bmaster\b/.test(l) && !/\bfail\b/.test(l))
        .map((l) => Number(/:(\d+)@/.exec(l)![1]));
    },
    masterOf: async (key) => {
      const slot = Number(await ask(live()[0]!.port, 'CLUSTER', 'KEYSLOT', key));
      const shards = (await ask(live()[0]!.port, 'CLUSTER', 'SLOTS')) as Array<
        [number, number, [string, number]]
      >;
      const shard = shards.find(([from, to]) => slot >= from && slot <= to);
      if (!shard) throw new Error(`no master serves slot ${slot}`);
      return shard[2][1];
    },
    kill: async (port) => {
      const i = ports.indexOf(port);
      const node = nodes[i];
      if (!node) throw new Error(`no cluster node on port ${port}`);
      node.alive = false;
      await procs[i]!.stop('SIGKILL');
    },
    waitUntilOk: async (timeoutMs = 20_000) => {
      await waitFor(
        'every live Redis Cluster node to say cluster_state:ok',
        async () => {
          const infos = await Promise.all(live().map((n) => askText(n.port, 'CLUSTER', 'INFO')));
          return infos.every((i) => /cluster_state:ok/.test(i) && /cluster_slots_ok:16384/.test(i));
        },
        timeoutMs,
        100,
      );
    },
    waitForFailover: async (deadPort, timeoutMs = 30_000) => {
      await waitFor(
        `every live Redis Cluster node to route the slots of :${deadPort} to its replica`,
        async () => {
          const maps = await Promise.all(
            live().map(
              (n) => ask(n.port, 'CLUSTER', 'SLOTS') as Promise<Array<[number, number, [string, number]]>>,
            ),
          );
          return maps.every((m) => m.every(([, , master]) => master[1] !== deadPort));
        },
        timeoutMs,
        50,
      );
      await handle.waitUntilOk(timeoutMs);
    },
    stop,
  };

  try {
    await Promise.all(
      ports.map((port, i) => waitForPort(port, { isAlive: procs[i]!.isAlive, timeoutMs: 10_000 })),
    );
    await run(
      process.env.REDIS_CLI_BIN ?? 'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
        ...(secure ? secureCliArgs(secure) : []),
      ],
      { timeout: 30_000 },
    );
    await handle.waitUntilOk();
    // replicas in sync before anything is killed: a failover then promotes a full copy
    const replicas = (await askText(ports[0]!, 'CLUSTER', 'NODES'))
      .split('\n')
      .filter((l) => /\bslave\b/.test(l))
      .map((l) => Number(/:(\d+)@/.exec(l)![1]));
    await waitFor(
      'Redis Cluster replicas to finish their first sync',
      async () => {
        const infos = await Promise.all(replicas.map((p) => askText(p, 'INFO', 'replication')));
        return infos.every((i) => /master_link_status:up/.test(i));
      },
      20_000,
      100,
    );
  } catch (err) {
    const out = procs.map((p) => p.output()).join('\n');
    await stop();
    throw new Error(`Redis Cluster did not start: ${(err as Error).message}\n${out.slice(-2000)}`);
  }
  return handle;
}
