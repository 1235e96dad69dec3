import type { Socket } from 'socket.io';
import { toAppError } from '../errors/to-app-error';
import type { RecoveredPacketHold } from './recovered-packet-hold';
import type { SessionExpiry } from './session-expiry';

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

/** What the handshake reads of the sessions: the signature and claims, then the current version. */
export interface HandshakeSessions {
  /** throws UnauthorizedError on a bad, foreign or expired token (no I/O) */
  verify(token: string): { userId: string; version: number; expiresAt?: Date };
  /** the user's session version, null when the account is gone (cached; sessions/session-versions) */
  current(userId: string): Promise<number | null>;
}

/**
 * io.use: the whole connect path before CONNECT, in one Redis round trip. The JWT in
 * handshake.auth.token is verified first (CPU only); then, in the same tick, the handshake is
 * counted against the client's address, the socket takes its place under the user's cap, and
 * the user's session version is read (a cached value almost always): a refusal by any of them
 * undoes the cap place. Recovered sessions run it too (connectionStateRecovery runs with
 * skipMiddlewares off), and a recovered session must belong to the token's user, or a leaked
 * session id would hand over someone else's rooms. The socket joins its user room here, so a
 * client that has seen `connect` is already reachable on every instance.
 */
export function socketAuth(deps: {
  sessions: HandshakeSessions;
  hold: RecoveredPacketHold;
  /** disconnects the socket when its token expires; start-realtime removes it on disconnect */
  expiry: SessionExpiry;
  joined: () => Promise<void>;
  /** counts the handshake against its address: false refuses it with RATE_LIMITED (fails open) */
  allowHandshake?: (socket: Socket) => Promise<boolean>;
  /** the per-user socket cap: false refuses this (the newest) socket with RATE_LIMITED */
  admit?: (userId: string, socket: Socket) => Promise<boolean>;
  release?: (userId: string, socket: Socket) => void;
}) {
  const allowHandshake = deps.allowHandshake ?? (() => Promise.resolve(true));
  const admit = deps.admit ?? (() => Promise.resolve(true));
  return async (socket: Socket, next: (err?: Error) => void): Promise<void> => {
    const refuse = (err: Error) => {
      deps.hold.drop(socket.id);
      next(err);
    };
    const counted = allowHandshake(socket).catch(() => true);
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let verified: ReturnType<HandshakeSessions['verify']>;
    try {
      if (typeof token !== 'string' || token === '') throw unauthorized('Token required');
      verified = deps.sessions.verify(token);
    } catch (err) {
      // over the limit, the answer is RATE_LIMITED whatever the token: guessing learns nothing
      if (!(await counted)) {
        refuse(refused('RATE_LIMITED', 'Too many connection attempts; retry later'));
        return;
      }
      const reason = (err as { data?: { message?: string } }).data?.message ?? toAppError(err).message;
      refuse(unauthorized(reason));
      return;
    }
    const { userId, expiresAt } = verified;
    const [allowed, admitted, current] = await Promise.all([
      counted,
      admit(userId, socket).catch(() => true),
      deps.sessions.current(userId).then(
        (v) => v,
        (err: unknown) => err as Error,
      ),
    ]);
    const release = () => {
      if (admitted) deps.release?.(userId, socket);
    };
    if (!allowed) {
      release();
      refuse(refused('RATE_LIMITED', 'Too many connection attempts; retry later'));
      return;
    }
    if (current instanceof Error || current === null || current !== verified.version) {
      release();
      const reason =
        current instanceof Error
          ? toAppError(current).message
          : current === null
            ? 'Account no longer exists'
            : 'Session revoked';
      refuse(unauthorized(reason));
      return;
    }
    const data = socket.data as Partial<SocketData>;
    if (socket.recovered && data.userId !== userId) {
      release();
      refuse(unauthorized('Session belongs to another user'));
      return;
    }
    if (!admitted) {
      refuse(refused('RATE_LIMITED', 'Too many connections for this user'));
      return;
    }
    data.userId = userId;
    if (expiresAt) deps.expiry.add(socket, expiresAt);
    deps.hold.release(socket);
    void socket.join(userRoom(userId));
    deps.joined().then(
      () => next(),
      () => next(),
    );
  };
}
