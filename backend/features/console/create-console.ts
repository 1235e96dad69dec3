import type { Router } from 'express';
import type { Config } from '../../config/config';
import type { FlagAdmin } from '../../flags/flag-admin';
import type { FlagReader } from '../../flags/flag-reader';
import type { HealthService } from '../../health/health-service';
import type { Readiness } from '../../health/readiness';
import type { Logger } from '../../infra/logger';
import type { RedisGuard } from '../../infra/redis-guard';
import type { InstanceInfo } from '../../instances/instance-heartbeat';
import type { ShadowTally } from '../../presence/shadow-tally';
import { ConsoleFeed } from './console-feed';
import { consoleApiRoutes, consolePageRoutes } from './console-routes';
import { InstanceStatusBoard } from './instance-status-board';

export interface OpsConsole {
  /** /console: the page (static files) */
  page: Router;
  /** /admin/console: its data, behind the admin token */
  api: Router;
  stop(): void;
}

/**
 * Wires the ops console: this instance publishes its status (health, shadow-read tally, flags in
 * force) for every instance's console to read, and a feed samples the cluster for the page.
 */
export function createConsole(deps: {
  config: Pick<Config, 'instanceId' | 'redisKeyPrefix' | 'console'>;
  flags: FlagReader & { readonly version: number };
  flagAdmin: FlagAdmin;
  instances: () => Promise<InstanceInfo[]>;
  health: HealthService;
  tally: Pick<ShadowTally, 'snapshot'>;
  feedTally?: Pick<ShadowTally, 'snapshot'> | undefined;
  readiness: Readiness;
  logger: Logger;
  redis?: RedisGuard;
}): OpsConsole {
  const { config } = deps;
  const intervalMs = config.console.statusIntervalMs;
  const board = new InstanceStatusBoard({
    instanceId: config.instanceId,
    prefix: config.redisKeyPrefix,
    intervalMs,
    logger: deps.logger,
    redis: deps.redis,
    collect: async () => ({
      id: config.instanceId,
      at: new Date().toISOString(),
      health: await deps.health.report(),
      consistency: deps.tally.snapshot(),
      ...(deps.feedTally ? { feed: deps.feedTally.snapshot() } : {}),
      flagVersion: deps.flags.version,
      flags: { ...deps.flags.snapshot() },
    }),
  });
  board.start();
  const feed = new ConsoleFeed({
    instanceId: config.instanceId,
    instances: deps.instances,
    board,
    flags: () => deps.flagAdmin.list(),
    intervalMs,
  });
  return {
    page: consolePageRoutes(),
    api: consoleApiRoutes({ feed, readiness: deps.readiness }),
    stop: () => {
      feed.stop();
      board.stop();
    },
  };
}
