import { startStaging } from './staging/start-staging';

/**
 * `npm run staging`: the docker-compose topology without Docker, for a person on one machine.
 * Three built instances behind the shipped nginx config, Redis and the embedded store (or
 * MONGO_URL / REDIS_URL). Flags and server variables come from the environment; STAGING_PORT
 * picks nginx's port (default 8080), STAGING_INSTANCES the count. Ctrl-C stops everything.
 */
export async function main(): Promise<number> {
  const started = Date.now();
  const say = (line: string) =>
    process.stderr.write(`[staging ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  const staging = await startStaging({
    instances: Number(process.env.STAGING_INSTANCES || 3),
    port: Number(process.env.STAGING_PORT || 8080),
    progress: say,
  });
  const e = staging.env;
  process.stdout.write(
    [
      '',
      `staging is up: ${staging.url}`,
      `  admin token:  ${staging.adminToken}`,
      `  instances:    ${staging.instances.map((p) => `${p.instanceId} ${p.url}`).join(', ')}`,
      `  flags:        SOCKET_ADAPTER=${e.SOCKET_ADAPTER} PRESENCE_MODE=${e.PRESENCE_MODE} RATE_LIMIT_STORE=${e.RATE_LIMIT_STORE} USE_CACHE=${e.USE_CACHE ?? 'false'}`,
      `  try:          curl ${staging.url}/health/ready`,
      `                npm run load-test -- --url ${staging.url} --users 20 --rate 20 --duration 20`,
      `                ADMIN_URL=${staging.url} ADMIN_TOKEN=${staging.adminToken} npm run flags -- list`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let exitCode = 0;
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    // an instance dying on its own is worth knowing about; staging stops rather than limps
    for (const p of staging.instances)
      void p.exited.then(({ code, signal }) => {
        if (signal === null && code === 0) return;
        say(`${p.instanceId} exited (${code ?? signal}):\n${p.output().slice(-2000)}`);
        exitCode = 1;
        done();
      });
  });
  say('stopping: nginx, instances (graceful), databases…');
  await staging.stop();
  say('stopped');
  return exitCode;
}
