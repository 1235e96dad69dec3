import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { startDatabases } from './databases/start-databases';
import { percentileRows, percentileSpec, writeChart } from './report/write-chart';
import { type ServerProcess, startServerProcess } from './servers/server-process';

const USAGE = `usage: npm run bench -- [--clients 200] [--round-trips 2000]

Runs our built server and a bare Socket.IO server (scripts/bench/baseline-server.ts) side by side
in one run, drives both with the same socket.io-client, and prints our figure, the baseline's and
the ratio: connect latency, ack round trip, and memory per open connection. Writes a chart to
bench-results/bench-ack-latency.svg.`;

/** Resident memory of a process, from /proc (Linux), in KiB. */
function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function connectOne(url: string, token: string | undefined): Promise<{ socket: Socket; ms: number }> {
  const started = performance.now();
  const socket = io(url, {
    transports: ['websocket'],
    auth: token ? { token } : {},
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, ms: performance.now() - started };
}

async function ackOnce(socket: Socket, event: string, payload: object): Promise<number> {
  const started = performance.now();
  await socket.timeout(5000).emitWithAck(event, payload);
  return performance.now() - started;
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      clients: { type: 'string', default: '200' },
      'round-trips': { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const clients = Number(values.clients);
  const trips = Number(values['round-trips']);
  const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);
  const dbs = await startDatabases({ log });
  const mongo = new URL(dbs.mongoUrl);
  mongo.pathname = `/bench_${randomBytes(4).toString('hex')}`;
  const dist = join(__dirname);
  const procs: ServerProcess[] = [];
  const sockets: Socket[] = [];
  try {
    const baseline = await startServerProcess(
      { INSTANCE_ID: 'baseline' },
      { script: join(dist, 'bench', 'baseline-server.js'), waitReady: false },
    );
    procs.push(baseline);
    const ours = await startServerProcess({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      MONGO_URL: mongo.toString(),
      JWT_SECRET: randomBytes(32).toString('hex'),
      PASSWORD_MEMORY_KIB: '1024',
      PASSWORD_TIME_COST: '1',
      RATE_LIMIT_ENABLED: 'false',
      SOCKET_EVENTS_PER_SECOND: '10000',
      SOCKET_EVENT_BURST: '10000',
    });
    procs.push(ours);

    log(`registering ${clients} users…`);
    const tokens: string[] = [];
    const ids: string[] = [];
    for (let i = 0; i < clients; i++) {
      const name = `bench${i}_${randomBytes(3).toString('hex')}`;
      const res = await fetch(`${ours.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: name, email: `${name}@bench.test`, password: 'bench password 1' }),
      });
      const body = (await res.json()) as { token: string; user: { id: string } };
      tokens.push(body.token);
      ids.push(body.user.id);
      if ((i + 1) % 50 === 0) log(`  ${i + 1}/${clients}`);
    }

    await settle();
    const before = { baseline: rssKiB(baseline.child.pid!), ours: rssKiB(ours.child.pid!) };
    // interleaved, so neither server gets a warmer client or a quieter machine
    log(`connecting ${clients} sockets to each, alternately…`);
    const b = { sockets: [] as Socket[], ms: [] as number[] };
    const o = { sockets: [] as Socket[], ms: [] as number[] };
    for (let i = 0; i < clients; i++) {
      for (const [side, url, token] of [
        [b, baseline.url, undefined],
        [o, ours.url, tokens[i]],
      ] as const) {
        const c = await connectOne(url, token);
        side.sockets.push(c.socket);
        side.ms.push(c.ms);
        sockets.push(c.socket);
      }
    }
    await settle();
    const after = { baseline: rssKiB(baseline.child.pid!), ours: rssKiB(ours.child.pid!) };

    log(`${trips} sequential ack round trips on each, in alternating blocks of 100…`);
    const query = { userIds: [ids[0]] };
    for (let i = 0; i < 200; i++) {
      await ackOnce(b.sockets[0]!, 'echo', query); // warm-up, not counted
      await ackOnce(o.sockets[0]!, 'presence:query', query);
    }
    const bTrips: number[] = [];
    const oTrips: number[] = [];
    while (bTrips.length < trips) {
      for (let k = 0; k < 100; k++) bTrips.push(await ackOnce(b.sockets[0]!, 'echo', query));
      for (let k = 0; k < 100; k++) oTrips.push(await ackOnce(o.sockets[0]!, 'presence:query', query));
    }

    const sort = (xs: number[]) => [...xs].sort((x, y) => x - y);
    const [bc, oc, bt, ot] = [sort(b.ms), sort(o.ms), sort(bTrips), sort(oTrips)];
    const perConn = (k: 'baseline' | 'ours') => (after[k] - before[k]) / clients;
    const rows: Array<[string, number, number, string]> = [
      ['connect p50 (ms)', quantile(oc, 0.5), quantile(bc, 0.5), 'ms'],
      ['connect p99 (ms)', quantile(oc, 0.99), quantile(bc, 0.99), 'ms'],
      ['ack round trip p50 (ms)', quantile(ot, 0.5), quantile(bt, 0.5), 'ms'],
      ['ack round trip p99 (ms)', quantile(ot, 0.99), quantile(bt, 0.99), 'ms'],
      ['memory per connection (KiB)', perConn('ours'), perConn('baseline'), 'KiB'],
      ['resident memory with all connected (MiB)', after.ours / 1024, after.baseline / 1024, 'MiB'],
    ];
    process.stdout.write(
      `bench: ${clients} WebSocket clients each; ack = our presence:query (auth'd socket, zod, event budget, presence store) vs a bare echo\n`,
    );
    process.stdout.write(
      `${'metric'.padEnd(42)}${'ours'.padStart(10)}${'baseline'.padStart(10)}${'ratio'.padStart(8)}\n`,
    );
    for (const [name, ourValue, baseValue] of rows)
      process.stdout.write(
        `${name.padEnd(42)}${ourValue.toFixed(2).padStart(10)}${baseValue.toFixed(2).padStart(10)}${`${(ourValue / baseValue).toFixed(2)}x`.padStart(8)}\n`,
      );
    const chart = await writeChart(
      'bench-ack-latency',
      percentileSpec('Ack round trip: our server vs bare Socket.IO', 'ms (log)', [
        ...percentileRows('ours: presence:query', oTrips),
        ...percentileRows('baseline: echo', bTrips),
        ...percentileRows('ours: connect', o.ms),
        ...percentileRows('baseline: connect', b.ms),
      ]),
    );
    process.stdout.write(`chart: ${chart}\n`);
    return 0;
  } finally {
    for (const s of sockets) s.disconnect();
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)))),
    );
    await dbs.stop();
  }
}
