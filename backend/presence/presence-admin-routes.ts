import { Router } from 'express';
import type { ShadowTally } from './shadow-tally';

/**
 * /admin/presence (mount behind requireAdmin). The consistency tally is per instance: a shadow
 * read can only compare what both stores know, which is this instance's own sockets;
 * `npm run verify:presence` sums every live instance's answer.
 */
export function presenceAdminRoutes(deps: {
  tally: Pick<ShadowTally, 'snapshot'>;
  instanceId: string;
}): Router {
  const r = Router();
  r.get('/consistency', (_req, res) => {
    res.json({ instance: deps.instanceId, ...deps.tally.snapshot() });
  });
  return r;
}
