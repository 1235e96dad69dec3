import type { Socket } from 'socket.io';
import { toAppError } from '../errors/to-app-error';
import type { RecoveredPacketHold } from './recovered-packet-hold';

export const userRoom = (userId: string) => `user:${userId}`;

export interface SocketData {
  userId: string;
}

/** What a client sees on a refused handshake: message is the code, data says why. */
export function refused(code: string, reason: string): Error & { data: { code: string; message: string } } {
  return Object.assign(new Error(code), { data: { code, message: reason } });
}

function unauthorized(reason: string): Error & { data: { code: string; message: string } } {
  return refused('UNAUTHORIZED', reason);
}

/**
 * io.use: the JWT in handshake.auth.token, verified on every handshake, recovered sessions
 * included (connectionStateRecovery runs with skipMiddlewares off). A recovered session must
 * belong to the token's user, or a leaked session id would hand over someone else's rooms.
 * The socket joins its user room here, before CONNECT is sent, so that a client that has seen
 * `connect` is already reachable on every instance.
 */
export function socketAuth(deps: {
  /** signature, claims and the user's current session version (sessions/authenticator) */
  authenticate: (token: string) => Promise<{ userId: string; expiresAt?: Date }>;
  hold: RecoveredPacketHold;
  joined: () => Promise<void>;
  /** the per-user socket cap: false refuses this (the newest) socket with RATE_LIMITED */
  admit?: (userId: string, socket: Socket) => Promise<boolean>;
}) {
  return async (socket: Socket, next: (err?: Error) => void): Promise<void> => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let userId: string;
    let expiresAt: Date | undefined;
    try {
      if (typeof token !== 'string' || token === '') throw unauthorized('Token required');
      ({ userId, expiresAt } = await deps.authenticate(token));
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
    if (deps.admit && !(await deps.admit(userId, socket).catch(() => true))) {
      deps.hold.drop(socket.id);
      next(refused('RATE_LIMITED', 'Too many connections for this user'));
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
