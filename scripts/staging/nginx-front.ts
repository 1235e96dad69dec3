import { startNginx } from './nginx-process';

/**
 * The load balancer app of ecosystem.config.js: the shipped nginx config on LB_PORT in front
 * of the workers' own ports (UPSTREAM_PORTS, comma-separated). pm2 runs this in fork mode;
 * it tells pm2 it is ready once nginx listens (wait_ready) and stops nginx gracefully on
 * SIGINT/SIGTERM, so `pm2 stop`/`pm2 delete` leave nothing behind.
 */
async function main(): Promise<void> {
  const port = Number(process.env.LB_PORT);
  const upstreams = (process.env.UPSTREAM_PORTS ?? '').split(',').filter(Boolean).map(Number);
  if (!Number.isInteger(port) || port <= 0 || upstreams.length === 0 || upstreams.some((p) => !(p > 0)))
    throw new Error('LB_PORT and UPSTREAM_PORTS (comma-separated ports) are required');
  const nginx = await startNginx(upstreams, { port, host: process.env.LB_HOST ?? '0.0.0.0', echo: true });
  process.stdout.write(`nginx on :${port} in front of ${upstreams.join(', ')}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void nginx.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  void nginx.exited.then(() => {
    if (!stopping) {
      process.stderr.write(`nginx exited:\n${nginx.output()}\n`);
      process.exit(1);
    }
  });
  process.send?.('ready');
}

main().catch((err: unknown) => {
  process.stderr.write(`nginx front failed: ${(err as Error).message}\n`);
  process.exit(1);
});
