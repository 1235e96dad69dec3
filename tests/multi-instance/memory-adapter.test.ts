import supertest from 'supertest';
import { registerUser } from '../support/api-users';
import { requestJson } from '../support/http-json';
import { nextEvent, record, request } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { twoInstances } from '../support/two-instances';

const two = twoInstances(() => ({ SOCKET_ADAPTER: 'memory' }));
const { clients } = two;

interface Pushed {
  message: { id: string; text: string };
}

describe('When two instances run the in-memory adapter (the reason for the migration)', () => {
  it('then a message sent on A never reaches the recipient on B, though it is stored and sync finds it', async () => {
    const [alice, bob] = await Promise.all([registerUser(supertest(two.A)), registerUser(supertest(two.A))]);
    const health = await requestJson(`${two.B}/health`, { token: TEST_ADMIN_TOKEN });
    expect(health.body.checks.socket.adapter).toBe('memory');
    const since = new Date(Date.now() - 1000).toISOString();
    const aliceOnA = await clients.connect(alice.token, { url: two.A });
    const bobOnB = await clients.connect(bob.token, { url: two.B });
    const pushed = record<Pushed>(bobOnB, 'message:new');

    const lost = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'lost',
      clientId: 'mem-1',
    });
    expect(lost.ok).toBe(true);
    // B emits this one itself, so it arrives; the first, emitted on A, would have arrived before it
    const arrives = nextEvent<Pushed>(bobOnB, 'message:new');
    const viaB = await requestJson(`${two.B}/api/messages`, {
      token: alice.token,
      body: { recipientId: bob.id, text: 'delivered by B', clientId: 'mem-2' },
    });
    expect(viaB.status).toBe(201);
    expect((await arrives).message.id).toBe(viaB.body.message.id);
    expect(pushed.map((p) => p.message.text)).toEqual(['delivered by B']);

    const synced = await request(bobOnB, 'sync', { since });
    expect(synced.messages.map((m: { id: string }) => m.id)).toEqual([lost.message.id, viaB.body.message.id]);
  });
});
