import fc from 'fast-check';
import type { Socket as ServerSocket } from 'socket.io';
import { type ClientSocket, SocketClients } from '../support/socket-clients';
import { ackShapeProblem } from './support/contract-shape';
import { deepNesting, hostileJson } from './support/hostile-values';
import { fuzzRuns } from './support/raw-request';
import { createSecurityScene, type SecurityScene } from './support/security-scene';

/** Listener names Socket.IO reserves; a client cannot emit them. */
const RESERVED = new Set([
  'disconnect',
  'disconnecting',
  'error',
  'connect',
  'connect_error',
  'newListener',
  'removeListener',
]);

let scene: SecurityScene;
let socket: ClientSocket;
let events: string[];
const runs = fuzzRuns();
const clients = new SocketClients(() => scene.url);

beforeAll(async () => {
  scene = await createSecurityScene();
  socket = await clients.connect(scene.bob.token);
  // a socket's handlers are built at its first event: bob speaks once (an unknown event, NOT_FOUND)
  await socket.timeout(5000).emitWithAck('fuzz:hello', {});
  // the events this server's handlers listen to, read from bob's server-side socket
  const server = [...scene.t.server.realtime.io.of('/').sockets.values()].find(
    (s: ServerSocket) => s.data.userId === scene.bob.id,
  )!;
  events = server.eventNames().filter((e): e is string => typeof e === 'string' && !RESERVED.has(e));
});
afterAll(async () => {
  clients.closeAll();
  await scene.close();
});

/** Under Socket.IO's packet limit (64 kB): a bigger packet closes the connection by design (tested below). */
const fits = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '') < 60_000;

const payload = fc
  .oneof(
    { weight: 6, arbitrary: hostileJson },
    { weight: 1, arbitrary: deepNesting },
    {
      weight: 2,
      arbitrary: fc.record({
        recipientId: fc.constantFrom('0123456789abcdef01234567', { $ne: null }, 'x'),
        text: fc.oneof(fc.string(), fc.constant('y'.repeat(5000)), fc.constant({ $gt: '' })),
        clientId: fc.oneof(fc.string({ maxLength: 80 }), fc.constant({ $ne: null })),
        conversationId: fc.oneof(fc.string({ maxLength: 30 }), fc.constant({ $regex: '.*' })),
        userIds: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.constant('all')),
        since: fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.constant({ $gt: 0 })),
      }),
    },
  )
  .filter(fits);

/**
 * Near-valid payloads for the contract's events: every field is a valid value or a hostile
 * one, so cases get past the schema into the handlers too (events added later get the
 * generic payloads above).
 */
function nearValid(event: string): fc.Arbitrary<unknown> | undefined {
  const id = () => fc.constantFrom(scene.alice.id, scene.carol.id, scene.bob.id, '0123456789abcdef01234567');
  const field = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostileJson });
  const shapes: Record<string, fc.Arbitrary<unknown>> = {
    'message:send': fc.record({
      recipientId: field(id()),
      text: field(fc.string({ minLength: 1, maxLength: 300 })),
      clientId: field(fc.string({ minLength: 1, maxLength: 60 })),
    }),
    'message:seen': fc.record({
      conversationId: field(fc.constantFrom(scene.ids.aliceCarolConversation, '0123456789abcdef01234567')),
    }),
    typing: fc.record({ recipientId: field(id()), typing: field(fc.boolean()) }),
    'presence:query': fc.record({ userIds: field(fc.array(id(), { minLength: 1, maxLength: 120 })) }),
    sync: fc.record({ since: field(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())) }),
  };
  return shapes[event];
}

describe('When every socket event is fuzzed', () => {
  it('then the handlers list the contract events, so new events are fuzzed without edits here', () => {
    for (const must of ['message:send', 'message:seen', 'typing', 'presence:query', 'sync'])
      expect(events).toContain(must);
  });

  it('then every ack has the contract shape, none is a server fault, rejected events write nothing, and the socket stays up', async () => {
    const failures: string[] = [];
    const tally: Record<string, Record<string, number>> = {};
    for (const event of events) {
      const counts: Record<string, number> = {};
      await fc
        .assert(
          fc.asyncProperty(
            (nearValid(event) ? fc.oneof(payload, nearValid(event)!) : payload).filter(fits),
            async (p) => {
              const before = scene.writes.total;
              let closedBecause: string | undefined;
              const onClose = (reason: string) => {
                closedBecause = reason;
              };
              socket.once('disconnect', onClose);
              let ack: { ok: boolean; error?: { code: string } } | undefined;
              try {
                ack = (await socket.timeout(5000).emitWithAck(event, p)) as typeof ack;
              } catch {
                ack = undefined;
              }
              socket.off('disconnect', onClose);
              const wrote = scene.writes.total - before;
              const outcome = ack ? (ack.ok ? 'ok' : (ack.error?.code ?? 'bad')) : 'no ack';
              counts[outcome] = (counts[outcome] ?? 0) + 1;
              const problem = !ack
                ? `no ack${closedBecause ? `, socket closed (${closedBecause})` : ''}`
                : (ackShapeProblem(ack) ??
                  (!ack.ok && ['INTERNAL', 'UNAVAILABLE'].includes(ack.error!.code)
                    ? `server fault ${ack.error!.code}`
                    : undefined) ??
                  (!ack.ok && wrote > 0 ? `a rejected event wrote ${wrote} time(s)` : undefined));
              if (problem) failures.push(`${event} ${JSON.stringify(p)?.slice(0, 200)}: ${problem}`);
              if (!socket.connected) socket = await clients.connect(scene.bob.token);
              return problem === undefined;
            },
          ),
          { numRuns: runs, endOnFailure: true },
        )
        .catch(() => {});
      tally[event] = counts;
    }
    process.stderr.write(`fuzz-events: ${runs} cases per event\n${JSON.stringify(tally, null, 1)}\n`);
    expect(failures).toEqual([]);
  });

  it('then an event nobody listens to is answered NOT_FOUND, not crashed on', async () => {
    const ack = await socket.timeout(5000).emitWithAck('no:such:event', {});
    expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(socket.connected).toBe(true);
  });

  it('then a packet over the 64 kB limit closes only that connection, and the server keeps serving', async () => {
    const big = await clients.connect(scene.bob.token);
    const closed = new Promise<string>((r) => big.once('disconnect', r));
    big.emit('message:send', { recipientId: scene.alice.id, text: 'x'.repeat(70_000), clientId: 'big' });
    expect(await closed).toBe('transport close');
    const ack = await socket.timeout(5000).emitWithAck('presence:query', { userIds: [scene.bob.id] });
    expect(ack).toEqual({ ok: true, online: { [scene.bob.id]: true } });
  });
});
