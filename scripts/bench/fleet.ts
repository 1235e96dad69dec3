import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import type { Pair } from '../load/open-loop';
import { connectSocket, mapLimit, type VirtualUser } from '../load/virtual-users';
import { type ServerProcess, startServerProcess } from '../servers/server-process';

/** Resident memory of a process, from /proc (Linux), in KiB. */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * What docker-compose.yml and `ecosystem.config.js --env production` set for every instance
 * (a unit test keeps the three in step): the configuration `npm run bench` calls "shipped".
 */
export const SHIPPED_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  SOCKET_ADAPTER: 'redis',
  PRESENCE_MODE: 'redis',
  RATE_LIMIT_STORE: 'redis',
};

/**
 * The server's defaults, with the one setting two instances need to reach each other's
 * sockets, and no Redis-dependent write path: presence in memory, conversation updates before
 * the ack (production with a Redis defers them under load).
 */
export const DEFAULTS_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  SOCKET_ADAPTER: 'redis',
  MESSAGE_CONVERSATION_WRITES: 'inline',
};

/** Two of our built servers as production ships them (SHIPPED_ENV unless `profile` says otherwise). */
export async function startOurs(
  env: Record<string, string>,
  count: number,
  profile: Record<string, string> = SHIPPED_ENV,
  name = 'ours',
): Promise<ServerProcess[]> {
  const servers: ServerProcess[] = [];
  // one at a time: the first creates the indexes, the rest find them
  for (let i = 0; i < count; i++)
    servers.push(
      await startServerProcess({
        ...profile,
        LOG_LEVEL: 'info',
        PASSWORD_MEMORY_KIB: '1024',
        PASSWORD_TIME_COST: '1',
        RATE_LIMIT_ENABLED: 'false',
        SOCKET_EVENTS_PER_SECOND: '10000',
        SOCKET_EVENT_BURST: '10000',
        // measuring, not defending: many sockets per user from one address
        SOCKET_MAX_PER_USER: '1000',
        REDIS_KEY_PREFIX: 'bench:',
        ...env,
        INSTANCE_ID: `${name}-${String.fromCharCode(97 + i)}`,
      }),
    );
  return servers;
}

export async function startBaseline(env: Record<string, string>, count: number): Promise<ServerProcess[]> {
  const script = join(__dirname, 'baseline-server.js');
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startServerProcess(
        { ...env, INSTANCE_ID: `base-${String.fromCharCode(97 + i)}` },
        { script, waitReady: false },
      ),
    ),
  );
}

export interface Connected {
  pairs: Pair[];
  sockets: Socket[];
  /** ms per connect, in order */
  connectMs: number[];
}

/** Senders on the first server, receivers on the second: every send crosses instances. */
export async function connectPairs(
  servers: ServerProcess[],
  senders: VirtualUser[],
  receivers: VirtualUser[],
  onProgress: (done: number) => void,
): Promise<Connected> {
  const connectMs: number[] = [];
  let done = 0;
  const open = async (url: string, u: VirtualUser) => {
    const t = performance.now();
    const s = await connectSocket(url, u.token);
    connectMs.push(performance.now() - t);
    onProgress(++done);
    return s;
  };
  const a = servers[0]!.url;
  const b = servers[servers.length - 1]!.url;
  const senderSockets = await mapLimit(senders, 8, (u) => open(a, u));
  const receiverSockets = await mapLimit(receivers, 8, (u) => open(b, u));
  return {
    pairs: senders.map((u, i) => ({
      sender: senderSockets[i]!,
      receiver: receiverSockets[i]!,
      senderId: u.id,
      receiverId: receivers[i]!.id,
    })),
    sockets: [...senderSockets, ...receiverSockets],
    connectMs,
  };
}
