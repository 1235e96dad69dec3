import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors/app-error';
import type { FlagReader } from '../flags/flag-reader';
import type { Metrics } from '../infra/metrics';

/** GET /metrics: Prometheus text while metrics.enabled is on; a 404 as if absent when off. */
export function metricsRoute(deps: {
  metrics: Pick<Metrics, 'registry'>;
  flags: FlagReader;
}): RequestHandler {
  return async (_req, res, next) => {
    if (!deps.flags.get('metrics.enabled')) return next(new NotFoundError('Route GET /metrics'));
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(await deps.metrics.registry.metrics());
  };
}
