import { type ServerProcess, startServerProcess as startProcess } from '../../scripts/servers/server-process';
import { testServerEnv } from './test-env';

export type { ServerProcess };

/** The built server as a real process with the test defaults (cheap hashing, shared secrets). */
export function startServerProcess(env: Record<string, string | undefined>): Promise<ServerProcess> {
  return startProcess({
    ...testServerEnv({ LOG_LEVEL: 'info', ...env }),
    INSTANCE_ID: env.INSTANCE_ID ?? `test-${Math.random().toString(36).slice(2, 8)}`,
  });
}
