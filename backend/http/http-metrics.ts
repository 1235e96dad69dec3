import type { RequestHandler } from 'express';
import type { Metrics } from '../infra/metrics';

const ROUTE_TEMPLATE = Symbol('routeTemplate');

type Tracked = { [ROUTE_TEMPLATE]?: string; baseUrl: string };

/**
 * Observes every response's duration labelled by route template (/api/posts/:id), never the raw
 * URL, which would make one series per id. Express sets req.route when a route matches, and
 * restores req.baseUrl when a router exits (an error thrown in a route leaves through next), so
 * both are captured at the moment the route is matched. Nothing matched = "unmatched".
 */
export function httpMetrics(metrics: Pick<Metrics, 'httpDuration'>): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const tracked = req as unknown as Tracked;
    let route: unknown;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: { path?: unknown } | undefined) => {
        route = value;
        if (value && typeof value.path === 'string')
          tracked[ROUTE_TEMPLATE] = `${tracked.baseUrl}${value.path}`;
      },
    });
    res.once('finish', () => {
      metrics.httpDuration.observe(
        { method: req.method, route: tracked[ROUTE_TEMPLATE] ?? 'unmatched', status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}
