import type { Socket } from 'socket.io';
import { toAppError } from '../errors/to-app-error';
import type { RecoveredPacketHold } from './recovered-packet-hold';

export const userRoom = (userId: string) => `user:${userId}`;

export interface SocketData {
  userId: string;
}

/** What a client sees on a refused handshake: message is always UNAUTHORIZED, data says why. */
function unauthorized(reason: string): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error('UNAUTHORIZED'), { data: { code: 'UNAUTHORIZED', message: reason } });
}

/**
 * io.use: the JWT in handshake.auth.token, verified on every handshake, recovered sessions
 * included (connectionStateRecovery runs with skipMiddlewares off). A recovered session must
 * belong to the token's user, or a leaked session id would hand over someone else's rooms.
 * The socket joins its user room here, before CONNECT is sent, so that a client that has seen
 * `connect` is already reachable on every instance.
 */
export function socketAuth(deps: {
  verify: (token: string) => { userId: string; expiresAt?: Date };
  hold: RecoveredPacketHold;
  joined: () => Promise<void>;
}) {
  return (socket: Socket, next: (err?: Error) => void): void => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let userId: string;
    let expiresAt: Date | undefined;
    try {
      if (typeof token !== 'string' || token === '') throw unauthorized('Token required');
      ({ userId, expiresAt } = deps.verify(token));
    } catch (err) {
      deps.hold.drop(socket.id);
      const reason = (err as { data?: { message?: string } }).data?.message ?? toAppError(err).message;
      next(unauthorized(reason));
      return;
    }
    const data = socket.data as Partial<SocketData>;
    if (socket.recovered && data.userId !== userId) {
      deps.hold.drop(socket.id);
      next(unauthorized('Session belongs to another user'));
      return;
    }
    data.userId = userId;
    if (expiresAt) expireAt(socket, expiresAt);
    deps.hold.release(socket);
    void socket.join(userRoom(userId));
    deps.joined().then(
      () => next(),
      () => next(),
    );
  };
}

// setTimeout's ceiling; a token living longer is re-checked at the next reconnect anyway
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A socket lives no longer than the token that opened it: at expiry the client is told
 * (`session:expired`) and disconnected, and reconnects with a fresh token.
 */
function expireAt(socket: Socket, expiresAt: Date): void {
  const ms = Math.min(Math.max(expiresAt.getTime() - Date.now(), 0), MAX_TIMER_MS);
  const timer = setTimeout(() => {
    socket.emit('session:expired', { code: 'UNAUTHORIZED', message: 'Token expired' });
    socket.disconnect(true);
  }, ms);
  timer.unref();
  socket.once('disconnect', () => clearTimeout(timer));
}
