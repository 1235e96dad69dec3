import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { registerUsers, type VirtualUser } from '../load/virtual-users';
import { type ChartSpec, percentileRows } from '../report/write-chart';
import type { ServerProcess } from '../servers/server-process';
import { rssKiB, startBaseline, startOurs } from './fleet';
import { readRedisCounters } from './redis-counters';
import { readServerCounters, type ServerKind } from './server-counters';

/** What one side measured while its sockets connected in bursts, and then sat idle. */
export interface ConnectFigures {
  side: ServerKind;
  sockets: number;
  burst: number;
  p50: number;
  p99: number;
  max: number;
  /** connect_error answers (the cap, the handshake limit, auth) */
  refused: number;
  rssBeforeKiB: number;
  memoryPerConnectionKiB: number;
  redisCommandsPerConnect: number;
  /** the first connects: each user's session version and contacts not cached yet */
  storeCommandsPerConnect: number;
  /** the same users connecting again, as after a crash or a deploy: what the caches save */
  storeCommandsPerReconnect: number;
  idle?: IdleFigures;
  connectMs: number[];
}

/** One instance holding many idle sockets. */
export interface IdleFigures {
  sockets: number;
  rssMiB: number;
  /** (RSS now − RSS before the first connection) / sockets */
  memoryPerConnectionKiB: number;
  eventLoopP99Ms: number;
  cpuMsPerSecond: number;
}

export interface ConnectScenarioOptions {
  mongoUrl: (name: string) => string;
  redisUrl: string;
  redis: Redis;
  secret: string;
  adminToken: string;
  /** sockets connected per side (the comparison), in bursts */
  sockets: number;
  burst: number;
  perUser: number;
  /** idle sockets per side for the steady-state line; 0 skips it */
  idleSockets: number;
  idleSeconds: number;
  oursEnv: Record<string, string>;
  baselineEnv: Record<string, string>;
  log: (line: string) => void;
}

/** File descriptors this process and the servers may hold: a socket is one on each end. */
const WANTED_FDS = 65_536;

