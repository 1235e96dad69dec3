import { resolve } from 'node:path';
import { startDatabases } from './databases/start-databases';

/**
 * `npm run db:services`: the embedded database and a redis-server, kept running for starting
 * several instances by hand (each in its own terminal with the printed env). Ctrl-C stops both.
 */
export async function main(args: string[]): Promise<number> {
  const dataDir = resolve(args[0] ?? process.env.EMBEDDED_DATA_DIR ?? '.data');
  const dbs = await startDatabases({ env: process.env, dataDir, redis: true });
  console.log(`\nexport MONGO_URL=${dbs.mongoUrl}/social`);
  console.log(`export REDIS_URL=${dbs.redisUrl}`);
  console.log('export JWT_SECRET=dev-shared-secret-0123456789abcdef0123456789');
  console.log('\nthen e.g.  PORT=5001 INSTANCE_ID=a npm start   and   PORT=5002 INSTANCE_ID=b npm start');
  console.log('(Ctrl-C stops the databases)');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await dbs.stop();
  return 0;
}
