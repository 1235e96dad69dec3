import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { loadConfig } from '../backend/config/config';
import { type RunningServer, startServer } from '../backend/server';
import { startDatabases } from './databases/start-databases';
import { percentileRows, percentileSpec, writeChart } from './report/write-chart';

const USAGE = `usage: npm run bench:cache -- [--users N] [--follows N] [--posts N] [--requests N] [--hot N] [--rounds N]

Latency of GET /api/users/:id and GET /api/feed with the cache off and on (flag cache.enabled,
switched live on one running server, same data, alternating in rounds), one request at a time
over HTTP, plus the cache hit ratio and database commands per request of the measured requests. Starts the database (MONGO_URL, else the embedded one)
and a redis-server unless REDIS_URL is set. Reads only: writes would add misses.

  --users     accounts (default 200)
  --follows   accounts each one follows (default 20)
  --posts     posts per account (default 5)
  --requests  measured requests per route and mode (default 400, after 50 warm-up)
  --hot       requests pick among this many profiles / feed readers (default 50)
  --rounds    off and on alternate this many times, requests split across them (default 4)`;

interface Row {
  route: string;
  cache: string;
  requests: number;
  p50: number;
  p99: number;
  mean: number;
  hitRatio: string;
  mongoPerRequest: number;
}

/** small deterministic PRNG, so both modes request the same sequence */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function cacheCounts(server: RunningServer, cache: string): Promise<{ hit: number; total: number }> {
  const { values } = await server.services.metrics.cacheRequests.get();
  let hit = 0;
  let total = 0;
  for (const v of values) {
    if (v.labels.cache !== cache) continue;
    total += v.value;
    if (v.labels.result === 'hit') hit += v.value;
  }
  return { hit, total };
}

