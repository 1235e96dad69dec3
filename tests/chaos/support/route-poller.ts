import type { VirtualUser } from '../../../scripts/load/virtual-users';

export interface RoutePoll {
  requests: number;
  /** responses ≥ 500, with what answered them */
  serverErrors: string[];
  /** no HTTP answer at all (the instance was being killed) */
  connectionErrors: number;
  stop(): Promise<RoutePoll>;
}

/**
 * Routes that need only Mongo (a profile, the feed, a new post), polled on every live instance
 * in a loop until stopped: a Redis fault must never turn one of them into a 5xx.
 */
export function pollRoutes(
  urls: () => string[],
  user: VirtualUser,
  opts: { pauseMs?: number } = {},
): RoutePoll {
  let running = true;
  const poll: RoutePoll = {
    requests: 0,
    serverErrors: [],
    connectionErrors: 0,
    stop: async () => {
      running = false;
      await loop;
      return poll;
    },
  };
  const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
  const one = async (url: string, path: string, init: RequestInit = {}) => {
    poll.requests++;
    try {
      const res = await fetch(`${url}${path}`, { headers, ...init, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status >= 500) poll.serverErrors.push(`${init.method ?? 'GET'} ${url}${path}: ${res.status}`);
    } catch {
      poll.connectionErrors++;
    }
  };
  let n = 0;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        urls().flatMap((url) => [
          one(url, `/api/users/${user.id}`),
          one(url, '/api/feed?limit=5'),
          one(url, '/api/posts', { method: 'POST', body: JSON.stringify({ text: `chaos poll ${++n}` }) }),
        ]),
      );
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 100));
    }
  })();
  return poll;
}
