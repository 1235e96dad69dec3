import type { Feature } from '../feature';
import { consoleApi } from './console-routes';
import { createConsole } from './create-console';

/**
 * The ops console: every instance, every flag (set, roll out, reset, audit) and the presence
 * migration's consistency, live. The page is public static files; its data is behind the admin
 * token.
 */
export const opsConsole: Feature = {
  name: 'console',
  description:
    'The ops console at /console: instances, flags (set, roll out, reset), presence and feed consistency, live',
  api: [consoleApi],
  create: (ctx) => {
    const ops = createConsole({
      config: ctx.config,
      flags: ctx.flags,
      flagAdmin: ctx.flagAdmin,
      instances: () => ctx.instances(),
      health: ctx.health,
      tally: ctx.presenceTally,
      feedTally: ctx.feedTally,
      readiness: ctx.readiness,
      logger: ctx.logger,
      redis: ctx.redis,
    });
    return {
      routes: [
        { path: '/admin/console', access: 'admin', router: ops.api },
        { path: '/console', access: 'public', router: ops.page },
      ],
      close: async () => ops.stop(),
    };
  },
};
