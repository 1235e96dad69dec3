import type { Connection } from 'mongoose';
import type { Metrics } from './metrics';

/**
 * Mongo command durations from the driver's command monitoring (the connection is opened with
 * monitorCommands: true). The label is the command name (find, insert, aggregate…), a small set.
 */
export function observeMongoCommands(conn: Connection, metrics: Pick<Metrics, 'mongoDuration'>): void {
  const client = conn.getClient();
  client.on('commandSucceeded', (e: { commandName: string; duration: number }) => {
    metrics.mongoDuration.observe({ command: e.commandName, outcome: 'ok' }, e.duration / 1000);
  });
  client.on('commandFailed', (e: { commandName: string; duration: number }) => {
    metrics.mongoDuration.observe({ command: e.commandName, outcome: 'error' }, e.duration / 1000);
  });
}
