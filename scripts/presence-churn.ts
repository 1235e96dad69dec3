import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { startDatabases } from './databases/start-databases';
import { type ChartSpec, writeChart } from './report/write-chart';
import { type ServerProcess, startServerProcess } from './servers/server-process';
import { main as verifyPresence } from './verify-presence';

const USAGE = `usage: node scripts/run.mjs presence-churn [--instances 3] [--users 60] [--seconds 15] [--percent 50]

A multi-instance shadow-read run: starts N real server processes in dual-write with shadow
reads on (redisReadPercent --percent), connects and disconnects users' devices across them at
random while asking who is online, then runs verify:presence against the cluster.`;

type Instance = Pick<ServerProcess, 'url' | 'stop'>;

interface Sample {
  second: number;
  instance: string;
  consistency: number;
  comparedPerSecond: number;
  mismatches: number;
}

/** Each instance's shadow-read tally, once a second, for the consistency-over-time chart. */
function sampleTallies(instances: Instance[], adminToken: string, startedAt: number) {
  const samples: Sample[] = [];
  const last = new Map<string, number>();
  const tick = async () => {
    const second = Math.round((Date.now() - startedAt) / 1000);
    await Promise.all(
      instances.map(async (inst, i) => {
        const res = await fetch(`${inst.url}/admin/presence/consistency`, {
          headers: { authorization: `Bearer ${adminToken}` },
        }).catch(() => undefined);
        if (!res?.ok) return;
        const t = (await res.json()) as { compared: number; mismatches: number };
        const name = `churn-${i}`;
        samples.push({
          second,
          instance: name,
          consistency: t.compared === 0 ? 100 : (100 * (t.compared - t.mismatches)) / t.compared,
          comparedPerSecond: t.compared - (last.get(name) ?? 0),
          mismatches: t.mismatches,
        });
        last.set(name, t.compared);
      }),
    );
  };
  const timer = setInterval(() => void tick(), 1000);
  return { samples, stop: () => clearInterval(timer) };
}

function consistencySpec(samples: Sample[]): ChartSpec {
  const x = { field: 'second', type: 'quantitative', title: 'seconds into the run' };
  const color = { field: 'instance', type: 'nominal', title: null };
  return {
    title: 'Presence shadow-read consistency over time (dual-write)',
    data: { values: samples },
    vconcat: [
      {
        width: 560,
        height: 180,
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: {
            field: 'consistency',
            type: 'quantitative',
            title: 'consistency % (cumulative)',
            scale: { domain: [90, 100] },
          },
          color,
        },
      },
      {
        width: 560,
        height: 120,
        mark: 'bar',
        encoding: {
          x: { ...x, type: 'ordinal' },
          y: { field: 'comparedPerSecond', type: 'quantitative', title: 'comparisons / s', stack: 'zero' },
          color,
        },
      },
    ],
  };
}

async function register(url: string, i: number): Promise<{ id: string; token: string }> {
  const name = `churn${i}_${randomBytes(3).toString('hex')}`;
  const res = await fetch(`${url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: name,
      email: `${name}@example.test`,
      password: 'correct horse battery',
    }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string }; token: string };
  return { id: body.user.id, token: body.token };
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((ok, fail) => {
    const s = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    s.once('connect', () => ok(s));
    s.once('connect_error', fail);
  });
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      instances: { type: 'string', default: '3' },
      users: { type: 'string', default: '60' },
      seconds: { type: 'string', default: '15' },
      percent: { type: 'string', default: '50' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const dbs = await startDatabases({ redis: true, log });
  const adminToken = randomBytes(24).toString('hex');
  const prefix = `churn${randomBytes(3).toString('hex')}:`;
  const mongo = new URL(dbs.mongoUrl);
  mongo.pathname = `/presence_churn_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    MONGO_URL: mongo.toString(),
    REDIS_URL: dbs.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: adminToken,
    PASSWORD_MEMORY_KIB: '1024',
    PASSWORD_TIME_COST: '1',
    RATE_LIMIT_ENABLED: 'false',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
    // measuring, not defending: many sockets per user from one address
    SOCKET_MAX_PER_USER: '1000',
    PRESENCE_MODE: 'dual-write',
    USE_REDIS_PERCENTAGE: values.percent,
    PRESENCE_SHADOW_READ: 'true',
    SHUTDOWN_DRAIN_MS: '0',
  };
  const instances: Instance[] = [];
  const sockets = new Set<Socket>();
  try {
    for (let i = 0; i < Number(values.instances); i++)
      instances.push(await startServerProcess({ ...env, INSTANCE_ID: `churn-${i}` }));
    const users: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < Number(values.users); i++) users.push(await register(instances[0]!.url, i));
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const watchers = await Promise.all(instances.map((inst) => connect(inst.url, users[0]!.token)));
    const startedAt = Date.now();
    const until = startedAt + Number(values.seconds) * 1000;
    const tallies = sampleTallies(instances, adminToken, startedAt);
    let lastProgress = startedAt;
    let connects = 0;
    let disconnects = 0;
    let queries = 0;
    while (Date.now() < until) {
      if (sockets.size < users.length || Math.random() < 0.5) {
        const s = await connect(pick(instances).url, pick(users).token);
        sockets.add(s);
        connects += 1;
      } else {
        const s = pick([...sockets]);
        s.disconnect();
        sockets.delete(s);
        disconnects += 1;
      }
      const ids = Array.from({ length: 10 }, () => pick(users).id);
      await pick(watchers)
        .timeout(5000)
        .emitWithAck('presence:query', { userIds: [...new Set(ids)] });
      queries += 1;
      if (Date.now() - lastProgress >= 1000) {
        lastProgress = Date.now();
        log(
          `[churn] ${Math.round((lastProgress - startedAt) / 1000)}/${values.seconds} s: ${connects} connects, ${disconnects} disconnects, ${queries} queries`,
        );
      }
    }
    tallies.stop();
    for (const w of watchers) w.disconnect();
    if (tallies.samples.length > 0)
      log(`chart: ${await writeChart('presence-consistency', consistencySpec(tallies.samples))}`);
    log(
      `churn: ${connects} connects, ${disconnects} disconnects, ${queries} presence queries over ${instances.length} instances`,
    );
    return await verifyPresence(['--redis-url', dbs.redisUrl!, '--prefix', prefix, '--token', adminToken]);
  } finally {
    for (const s of sockets) s.disconnect();
    await Promise.all(instances.map((i) => i.stop()));
    await dbs.stop();
  }
}