/** database commands run so far (the Mongo command histogram's sample count) */
async function mongoCommands(server: RunningServer): Promise<number> {
  const { values } = await server.services.metrics.mongoDuration.get();
  return values
    .filter((v) => (v as { metricName?: string }).metricName === 'mongo_command_duration_seconds_count')
    .reduce((sum, v) => sum + v.value, 0);
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '200' },
      follows: { type: 'string', default: '20' },
      posts: { type: 'string', default: '5' },
      requests: { type: 'string', default: '400' },
      hot: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '4' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const nUsers = Number(values.users);
  const nFollows = Math.min(Number(values.follows), nUsers - 1);
  const nPosts = Number(values.posts);
  const nRequests = Number(values.requests);
  const hot = Math.min(Number(values.hot), nUsers);
  const rounds = Math.max(1, Number(values.rounds));
  const perRound = Math.ceil(nRequests / rounds);
  const log = (l: string) => process.stdout.write(`${l}\n`);

  const dbs = await startDatabases({ redis: true, log });
  let server: RunningServer | undefined;
  try {
    const db = new URL(dbs.mongoUrl);
    db.pathname = `/bench_cache_${randomBytes(4).toString('hex')}`;
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: '0',
      MONGO_URL: db.toString(),
      REDIS_URL: dbs.redisUrl,
      REDIS_KEY_PREFIX: `benchcache${randomBytes(3).toString('hex')}:`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PASSWORD_MEMORY_KIB: '1024',
      PASSWORD_TIME_COST: '1',
      RATE_LIMIT_ENABLED: 'false',
      SHUTDOWN_DRAIN_MS: '0',
    });
    server = await startServer(config);
    const s = server.services;
    const base = `http://127.0.0.1:${server.port}`;

    // Seed: accounts through the service (tokens, hashes), follows and posts in bulk.
    const users: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < nUsers; i++) {
      const name = `bench${i}_${randomBytes(2).toString('hex')}`;
      const { user, token } = await s.auth.register({
        username: name,
        email: `${name}@example.test`,
        password: 'bench password 123',
      });
      users.push({ id: user.id, token });
    }
    const rand = prng(42);
    const follows: Array<{ follower: Types.ObjectId; followee: Types.ObjectId; createdAt: Date }> = [];
    for (let i = 0; i < nUsers; i++) {
      const picked = new Set<number>();
      while (picked.size < nFollows) {
        const j = Math.floor(rand() * nUsers);
        if (j !== i) picked.add(j);
      }
      for (const j of picked)
        follows.push({
          follower: new Types.ObjectId(users[i]!.id),
          followee: new Types.ObjectId(users[j]!.id),
          createdAt: new Date(),
        });
    }
    await s.mongo.collection('follows').insertMany(follows);
    const started = Date.now() - nUsers * nPosts * 1000;
    const posts = users.flatMap((u, i) =>
      Array.from({ length: nPosts }, (_, k) => {
        const at = new Date(started + (k * nUsers + i) * 1000);
        return {
          postedBy: new Types.ObjectId(u.id),
          text: `post ${k} by ${i}`,
          likesCount: 0,
          repliesCount: 0,
          createdAt: at,
          updatedAt: at,
        };
      }),
    );
    await s.mongo.collection('posts').insertMany(posts);
    log(
      `data: ${nUsers} users, ${follows.length} follows, ${posts.length} posts on ${dbs.mongoKind}; ` +
        `${perRound * rounds} sequential requests per row in ${rounds} alternating rounds after 50 warm-up, among ${hot} hot profiles/readers`,
    );

    const routes = [
      {
        name: 'GET /api/users/:id',
        cache: 'profile',
        request: (r: () => number) => {
          const viewer = users[Math.floor(r() * nUsers)]!;
          const target = users[Math.floor(r() * hot)]!;
          return { url: `${base}/api/users/${target.id}`, token: viewer.token };
        },
      },
      {
        // no isFollowing query for one's own profile: what the profile cache itself saves
        name: 'GET /api/users/:id (own)',
        cache: 'profile',
        request: (r: () => number) => {
          const self = users[Math.floor(r() * hot)]!;
          return { url: `${base}/api/users/${self.id}`, token: self.token };
        },
      },
      {
        name: 'GET /api/feed',
        cache: 'feed',
        request: (r: () => number) => {
          const reader = users[Math.floor(r() * hot)]!;
          return { url: `${base}/api/feed`, token: reader.token };
        },
      },
    ];

    // Off and on alternate in rounds over the same request sequence, so load from anything
    // else on the machine falls on both alike rather than on whichever ran second.
    const rows: Row[] = [];
    const curves: ReturnType<typeof percentileRows> = [];
    for (const route of routes) {
      const tally = [false, true].map((enabled) => ({
        enabled,
        samples: [] as number[],
        hits: 0,
        lookups: 0,
        mongo: 0,
      }));
      for (let round = 0; round < rounds; round++) {
        for (const mode of tally) {
          await s.flagAdmin.set('cache.enabled', mode.enabled, 'bench-cache');
          const r = prng(round + 1);
          const send = async () => {
            const { url, token } = route.request(r);
            const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
            if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
            await res.arrayBuffer();
          };
          if (round === 0) for (let i = 0; i < 50; i++) await send();
          const before = await cacheCounts(server, route.cache);
          const mongoBefore = await mongoCommands(server);
          for (let i = 0; i < perRound; i++) {
            const t = performance.now();
            await send();
            mode.samples.push(performance.now() - t);
          }
          const after = await cacheCounts(server, route.cache);
          mode.hits += after.hit - before.hit;
          mode.lookups += after.total - before.total;
          mode.mongo += (await mongoCommands(server)) - mongoBefore;
        }
      }
      for (const mode of tally) {
        const samples = [...mode.samples].sort((x, y) => x - y);
        curves.push(...percentileRows(`${route.name} · cache ${mode.enabled ? 'on' : 'off'}`, samples));
        rows.push({
          route: route.name,
          cache: mode.enabled ? 'on' : 'off',
          requests: samples.length,
          p50: quantile(samples, 0.5),
          p99: quantile(samples, 0.99),
          mean: samples.reduce((x, y) => x + y, 0) / samples.length,
          mongoPerRequest: mode.mongo / samples.length,
          hitRatio: mode.lookups > 0 ? `${((mode.hits / mode.lookups) * 100).toFixed(1)} %` : '-',
        });
      }
    }

    const header = ['route', 'cache', 'requests', 'p50 ms', 'p99 ms', 'mean ms', 'hit ratio', 'db cmds/req'];
    const table = [
      header,
      ...rows.map((row) => [
        row.route,
        row.cache,
        String(row.requests),
        row.p50.toFixed(2),
        row.p99.toFixed(2),
        row.mean.toFixed(2),
        row.hitRatio,
        row.mongoPerRequest.toFixed(2),
      ]),
    ];
    const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table)
      log(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    log(
      `chart: ${await writeChart('cache-latency', percentileSpec('Request latency, cache off vs on', 'ms (log)', curves))}`,
    );
    for (const route of routes) {
      const off = rows.find((row) => row.route === route.name && row.cache === 'off')!;
      const on = rows.find((row) => row.route === route.name && row.cache === 'on')!;
      log(
        `${route.name}: p50 ${(off.p50 / on.p50).toFixed(1)}x, p99 ${(off.p99 / on.p99).toFixed(1)}x faster with the cache`,
      );
    }
    await s.mongo.dropDatabase().catch(() => {});
    return 0;
  } finally {
    await server?.shutdown('bench done').catch(() => {});
    await dbs.stop();
  }
}
