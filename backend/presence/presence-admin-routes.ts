import { z } from 'zod';
import { defineApi } from '../routing/route-spec';
import { routerFor } from '../routing/router-for';
import type { ShadowTally } from './shadow-tally';

export const presenceAdminApi = defineApi({
  prefix: '/admin/presence',
  tag: 'admin',
  access: 'admin',
  routes: {
    consistency: {
      method: 'get',
      path: '/consistency',
      summary: "This instance's shadow-read tally since the last backfill",
      responses: {
        200: {
          description: 'the tally',
          schema: z.object({
            instance: z.string(),
            compared: z.number().int(),
            mismatches: z.number().int(),
            errors: z.number().int().meta({ description: 'shadow reads that could not run' }),
            since: z.string(),
          }),
        },
      },
    },
  },
});

/**
 * /admin/presence (mount behind requireAdmin). The consistency tally is per instance: a shadow
 * read can only compare what both stores know, which is this instance's own sockets;
 * `npm run verify:presence` sums every live instance's answer.
 */
export function presenceAdminRoutes(deps: { tally: Pick<ShadowTally, 'snapshot'>; instanceId: string }) {
  return routerFor(presenceAdminApi, {
    consistency: (_req, res) => {
      res.json({ instance: deps.instanceId, ...deps.tally.snapshot() });
    },
  });
}
