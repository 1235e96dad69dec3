import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { defineApi } from '../routing/route-spec';
import { routerFor } from '../routing/router-for';
import type { HealthService } from './health-service';

const checkStatus = z.enum(['ok', 'fail', 'disabled']);
const timedCheck = z.object({
  status: checkStatus,
  latencyMs: z.number().optional(),
  error: z.enum(['timeout', 'unavailable']).optional(),
  breaker: z.enum(['closed', 'open', 'half-open']).optional(),
});
const overall = z.enum(['ok', 'degraded', 'fail']);
const limitStore = z.enum(['redis', 'memory']);
const healthBody = z.union([
  z
    .object({
      status: overall,
      timestamp: z.string(),
      instance: z.string(),
      version: z.string(),
      uptimeSeconds: z.number(),
      checks: z.object({
        database: timedCheck,
        redis: timedCheck,
        socket: z.object({
          status: checkStatus,
          connections: z.number().int(),
          adapter: z.string().meta({ description: 'the adapter this instance publishes on alone' }),
          migration: z
            .object({ from: z.string(), to: z.string(), stage: z.enum(['attach', 'dual', 'target']) })
            .nullable()
            .meta({ description: 'a live adapter move in progress (docs/adapter-migration.md), else null' }),
          shadow: z
            .object({
              from: z.string().nullable(),
              to: z.string().nullable(),
              both: z.number().int(),
              oldOnly: z.number().int(),
              newOnly: z.number().int(),
              latencyDeltaMs: z.number().nullable(),
              since: z.string().nullable(),
            })
            .optional()
            .meta({
              description:
                'shadow delivery of the latest adapter move: what arrived over both transports, the old only, the new only',
            }),
        }),
        rateLimits: z
          .object({
            status: z.enum(['ok', 'disabled']),
            store: limitStore,
            limits: z.record(z.string(), limitStore).meta({
              description: 'by limit: httpAuth, httpApi, socketHandshakes, socketEvents, socketsPerUser, …',
            }),
          })
          .optional()
          .meta({ description: 'where each limit counts: redis (shared by every instance) or memory' }),
      }),
    })
    .meta({ description: 'with an admin token' }),
  z.object({ status: overall, timestamp: z.string() }).meta({ description: 'anonymous' }),
]);
const probe = z.object({ status: z.enum(['pass', 'fail']), reason: z.string().optional() });

export const healthApi = defineApi({
  prefix: '/health',
  tag: 'health',
  access: 'public',
  routes: {
    live: {
      method: 'get',
      path: '/live',
      summary: 'Liveness: 200 while the process serves',
      responses: { 200: { description: 'alive', schema: probe } },
    },
    ready: {
      method: 'get',
      path: '/ready',
      summary: 'Readiness for load balancers (stays 200 while degraded)',
      responses: {
        200: { description: 'ready', schema: probe },
        503: { description: 'cannot serve (database down, shutting down)', schema: probe },
      },
    },
    features: {
      method: 'get',
      path: '/features',
      summary: "This instance's flag values",
      access: 'admin',
      responses: {
        200: {
          description: 'flag values by name',
          schema: z.object({ instance: z.string(), flags: z.record(z.string(), z.unknown()) }),
        },
      },
    },
    report: {
      method: 'get',
      path: '/',
      summary: 'Health report: status only, or every check with an admin token',
      access: 'public-or-admin',
      responses: {
        200: { description: 'every enabled check passes', schema: healthBody },
        503: { description: 'a check fails', schema: healthBody },
      },
    },
  },
});

export function healthRoutes(deps: {
  health: HealthService;
  features: () => Record<string, unknown>;
  instanceId: string;
  /** is the caller holding an admin token (details of /health) */
  isAdmin: (req: Request) => boolean;
  /** guards /health/features */
  requireAdmin: RequestHandler;
}) {
  return routerFor(healthApi, {
    live: (_req, res) => {
      res.json({ status: 'pass' });
    },
    ready: async (_req, res) => {
      const { ready, reason } = await deps.health.ready();
      res.status(ready ? 200 : 503).json(ready ? { status: 'pass' } : { status: 'fail', reason });
    },
    features: {
      before: [deps.requireAdmin],
      handle: (_req, res) => {
        res.json({ instance: deps.instanceId, flags: deps.features() });
      },
    },
    report: async (req, res) => {
      // The contract: 200 only when every enabled check passes. Load balancers should use
      // /health/ready, which stays 200 while degraded (Redis down with fallbacks in force).
      // Anonymous callers learn the status only (instance names, versions, latencies and the
      // adapter in force map the deployment for an attacker), from a probe at most 1 s old, so
      // they cannot turn requests into database and Redis round trips. Admins get a live probe.
      const body = deps.isAdmin(req) ? await deps.health.report() : await deps.health.status();
      res.status(body.status === 'ok' ? 200 : 503).json(body);
    },
  });
}
