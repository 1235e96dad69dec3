import type { Express } from 'express';
import { installedSurface } from '../../support/installed-surface';

export interface RouteEntry {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** the Express template, e.g. /api/posts/:id/like */
  path: string;
  /** names of the :params in the path */
  params: string[];
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

// a router mounted without a path (app.use(router)) has the prefix "/"
const join = (prefix: string, path: string) =>
  `${prefix === '/' ? '' : prefix}${path === '/' ? '' : path}` || '/';

/**
 * Every route the Express app serves, read from its router (Express 5 / router 2 keep each
 * layer's rawPath), so routes added later are fuzzed and checked without touching the tests.
 */
export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = typeof layer.rawPath === 'string' ? layer.rawPath : undefined;
      if (layer.route && typeof layer.route.path === 'string') {
        const path = join(prefix, layer.route.path);
        for (const [m, on] of Object.entries(layer.route.methods)) {
          const method = m.toUpperCase() as RouteEntry['method'];
          if (!on || m === '_all' || !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
          out.push({ method, path, params: [...path.matchAll(/:(\w+)/g)].map((x) => x[1]!) });
        }
      } else if (layer.handle?.stack && raw !== undefined) {
        walk(layer.handle.stack, join(prefix, raw));
      }
    }
  };
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  walk(router.stack, '');
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const routeName = (r: RouteEntry) => `${r.method} ${r.path}`;

/** Who may call each route, from the route specs (backend/routing): "GET /api/posts/:id" → access. */
const accessByRoute = new Map(
  installedSurface.groups.flatMap((g) =>
    Object.values(g.routes).map((r) => [
      `${r.method.toUpperCase()} ${join(g.prefix, r.path)}`,
      r.access ?? g.access,
    ]),
  ),
);
// a route without a spec (the coverage test fails on it) is treated as wanting a user token
const accessOf = (r: RouteEntry) => accessByRoute.get(routeName(r)) ?? 'user';

/** Public routes: no bearer token wanted (GET /health tells an admin more). */
export const isPublic = (r: RouteEntry) => ['public', 'public-or-admin'].includes(accessOf(r));

/** Routes behind an admin token (or, for /metrics, the metrics token). */
export const isAdminRoute = (r: RouteEntry) => ['admin', 'metrics'].includes(accessOf(r));
