import { io, type Socket } from 'socket.io-client';

export interface VirtualUser {
  id: string;
  username: string;
  token: string;
}

/** Runs fn over items with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Registers `count` users through the public REST API (POST /api/auth/register), as a real
 * client would, and returns their ids and JWTs. Names carry a random run tag so repeated runs
 * against one database never collide.
 */
export async function registerUsers(
  baseUrl: string,
  count: number,
  opts: { tag: string; concurrency?: number; progress?: (done: number, total: number) => void },
): Promise<VirtualUser[]> {
  let done = 0;
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    opts.concurrency ?? 8,
    async (i) => {
      const username = `lg${opts.tag}_${i}`;
      const res = await fetch(`${baseUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, email: `${username}@load.test`, password: 'load test password 1' }),
      });
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`register ${username}: HTTP ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { token: string; user: { id: string } };
      done++;
      opts.progress?.(done, count);
      return { id: body.user.id, username, token: body.token };
    },
  );
}

/**
 * One Socket.IO connection, WebSocket only by default (`polling` starts with long-polling and
 * upgrades, as browsers do); no reconnection: a drop is a failure.
 */
export function connectSocket(
  url: string,
  token: string | undefined,
  opts: { timeoutMs?: number; transport?: 'websocket' | 'polling' } = {},
): Promise<Socket> {
  const timeoutMs = opts.timeoutMs ?? 10000;
  const socket = io(url, {
    transports: opts.transport === 'polling' ? ['polling', 'websocket'] : ['websocket'],
    auth: token ? { token } : {},
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(new Error(`connect to ${url}: ${err.message}`));
    });
  });
}

/**
 * A Socket.IO connection that reconnects as a deployed client does, WebSocket only, trying the
 * next of `urls` on each attempt (a client configured with every instance's address, or a
 * load balancer's failover): a dropped instance's clients land on the survivors. The same
 * Socket object lives on across reconnects, so listeners stay attached.
 */
export function connectRotatingSocket(
  urls: string[],
  token: string,
  opts: {
    first?: number;
    timeoutMs?: number;
    /** reconnection backoff, ms: first delay and cap (socket.io-client's defaults: 1,000 / 5,000) */
    delayMs?: number;
    maxDelayMs?: number;
    extraHeaders?: Record<string, string>;
  } = {},
): Promise<Socket> {
  let at = opts.first ?? 0;
  const socket = io(urls[at % urls.length]!, {
    transports: ['websocket'],
    auth: { token },
    forceNew: true,
    reconnection: true,
    reconnectionDelay: opts.delayMs ?? 1000,
    reconnectionDelayMax: opts.maxDelayMs ?? 5000,
    timeout: opts.timeoutMs ?? 10000,
    ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
  });
  socket.io.on('reconnect_attempt', () => {
    at += 1;
    // the Manager opens each attempt's engine from its uri
    (socket.io as unknown as { uri: string }).uri = urls[at % urls.length]!;
  });
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      socket.off('connect_error', onError);
      resolve(socket);
    };
    const onError = (err: Error) => {
      socket.off('connect', onConnect);
      socket.disconnect();
      reject(new Error(`connect to ${urls[at % urls.length]}: ${err.message}`));
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
}