function openFileLimit(pid: number | 'self'): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/** Raises a process's open-file limit with prlimit(1) where allowed; returns the limit in force. */
function raiseFileLimit(pid: number): number {
  if (openFileLimit(pid) >= WANTED_FDS) return openFileLimit(pid);
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${WANTED_FDS}:${WANTED_FDS}`], {
      stdio: 'ignore',
    });
  } catch {
    // not permitted (no CAP_SYS_RESOURCE): the caller connects fewer sockets
  }
  return openFileLimit(pid);
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]! : Number.NaN;
};

function openSocket(url: string, token: string): { socket: Socket; connected: Promise<number> } {
  const t = performance.now();
  const socket = io(url, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: 30_000,
  });
  const connected = new Promise<number>((resolve, reject) => {
    socket.once('connect', () => resolve(performance.now() - t));
    socket.once('connect_error', (err) => reject(err));
  });
  return { socket, connected };
}

/** Opens `count` sockets in bursts of `burst` (each burst waits for the one before). */
async function connectInBursts(
  url: string,
  users: VirtualUser[],
  count: number,
  burst: number,
  perUser: number,
  offset: number,
): Promise<{ sockets: Socket[]; connectMs: number[]; refused: number }> {
  const sockets: Socket[] = [];
  const connectMs: number[] = [];
  let refused = 0;
  for (let i = 0; i < count; i += burst) {
    const opened = Array.from({ length: Math.min(burst, count - i) }, (_, j) => {
      const n = offset + i + j;
      return openSocket(url, users[Math.floor(n / perUser) % users.length]!.token);
    });
    const settled = await Promise.allSettled(opened.map((o) => o.connected));
    settled.forEach((r, j) => {
      if (r.status === 'fulfilled') {
        connectMs.push(r.value);
        sockets.push(opened[j]!.socket);
      } else {
        refused += 1;
        opened[j]!.socket.disconnect();
      }
    });
  }
  return { sockets, connectMs, refused };
}

async function eventLoopP99Ms(kind: ServerKind, server: ServerProcess, adminToken: string): Promise<number> {
  if (kind === 'baseline') {
    const res = await fetch(`${server.url}/stats`);
    return ((await res.json()) as { eventLoopP99Ms?: number }).eventLoopP99Ms ?? Number.NaN;
  }
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
  const m = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([\d.e+-]+)/m.exec(await res.text());
  return m ? Number(m[1]) * 1000 : Number.NaN;
}

/** Waits until Redis is quiet (the closed sockets' work done), so the next side's count is its own. */
async function settled(redis: Redis): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = (await readRedisCounters(redis)).commands;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = (await readRedisCounters(redis)).commands;
    if (now - last < 100) return;
    last = now;
  }
}

const cpuMsOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};

/**
 * Connections the way a crash or a rolling deploy brings them: one instance of ours (Redis
 * adapter, presence in Redis, the handshake limit and socket cap counting in Redis, production
 * mode) against one bare Socket.IO process with the same Redis adapter, on the same Redis and
 * store. Each side: `sockets` connects in bursts of `burst` (p50/p99 from io() to `connect`),
 * resident memory per connection, Redis and store commands per connect; then, sockets topped up
 * to `idleSockets`, the steady state: RSS, event-loop delay p99 and CPU per second while idle.
 */
export async function runConnectScenario(opts: ConnectScenarioOptions): Promise<ConnectFigures[]> {
  const { log } = opts;
  const selfFds = raiseFileLimit(process.pid);
  // every socket is one descriptor here; keep 1,000 for everything else
  const idleWanted = Math.max(opts.idleSockets, opts.sockets);
  const clientRoom = Math.max(0, selfFds - 1000);
  if (idleWanted > clientRoom)
    log(`connect: open-file limit ${selfFds} here: at most ${clientRoom} sockets per side`);
  const sockets = Math.min(opts.sockets, clientRoom);
  const idleSockets = Math.min(opts.idleSockets, clientRoom);
  const userCount = Math.ceil(sockets / opts.perUser);
  const ours = (
    await startOurs(
      {
        MONGO_URL: opts.mongoUrl('bench_connect'),
        REDIS_URL: opts.redisUrl,
        JWT_SECRET: opts.secret,
        ADMIN_TOKEN: opts.adminToken,
        METRICS_TOKEN: opts.adminToken,
        // one address opens every socket here: its handshake limit is out of the way, not off
        SOCKET_HANDSHAKE_MAX: '1000000',
        // the cap at its default for the comparison; the idle line reuses the users, more sockets each
        SOCKET_MAX_PER_USER: String(
          Math.min(1000, Math.max(10, (Math.ceil(idleSockets / sockets) + 1) * opts.perUser)),
        ),
        ...opts.oursEnv,
        INSTANCE_ID: 'ours-connect',
      },
      1,
    )
  )[0]!;
  const base = (
    await startBaseline(
      {
        MONGO_URL: opts.mongoUrl('bench_connect_base'),
        REDIS_URL: opts.redisUrl,
        JWT_SECRET: opts.secret,
        ...opts.baselineEnv,
      },
      1,
    )
  )[0]!;
  const open: Socket[] = [];
  try {
    for (const s of [ours, base]) raiseFileLimit(s.child.pid!);
    log(`connect: registering ${userCount} users…`);
    const users = await registerUsers(ours.url, userCount, {
      tag: `c${Date.now() % 100000}`,
      progress: (d, t) => d % 500 === 0 && log(`  registered ${d}/${t}`),
    });
    // The handshake limit and the event budget as a multi-instance deployment runs them: in
    // Redis (registration above ran without them, as a load test's setup).
    for (const [flag, value] of [
      ['rateLimit.enabled', true],
      ['rateLimit.store', 'redis'],
    ] as const) {
      const res = await fetch(`${ours.url}/admin/flags`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.adminToken}` },
        body: JSON.stringify({ flag, value }),
      });
      if (res.status !== 200) throw new Error(`flag ${flag}: HTTP ${res.status} ${await res.text()}`);
    }
    const results: ConnectFigures[] = [];
    const sides = [
      ['ours', ours],
      ['baseline', base],
    ] as const;
    // resident memory before any connection: what memory per connection is measured from
    const rssStart = { ours: rssKiB(ours.child.pid!), baseline: rssKiB(base.child.pid!) };
    // warm the JIT on both sides alike: one burst each, connected and closed, not counted
    for (const [, server] of sides) {
      const warm = await connectInBursts(server.url, users, opts.burst, opts.burst, opts.perUser, 0);
      for (const s of warm.sockets) s.disconnect();
    }
    await settled(opts.redis);
    // Latency with the two sides' bursts interleaved (which goes first alternates), so a busy
    // moment of a shared machine lands on both alike; the per-side pass below counts the rest.
    log(`connect: ${sockets} sockets per side in bursts of ${opts.burst}, the sides interleaved…`);
    const latency = {
      ours: { ms: [] as number[], refused: 0 },
      baseline: { ms: [] as number[], refused: 0 },
    };
    const interleaved: Socket[] = [];
    const store0 = {
      ours: await readServerCounters('ours', [ours], opts.adminToken),
      baseline: await readServerCounters('baseline', [base], opts.adminToken),
    };
    for (let i = 0; i < sockets; i += opts.burst) {
      const order = (i / opts.burst) % 2 === 0 ? sides : [...sides].reverse();
      for (const [side, server] of order) {
        const n = Math.min(opts.burst, sockets - i);
        const b = await connectInBursts(server.url, users, n, n, opts.perUser, i);
        latency[side].ms.push(...b.connectMs);
        latency[side].refused += b.refused;
        interleaved.push(...b.sockets);
      }
    }
    // work that follows `connect` (presence, announcements) is part of a connect's cost
    await new Promise((r) => setTimeout(r, 1500));
    const afterLatency = {
      ours: {
        rss: rssKiB(ours.child.pid!),
        store: await readServerCounters('ours', [ours], opts.adminToken),
      },
      baseline: {
        rss: rssKiB(base.child.pid!),
        store: await readServerCounters('baseline', [base], opts.adminToken),
      },
    };
    for (const s of interleaved) s.disconnect();
    await settled(opts.redis);
    await new Promise((r) => setTimeout(r, 1000));
    for (const [side, server] of sides) {
      const pid = server.child.pid!;
      const rssBeforeKiB = rssStart[side];
      const redis0 = await readRedisCounters(opts.redis);
      const storeBefore = await readServerCounters(side, [server], opts.adminToken);
      log(`connect: ${sockets} sockets to ${side} alone (memory, Redis and store commands)…`);
      const c = await connectInBursts(server.url, users, sockets, opts.burst, opts.perUser, 0);
      open.push(...c.sockets);
      // work that follows `connect` (presence, announcements) is part of a connect's cost
      await new Promise((r) => setTimeout(r, 1500));
      const redis1 = await readRedisCounters(opts.redis);
      const storeAfter = await readServerCounters(side, [server], opts.adminToken);
      const connected = c.sockets.length || 1;
      const firstConnects = latency[side].ms.length || 1;
      const figures: ConnectFigures = {
        side,
        sockets,
        burst: opts.burst,
        p50: quantile(latency[side].ms, 0.5),
        p99: quantile(latency[side].ms, 0.99),
        max: quantile(latency[side].ms, 1),
        refused: latency[side].refused + c.refused,
        rssBeforeKiB,
        memoryPerConnectionKiB: (afterLatency[side].rss - rssBeforeKiB) / firstConnects,
        redisCommandsPerConnect: (redis1.commands - redis0.commands) / connected,
        storeCommandsPerConnect:
          (afterLatency[side].store.mongoCommands - store0[side].mongoCommands) / firstConnects,
        storeCommandsPerReconnect: (storeAfter.mongoCommands - storeBefore.mongoCommands) / connected,
        connectMs: latency[side].ms,
      };
      log(
        `  → p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, ${figures.memoryPerConnectionKiB.toFixed(1)} KiB each, refused ${figures.refused}`,
      );
      if (idleSockets > 0) {
        const more = idleSockets - c.sockets.length;
        log(`connect: topping ${side} up to ${idleSockets} idle sockets…`);
        const top = await connectInBursts(server.url, users, more, opts.burst * 5, opts.perUser, sockets);
        open.push(...top.sockets);
        figures.refused += top.refused;
        await new Promise((r) => setTimeout(r, 2000));
        await eventLoopP99Ms(side, server, opts.adminToken); // starts the window
        const cpu0 = cpuMsOf(pid);
        await new Promise((r) => setTimeout(r, opts.idleSeconds * 1000));
        figures.idle = {
          sockets: c.sockets.length + top.sockets.length,
          rssMiB: rssKiB(pid) / 1024,
          memoryPerConnectionKiB: (rssKiB(pid) - rssBeforeKiB) / (c.sockets.length + top.sockets.length),
          eventLoopP99Ms: await eventLoopP99Ms(side, server, opts.adminToken),
          cpuMsPerSecond: (cpuMsOf(pid) - cpu0) / opts.idleSeconds,
        };
        log(
          `  idle: ${figures.idle.sockets} sockets, ${figures.idle.rssMiB.toFixed(0)} MiB, loop p99 ${figures.idle.eventLoopP99Ms.toFixed(1)} ms, ${figures.idle.cpuMsPerSecond.toFixed(0)} ms CPU/s`,
        );
      }
      for (const s of open.splice(0)) s.disconnect();
      await settled(opts.redis);
      results.push(figures);
    }
    return results;
  } finally {
    for (const s of open) s.disconnect();
    await Promise.all([ours.stop(), base.stop()]);
  }
}

