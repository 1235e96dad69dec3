import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { histogramRows } from './load/latency-histogram';
import { ACTIONS, type Action, type MixedUser, runMixedLoad } from './load/mixed-load';
import { mapLimit, registerUsers } from './load/virtual-users';
import { percentileSpec, writeChart } from './report/write-chart';

const USAGE = `usage: npm run load-test -- --url URL --users N --rate R --duration S
                          [--transport polling|websocket] [--mix dm,typing,feed,post]
  --url        the server or load balancer (npm run staging, the pm2 app, one instance)
  --users      virtual users: registered, each with one Socket.IO connection
  --rate       actions per second across all users, on a fixed (open-loop) schedule
  --duration   seconds of scheduled load
  --transport  websocket (default), or polling (HTTP long-polling only, no upgrade)
  --mix        actions taken in turn (default dm,typing,feed,post)
  --out        report folder (default bench-results/)`;

const OUT_DIR = resolve(__dirname, '..', '..', 'bench-results');

function connect(url: string, token: string, transport: 'polling' | 'websocket'): Promise<Socket> {
  const socket = io(url, {
    auth: { token },
    transports: [transport],
    upgrade: false,
    forceNew: true,
    timeout: 10000,
  });
  return new Promise((ok, fail) => {
    socket.once('connect', () => ok(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      fail(new Error(`connect over ${transport}: ${err.message}`));
    });
  });
}

/**
 * `npm run load-test`: virtual users over HTTP and Socket.IO against any URL, an open-loop
 * schedule (latency from the scheduled time), p50/p95/p99/max per action, errors by kind, and
 * messages lost (acknowledged but neither received nor in `sync`). Exits 1 when anything was
 * lost or failed, so a script can gate on it. Writes a JSON report and two charts.
 */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      users: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      transport: { type: 'string', default: 'websocket' },
      mix: { type: 'string', default: ACTIONS.join(',') },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const users = Number(values.users);
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const mix = (values.mix ?? '').split(',').filter(Boolean) as Action[];
  const transport = values.transport as 'polling' | 'websocket';
  const problems = [
    !values.url && '--url is required',
    !(Number.isInteger(users) && users >= 2) && '--users must be an integer >= 2',
    !(rate > 0) && '--rate must be > 0',
    !(duration > 0) && '--duration must be > 0',
    !['polling', 'websocket'].includes(transport) && '--transport is polling or websocket',
    (mix.length === 0 || mix.some((a) => !ACTIONS.includes(a))) && `--mix takes ${ACTIONS.join(',')}`,
  ].filter(Boolean);
  if (values.help || problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const url = values.url!.replace(/\/$/, '');
  const say = (line: string) => process.stderr.write(`[load-test] ${line}\n`);
  const tag = randomBytes(3).toString('hex');

  say(`registering ${users} users at ${url}…`);
  let shown = 0;
  const accounts = await registerUsers(url, users, {
    tag,
    progress: (done, total) => {
      if (done === total || done - shown >= Math.max(10, total / 10)) {
        shown = done;
        say(`  registered ${done}/${total}`);
      }
    },
  });
  say(`connecting ${users} sockets over ${transport}…`);
  const sockets = await mapLimit(accounts, 16, (a) => connect(url, a.token, transport));
  const vus: MixedUser[] = accounts.map((a, i) => ({
    ...a,
    socket: sockets[i]!,
    partner: accounts[(i + 1) % accounts.length]!,
  }));
  try {
    if (mix.includes('typing')) {
      // typing reaches only a conversation partner: one message per pair opens the conversation
      say('opening a conversation per pair (typing needs one)…');
      await mapLimit(vus, 16, (u) =>
        u.socket.timeout(15000).emitWithAck('message:send', {
          recipientId: u.partner.id,
          text: 'hello',
          clientId: `${tag}-hello-${u.id}`,
        }),
      );
    }
    say(`running ${rate}/s for ${duration} s, mix ${mix.join(',')}`);
    const result = await runMixedLoad({
      url,
      users: vus,
      mix,
      ratePerSecond: rate,
      durationMs: duration * 1000,
      graceMs: 10000,
      runTag: tag,
      progress: say,
    });

    const out = resolve(values.out ?? OUT_DIR);
    mkdirSync(out, { recursive: true });
    const { histograms, ...report } = result;
    const file = join(out, `load-test-${tag}.json`);
    writeFileSync(file, `${JSON.stringify({ url, transport, mix, ...report }, null, 2)}\n`);
    const rows = [
      ...histogramRows('all answers', histograms.answers),
      ...Object.entries(histograms.perAction).flatMap(([a, h]) => histogramRows(a, h!)),
    ];
    const latencyChart = await writeChart(
      `load-test-${tag}-latency`,
      percentileSpec(
        `load-test ${url}: ${users} users, ${rate}/s, ${transport}`,
        'ms from scheduled time',
        rows,
      ),
    );
    const throughputChart = await writeChart(`load-test-${tag}-throughput`, {
      title: 'answers per second (and errors) over time',
      width: 560,
      height: 260,
      data: { values: result.timeline },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'second', type: 'quantitative', title: 's from start' },
        y: { field: 'count', type: 'quantitative', title: 'per second' },
        color: { field: 'action', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      },
    });

    const ms = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1));
    const lines = [
      '',
      `action   scheduled       ok   p50 ms   p95 ms   p99 ms   max ms  delivery p50/p99 ms  errors`,
      ...Object.entries(result.actions).map(([a, r]) => {
        const d = r!.delivery ? `${ms(r!.delivery.p50)}/${ms(r!.delivery.p99)}` : '';
        return `${a.padEnd(8)} ${String(r!.scheduled).padStart(9)} ${String(r!.ok).padStart(8)} ${ms(r!.latency.p50).padStart(8)} ${ms(r!.latency.p95).padStart(8)} ${ms(r!.latency.p99).padStart(8)} ${ms(r!.latency.max).padStart(8)}  ${d.padStart(19)}  ${JSON.stringify(r!.errors)}`;
      }),
      '(latency: scheduled time to the answer, HTTP response or ack; typing has no ack: its delivery is the figure)',
      '',
      `messages: ${result.acked} acked, ${result.actions.dm?.delivered ?? 0} delivered live, ${result.recoveredBySync} only through sync, lost ${result.lost}`,
      `typing not relayed: ${result.typingNotDelivered}; socket disconnects: ${result.disconnects}; generator lag p99 ${ms(result.scheduleLag.p99)} ms`,
      `report: ${file}`,
      `charts: ${latencyChart}`,
      `        ${throughputChart}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const errors = Object.values(result.actions).reduce(
      (n, r) => n + Object.values(r!.errors).reduce((a, b) => a + b, 0),
      0,
    );
    return result.lost === 0 && errors === 0 ? 0 : 1;
  } finally {
    for (const s of sockets) s.disconnect();
  }
}
