import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface DrainGate {
  /** from now on new Socket.IO sessions get 503; keep-alive connections stay as they are */
  drain(): void;
  /** from now on every response also says Connection: close (call once the listener is closed) */
  close(): void;
}

/** A Socket.IO request that would start a session here (a handshake: no sid yet). */
function startsSession(req: IncomingMessage, path: string): boolean {
  const url = req.url ?? '';
  return url.startsWith(`${path}/`) && !/[?&]sid=/.test(url);
}

/**
 * Sits in front of every 'request' and 'upgrade' listener of the HTTP server (Express and
 * Socket.IO alike). While draining it sends new Socket.IO sessions elsewhere (a 503 that nginx's
 * proxy_next_upstream retries on the next instance); sessions already here keep working until
 * the realtime layer disconnects them.
 *
 * Connection: close waits for close(), after the listener is closed, because of what nginx
 * does with it: its next request to this instance opens a new connection. While we still
 * listen that connection is accepted, and one that sits in the kernel's accept queue at the
 * instant the listener closes is reset with its request already sent: a POST (which nginx never
 * retries) became a 502 in 2 of 9 pm2 reloads under load. With keep-alive kept during the drain,
 * nginx reuses its pooled connections and seldom connects; once the listener is closed, a new
 * connection is refused before anything is sent, and nginx retries any request elsewhere.
 * Install after Socket.IO has attached, since it wraps the listeners present at that time.
 */
export function installDrainGate(http: Server, socketPath = '/socket.io'): DrainGate {
  let draining = false;
  let closed = false;
  const requestListeners = http.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  http.removeAllListeners('request');
  // responses not yet sent when close() comes: they too must end their keep-alive connection
  const pending = new Set<ServerResponse>();
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closed) res.setHeader('Connection', 'close');
    else {
      pending.add(res);
      res.once('close', () => pending.delete(res));
    }
    if (draining && startsSession(req, socketPath)) {
      res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
      res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'instance is shutting down' } }));
      return;
    }
    for (const listener of requestListeners) listener.call(http, req, res);
  });
  const upgradeListeners = http.listeners('upgrade') as Array<
    (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  >;
  http.removeAllListeners('upgrade');
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (draining && startsSession(req, socketPath)) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    for (const listener of upgradeListeners) listener.call(http, req, socket, head);
  });
  return {
    drain: () => {
      draining = true;
    },
    close: () => {
      draining = true;
      closed = true;
      for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
      pending.clear();
    },
  };
}
