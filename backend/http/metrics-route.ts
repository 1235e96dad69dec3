import type { RequestHandler } from 'express';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors/app-error';
import type { FlagReader } from '../flags/flag-reader';
import type { Metrics } from '../infra/metrics';
import { bearerToken } from './require-auth';

/**
 * GET /metrics: Prometheus text for a bearer METRICS_TOKEN or an admin token (401 without,
 * 403 with another), while metrics.enabled is on; a 404 as if absent when off. A token and
 * not a separate loopback port, so one scrape config works behind any proxy; docs/operations.md.
 * Its spec, metricsApi, is in health/metrics-api.ts, where the API docs read it without Express.
 */
export function metricsRoute(deps: {
  metrics: Pick<Metrics, 'registry'>;
  flags: FlagReader;
  /** the name of the token presented (metrics or an admin's), undefined when none matches */
  tokenName: (presented: string | undefined) => string | undefined;
}): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next(new UnauthorizedError('Metrics token required'));
    if (deps.tokenName(token) === undefined) return next(new ForbiddenError('Wrong metrics token'));
    if (!deps.flags.get('metrics.enabled')) return next(new NotFoundError('Route GET /metrics'));
    res.setHeader('content-type', deps.metrics.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(await deps.metrics.registry.metrics());
  };
}
