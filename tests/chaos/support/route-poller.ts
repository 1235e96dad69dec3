import type { VirtualUser } from '../../../scripts/load/virtual-users';

export interface RoutePoll {
  requests: number;
  /** responses ≥ 500, with what answered them */
  serverErrors: string[];
  /** no HTTP answer at all (the instance was being killed) */
  connectionErrors: number;
  /** ids of the posts POST /api/posts answered 201 to */
  posted: Set<string>;
  stop(): Promise<RoutePoll>;
}

/**
 * Routes that need only Mongo (a profile, the feed, a new post), polled on every live instance
 * in a loop until stopped: a Redis fault must never turn one of them into a 5xx. With `readers`
 * (followers of `user`), each round also reads one reader's feed on every instance, so their
 * timelines are built and read while the faults land.
 */
export function pollRoutes(
  urls: () => string[],
  user: VirtualUser,
  opts: { pauseMs?: number; readers?: VirtualUser[] } = {},
): RoutePoll {
  let running = true;
  const poll: RoutePoll = {
    requests: 0,
    serverErrors: [],
    connectionErrors: 0,
    posted: new Set(),
    stop: async () => {
      running = false;
      await loop;
      return poll;
    },
  };
  const headersOf = (u: VirtualUser) => ({
    authorization: `Bearer ${u.token}`,
    'content-type': 'application/json',
  });
  const one = async (url: string, path: string, init: RequestInit = {}, as: VirtualUser = user) => {
    poll.requests++;
    try {
      const res = await fetch(`${url}${path}`, {
        headers: headersOf(as),
        ...init,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status >= 500) poll.serverErrors.push(`${init.method ?? 'GET'} ${url}${path}: ${res.status}`);
      if (init.method === 'POST' && res.status === 201) poll.posted.add(JSON.parse(text).post.id);
    } catch {
      poll.connectionErrors++;
    }
  };
  const readers = opts.readers ?? [];
  let n = 0;
  const loop = (async () => {
    while (running) {
      const reader = readers[n % Math.max(readers.length, 1)];
      await Promise.all(
        urls().flatMap((url) => [
          one(url, `/api/users/${user.id}`),
          one(url, '/api/feed?limit=5'),
          one(url, '/api/posts', { method: 'POST', body: JSON.stringify({ text: `chaos poll ${++n}` }) }),
          ...(reader ? [one(url, '/api/feed?limit=5', {}, reader)] : []),
        ]),
      );
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 100));
    }
  })();
  return poll;
}
