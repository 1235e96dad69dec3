import type { Socket } from 'socket.io';
import { SessionExpiry } from '../../backend/realtime/session-expiry';

/** The part of a socket the sweep uses, recording what it was told. */
function fakeSocket(id: string) {
  const told: string[] = [];
  let disconnected!: () => void;
  const gone = new Promise<void>((resolve) => {
    disconnected = resolve;
  });
  const socket = {
    id,
    emit: (event: string) => {
      told.push(event);
      return true;
    },
    disconnect: () => {
      disconnected();
      return socket;
    },
  };
  return { socket: socket as unknown as Socket, told, gone };
}

describe('SessionExpiry', () => {
  let expiry: SessionExpiry;
  beforeEach(() => {
    expiry = new SessionExpiry();
  });
  afterEach(() => expiry.stop());

  it('When a socket’s token expires, then it is told session:expired and disconnected, and forgotten', async () => {
    const a = fakeSocket('a');
    expiry.add(a.socket, new Date(Date.now() + 50));
    expect(expiry.size).toBe(1);
    await a.gone;
    expect(a.told).toEqual(['session:expired']);
    expect(expiry.size).toBe(0);
  });

  it('When a socket is removed before its expiry, then only the others are disconnected', async () => {
    const a = fakeSocket('a');
    const b = fakeSocket('b');
    const at = new Date(Date.now() + 50);
    expiry.add(a.socket, at);
    expiry.add(b.socket, at);
    expiry.remove(a.socket);
    await b.gone;
    expect(a.told).toEqual([]);
    expect(b.told).toEqual(['session:expired']);
    expect(expiry.size).toBe(0);
  });

  it('When a token lives on, then its socket stays', () => {
    const a = fakeSocket('a');
    expiry.add(a.socket, new Date(Date.now() + 3_600_000));
    expect(expiry.size).toBe(1);
    expect(a.told).toEqual([]);
  });
});
