import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import supertest from 'supertest';
import { registerUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { scrapeMetric } from '../support/scrape-metrics';
import { nextEvent, request, SocketClients } from '../support/socket-clients';
import { waitFor } from '../support/wait-for';

const SERVER = 2;

let receiver: OtlpReceiver;
let cluster: Cluster;
let A: string;
let B: string;
const clients = new SocketClients(() => A);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  cluster = await startCluster(2, {
    SOCKET_ADAPTER: 'redis',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'social-scale-test',
    // export within ~100 ms instead of the default 5 s, so the test waits on spans, not timers
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  A = cluster.instances[0]!.url;
  B = cluster.instances[1]!.url;
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
  await receiver?.close();
});

const on = (instance: number) => (s: ReceivedSpan) =>
  s.resource['service.instance.id'] === cluster.instances[instance]!.instanceId;

const trace = (traceId: string) => receiver.trace(traceId);
const ancestors = (span: ReceivedSpan) => receiver.ancestors(span);

async function pair() {
  const api = supertest(A);
  const [sender, recipient] = await Promise.all([registerUser(api), registerUser(api)]);
  const recipientOnB = await clients.connect(recipient.token, { url: B });
  return { sender, recipient, recipientOnB };
}

describe('When tracing is on and a message goes from an instance to a recipient on another', () => {
  it('then one trace shows REST on A → insert → publish → delivery on B', async () => {
    const { sender, recipient, recipientOnB } = await pair();
    const pushed = nextEvent<{ message: { text: string } }>(recipientOnB, 'message:new');
    const sent = await supertest(A)
      .post('/api/messages')
      .set(sender.auth)
      .send({ recipientId: recipient.id, text: 'traced over REST', clientId: 'rest-1' });
    expect(sent.status).toBe(201);
    expect((await pushed).message.text).toBe('traced over REST');

    const deliver = await waitFor(
      'the delivery span on B under the POST on A',
      () =>
        receiver.spans.find((s) => {
          if (!on(1)(s) || s.name !== 'deliver message:new') return false;
          return ancestors(s).some(
            (a) => on(0)(a) && a.kind === SERVER && a.attributes['http.route'] === '/api/messages',
          );
        }),
      (s) => s !== undefined,
    );
    const spans = trace(deliver!.traceId);
    const onA = spans.filter(on(0));
    // the request, the message insert, the adapter's publish, and the emit all on A
    expect(onA.find((s) => s.kind === SERVER)?.name).toBe('POST /api/messages');
    const db = (system: string) => (s: ReceivedSpan) => s.attributes['db.system.name'] === system;
    expect(onA.filter(db('mongodb')).map((s) => s.name)).toContain('insert messages');
    const parent = spans.find((s) => s.spanId === deliver!.parentSpanId);
    expect(parent && on(0)(parent)).toBe(true);
    expect(parent!.kind).toBe(4); // producer: the Socket.IO emit on A
    expect(parent!.attributes['messaging.socket.io.event_name']).toBe('message:new');
    // The adapter's PUBLISH, inside that emit (a send makes several emits, each with its own
    // publish). Awaited, not read once: B can receive and export the delivery before A's
    // PUBLISH reply ends that span, so it may come in A's next export batch.
    const publishOfEmit = await waitFor("the adapter's PUBLISH under the emit on A", () =>
      receiver.spans.find(
        (s) => on(0)(s) && db('redis')(s) && s.name === 'publish' && s.parentSpanId === parent!.spanId,
      ),
    );
    expect(publishOfEmit.traceId).toBe(deliver!.traceId);
    // only instances with a recipient report a delivery: A (no socket of the recipient) does not
    expect(
      spans.filter((s) => s.name === 'deliver message:new').map((s) => s.resource['service.instance.id']),
    ).toEqual([cluster.instances[1]!.instanceId]);
    expect(deliver!.kind).toBe(5); // consumer, on B
    expect(deliver!.attributes['socket.io.recipients']).toBe(1);
  });

  it('then a message:send over a socket on A continues to the delivery on B too', async () => {
    const { recipient, recipientOnB, sender } = await pair();
    const senderOnA = await clients.connect(sender.token, { url: A });
    const pushed = nextEvent(recipientOnB, 'message:new');
    const ack = await request(senderOnA, 'message:send', {
      recipientId: recipient.id,
      text: 'traced over a socket',
      clientId: 'sock-1',
    });
    expect(ack.ok).toBe(true);
    await pushed;
    const deliver = await waitFor(
      'the delivery span on B under message:send on A',
      () =>
        receiver.spans.find(
          (s) =>
            on(1)(s) &&
            s.name === 'deliver message:new' &&
            ancestors(s).some(
              (a) => on(0)(a) && a.attributes['messaging.socket.io.event_name'] === 'message:send',
            ),
        ),
      (s) => s !== undefined,
    );
    expect(trace(deliver!.traceId).some((s) => on(0)(s) && s.name.includes('insert'))).toBe(true);
  });

  it('then B counts the delivery latency of message:new', async () => {
    expect(
      await scrapeMetric(B, 'socketio_delivery_seconds_count', { event: 'message:new' }),
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('When OTEL_EXPORTER_OTLP_ENDPOINT is unset', () => {
  it('then loading the whole server loads no OpenTelemetry SDK, exporter or instrumentation', () => {
    // @opentelemetry/api alone is allowed: prom-client requires it (exemplars), tracing or not
    const probe = `require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'backend', 'server.js'))});
      const otel = Object.keys(require.cache).filter((k) => k.includes('@opentelemetry') && !k.includes('@opentelemetry/api/'));
      process.stdout.write(JSON.stringify(otel));`;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['-e', probe], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as string[];
    };
    expect(run({})).toEqual([]);
    // the probe can see them: with the endpoint set, the SDK and instrumentations are loaded
    expect(run({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }).length).toBeGreaterThan(10);
  });
});
