import { loadConfig } from '../backend/config/config';
import { createLogger } from '../backend/infra/logger';
import { closeMongo, connectMongo } from '../backend/infra/mongo';
import { repairCounters } from './integrity/repair-counters';

/**
 * `npm run repair:counters`: recomputes every denormalised counter from its edges against
 * MONGO_URL and prints what it fixed: one line per fix, then a summary. Progress goes to stderr.
 */
export async function main(args: string[] = []): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: npm run repair:counters   (uses MONGO_URL)\n');
    return 2;
  }
  const config = loadConfig();
  if (!config.mongoUrl) {
    process.stderr.write('MONGO_URL is not set\n');
    return 2;
  }
  const logger = createLogger({ level: 'warn', instanceId: 'repair-counters', version: config.version });
  const mongo = await connectMongo(config.mongoUrl, logger);
  try {
    const report = await repairCounters(mongo, (line) => process.stderr.write(`${line}\n`));
    for (const f of report.fixes)
      process.stdout.write(`fixed ${f.counter} of ${f.id}: ${f.was} -> ${f.now}\n`);
    const checked = Object.entries(report.checked)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    process.stdout.write(`checked: ${checked}\n${report.fixes.length} counters fixed\n`);
    return 0;
  } finally {
    await closeMongo(mongo);
  }
}
