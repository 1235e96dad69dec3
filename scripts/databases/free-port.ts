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

/** Resolves once a TCP connect to host:port succeeds; rejects after timeoutMs. */
export async function waitForPort(
  port: number,
  opts: { host?: string; timeoutMs?: number; isAlive?: () => boolean } = {},
): Promise<void> {
  const host = opts.host ?? '127.0.0.1';
  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host, port });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (opts.isAlive && !opts.isAlive())
      throw new Error(`process serving ${host}:${port} exited before it listened`);
    if (Date.now() > deadline)
      throw new Error(`nothing listened on ${host}:${port} within ${opts.timeoutMs ?? 20000} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