/** The comparison's rows for the bench table: [metric, ours, baseline] with the decimals to show. */
export function connectRows(figures: ConnectFigures[]): Array<[string, number, number, number]> {
  const o = figures.find((f) => f.side === 'ours');
  const b = figures.find((f) => f.side === 'baseline');
  if (!o || !b) return [];
  const rows: Array<[string, number, number, number]> = [
    [`p50 ms (${o.sockets} in bursts of ${o.burst})`, o.p50, b.p50, 1],
    ['p99 ms', o.p99, b.p99, 1],
    ['refused', o.refused, b.refused, 0],
    ['memory per connection KiB', o.memoryPerConnectionKiB, b.memoryPerConnectionKiB, 1],
    ['memory before any connection MiB', o.rssBeforeKiB / 1024, b.rssBeforeKiB / 1024, 0],
    ['Redis commands per connect', o.redisCommandsPerConnect, b.redisCommandsPerConnect, 2],
    ['store commands per connect (users new here)', o.storeCommandsPerConnect, b.storeCommandsPerConnect, 2],
    [
      'store commands per connect (users seen before)',
      o.storeCommandsPerReconnect,
      b.storeCommandsPerReconnect,
      2,
    ],
  ];
  if (o.idle && b.idle)
    rows.push(
      [`idle ${o.idle.sockets} sockets: RSS MiB`, o.idle.rssMiB, b.idle.rssMiB, 0],
      ['idle: memory per connection KiB', o.idle.memoryPerConnectionKiB, b.idle.memoryPerConnectionKiB, 1],
      ['idle: event-loop delay p99 ms', o.idle.eventLoopP99Ms, b.idle.eventLoopP99Ms, 1],
      ['idle: CPU ms per second', o.idle.cpuMsPerSecond, b.idle.cpuMsPerSecond, 0],
    );
  return rows;
}

/** Connect latency by percentile, ours against bare Socket.IO. */
export function connectChartSpec(figures: ConnectFigures[]): ChartSpec {
  const rows = figures.flatMap((f) => percentileRows(`${f.side} connect`, f.connectMs));
  return {
    title: `io() → connect, ${figures[0]?.sockets ?? 0} sockets in bursts of ${figures[0]?.burst ?? 0}`,
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', point: { filled: true, size: 50 } },
    encoding: {
      x: { field: 'percentile', type: 'quantitative', title: 'percentile' },
      y: { field: 'value', type: 'quantitative', title: 'ms (log)', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
    },
  };
}
