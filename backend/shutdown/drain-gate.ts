import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface DrainGate {
  /** from now on: every response says Connection: close, and new Socket.IO sessions get 503 */
  close(): void;
  readonly closed: boolean;
}

/** A Socket.IO request that would start a session here (a handshake: no sid yet). */
function startsSession(req: IncomingMessage, path: string): boolean {
  const url = req.url ?? '';
  return url.startsWith(`${path}/`) && !/[?&]sid=/.test(url);
}

/**
 * Sits in front of every 'request' and 'upgrade' listener of the HTTP server (Express and
 * Socket.IO alike), so a draining instance tells each keep-alive client to close after its
 * response (the client then never races our close of an idle socket) and sends new Socket.IO
 * sessions elsewhere: a 503 that nginx's proxy_next_upstream retries on the next instance.
 * Sessions already here keep working until the realtime layer disconnects them.
 * Install after Socket.IO has attached, since it wraps the listeners present at that time.
 */
export function installDrainGate(http: Server, socketPath = '/socket.io'): DrainGate {
  let closed = false;
  const requestListeners = http.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  http.removeAllListeners('request');
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closed) {
      res.setHeader('Connection', 'close');
      if (startsSession(req, socketPath)) {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'instance is shutting down' } }));
        return;
      }
    }
    for (const listener of requestListeners) listener.call(http, req, res);
  });
  const upgradeListeners = http.listeners('upgrade') as Array<
    (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  >;
  http.removeAllListeners('upgrade');
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closed && startsSession(req, socketPath)) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    for (const listener of upgradeListeners) listener.call(http, req, socket, head);
  });
  return {
    close: () => {
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
}
