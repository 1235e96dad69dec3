import { z } from 'zod';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import type { FeedTimelines } from './feed-timelines';

export const feedAdminApi = defineApi({
  prefix: '/admin/feed',
  tag: 'admin',
  access: 'admin',
  routes: {
    consistency: {
      method: 'get',
      path: '/consistency',
      summary: "This instance's feed shadow-comparison tally and the fan-out backlog",
      responses: {
        200: {
          description: 'the tally',
          schema: z.object({
            instance: z.string(),
            mode: z.string(),
            compared: z.number().int(),
            mismatches: z.number().int(),
            errors: z.number().int().meta({ description: 'comparisons that could not run' }),
            since: z.string(),
            backlog: z
              .number()
              .int()
              .nullable()
              .meta({ description: 'fan-out jobs journaled and not yet applied, cluster-wide' }),
          }),
        },
      },
    },
  },
});

/**
 * /admin/feed (mount behind requireAdmin). The shadow tally is per instance, counted where the
 * first page was served; `npm run verify:feed` sums every live instance's answer.
 */
export function feedAdminRoutes(deps: {
  timelines: Pick<FeedTimelines, 'consistency'> | undefined;
  mode: () => string;
  instanceId: string;
}) {
  return routerFor(feedAdminApi, {
    consistency: async (_req, res) => {
      const tally = deps.timelines
        ? await deps.timelines.consistency()
        : { compared: 0, mismatches: 0, errors: 0, since: new Date().toISOString(), backlog: null };
      res.json({ instance: deps.instanceId, mode: deps.mode(), ...tally });
    },
  });
}
