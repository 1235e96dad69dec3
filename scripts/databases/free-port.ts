import { createConnection, createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Binds port on every address, as a server listening on PORT does; false if anything holds it. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, () => srv.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive free ports, for a program that derives its ports from one
 * base (ecosystem.config.js: PORT, then PORT+1..PORT+N for the workers). Below Linux's
 * ephemeral range (32768-60999), because a port in it that is free now can be any process's
 * outgoing connection a moment later, and then the worker that wants it fails with EADDRINUSE.
 */
export async function freePortRun(count: number, range: [number, number] = [20000, 32000]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = range[0] + Math.floor(Math.random() * (range[1] - range[0] - count));
    let free = true;
    for (let i = 0; i < count && free; i++) free = await bindable(base + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports in ${range[0]}-${range[1]}`);
}

/** Whether a TCP connect to host:port succeeds now (something accepts connections there). */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const sock = createConnection({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Resolves once a TCP connect to host:port succeeds; rejects after timeoutMs. */
export async function waitForPort(
  port: number,
  opts: { host?: string; timeoutMs?: number; isAlive?: () => boolean } = {},
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  for (;;) {
    if (await canConnect(port, host)) return;
    if (opts.isAlive && !opts.isAlive())
      throw new Error(`process serving ${host}:${port} exited before it listened`);
    if (Date.now() > deadline)
      throw new Error(`nothing listened on ${host}:${port} within ${opts.timeoutMs ?? 20000} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
