import { io, type Socket } from 'socket.io-client';
import type { JsonBody } from './http-json';

export type ClientSocket = Socket;

export interface ClientOptions {
  token?: string | undefined;
  /** extra handshake headers (Node clients only), e.g. an Origin */
  headers?: Record<string, string>;
  /** default false: tests reconnect on purpose */
  reconnection?: boolean;
  /** default websocket only; 'polling' to start with HTTP long-polling */
  transports?: Array<'websocket' | 'polling'>;
}

const DEFAULT_TIMEOUT_MS = 5000;

/** A socket.io-client for a real server; not yet connected (call connected()). */
export function socketClient(url: string, opts: ClientOptions = {}): ClientSocket {
  return io(url, {
    path: '/socket.io',
    transports: opts.transports ?? ['websocket'],
    auth: opts.token === undefined ? {} : { token: opts.token },
    extraHeaders: opts.headers,
    reconnection: opts.reconnection ?? false,
    autoConnect: false,
    forceNew: true,
    timeout: DEFAULT_TIMEOUT_MS,
  });
}

/** Connects and resolves once connected; rejects with the connect_error. */
export function connected(socket: ClientSocket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('connect timed out')), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      if (err) reject(err);
      else resolve(socket);
    };
    const onConnect = () => done();
    const onError = (err: Error) => done(err);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
    if (!socket.connected) socket.connect();
  });
}

/** A connected client, torn down by closeAll(). */
export class SocketClients {
  private readonly sockets = new Set<ClientSocket>();

  constructor(private readonly url: () => string) {}

  async connect(
    token: string,
    opts: Omit<ClientOptions, 'token'> & { url?: string } = {},
  ): Promise<ClientSocket> {
    const socket = this.open({ ...opts, token });
    await connected(socket);
    return socket;
  }

  open(opts: ClientOptions & { url?: string } = {}): ClientSocket {
    const socket = socketClient(opts.url ?? this.url(), opts);
    this.sockets.add(socket);
    return socket;
  }

  closeAll(): void {
    for (const s of this.sockets) s.disconnect();
    this.sockets.clear();
  }
}

/** The connect_error a handshake ends with (fails the test if it connects instead). */
export async function connectError(socket: ClientSocket): Promise<Error & { data?: unknown }> {
  try {
    await connected(socket);
  } catch (err) {
    return err as Error & { data?: unknown };
  }
  socket.disconnect();
  throw new Error('expected the handshake to fail, but it connected');
}

/** Resolves with the next matching event's payload; rejects after timeoutMs. */
export function nextEvent<T = unknown>(
  socket: ClientSocket,
  event: string,
  opts: { timeoutMs?: number; where?: (payload: T) => boolean } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const listener = (payload: T) => {
      if (opts.where && !opts.where(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Every payload of an event from now on, in order. */
export function record<T = unknown>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** emit with an ack, as a client waiting on the answer would */
export function request(
  socket: ClientSocket,
  event: string,
  payload?: unknown,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<JsonBody> {
  return payload === undefined
    ? socket.timeout(timeoutMs).emitWithAck(event)
    : socket.timeout(timeoutMs).emitWithAck(event, payload);
}
