import { type RequestHandler, Router } from 'express';
import { parseInput } from '../validation/parse-input';
import type { ApiGroup, RouteHandler, RouteInput, RouteSpec } from './route-spec';

export type Handlers<R extends Record<string, RouteSpec>> = {
  [K in keyof R]: RouteHandler<R[K]> | { before: RequestHandler[]; handle: RouteHandler<R[K]> };
};

/**
 * Mounts every route of the group, in its order, each parsing params, query and body with the
 * schemas the OpenAPI document is generated from; a route cannot be mounted without its spec,
 * and the types demand a handler for every spec.
 */
export function routerFor<R extends Record<string, RouteSpec>>(
  api: ApiGroup<R>,
  handlers: Handlers<R>,
): Router {
  const r = Router();
  for (const key of Object.keys(api.routes) as (keyof R & string)[]) {
    const spec = api.routes[key] as R[typeof key];
    const entry = handlers[key];
    const { before, handle } = typeof entry === 'function' ? { before: [], handle: entry } : entry;
    const route: RequestHandler = async (req, res) => {
      const input = {
        params: spec.params ? parseInput(spec.params, req.params, 'params') : undefined,
        query: spec.query ? parseInput(spec.query, req.query, 'query') : undefined,
        body: spec.body ? parseInput(spec.body, req.body, 'body') : undefined,
      } as RouteInput<typeof spec>;
      await handle(req, res, input);
    };
    r[spec.method](spec.path, ...before, route);
  }
  return r;
}
