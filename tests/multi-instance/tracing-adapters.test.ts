import supertest from 'supertest';
import { registerUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { nextEvent, SocketClients } from '../support/socket-clients';
import { waitFor } from '../support/wait-for';

/**
 * The trace context rides in the broadcast's flags, which each Redis adapter serialises its
 * own way: the pub/sub adapter is covered in detail by tracing.test.ts, the other two here.
 */
describe.each(['redis-sharded', 'redis-streams'] as const)(
  'When tracing is on with the %s adapter',
  (adapter) => {
    let receiver: OtlpReceiver;
    let cluster: Cluster;
    const clients = new SocketClients(() => cluster.instances[0]!.url);

    beforeAll(async () => {
      receiver = await startOtlpReceiver();
      cluster = await startCluster(2, {
        SOCKET_ADAPTER: adapter,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
    }, 60_000);
    afterAll(async () => {
      clients.closeAll();
      await cluster?.stop();
      await receiver?.close();
    });

    it('then a REST message on A and its delivery on B are one trace', async () => {
      const [A, B] = cluster.instances.map((i) => i.url) as [string, string];
      const on = (i: number) => (s: ReceivedSpan) =>
        s.resource['service.instance.id'] === cluster.instances[i]!.instanceId;
      const [sender, recipient] = await Promise.all([registerUser(supertest(A)), registerUser(supertest(A))]);
      const recipientOnB = await clients.connect(recipient.token, { url: B });
      const pushed = nextEvent(recipientOnB, 'message:new');
      await supertest(A)
        .post('/api/messages')
        .set(sender.auth)
        .send({ recipientId: recipient.id, text: `over ${adapter}`, clientId: 'c1' })
        .expect(201);
      await pushed;
      const deliver = await waitFor(
        'the delivery span on B under the POST on A',
        () =>
          receiver.spans.find(
            (s) =>
              on(1)(s) &&
              s.name === 'deliver message:new' &&
              receiver.ancestors(s).some((a) => on(0)(a) && a.name === 'POST /api/messages'),
          ),
        (s) => s !== undefined,
      );
      expect(receiver.trace(deliver!.traceId).some((s) => on(0)(s) && s.name === 'insert messages')).toBe(
        true,
      );
    });
  },
);
