import { type Request, type RequestHandler, Router } from 'express';
import type { HealthService } from './health-service';

export function healthRoutes(deps: {
  health: HealthService;
  features: () => Record<string, unknown>;
  instanceId: string;
  /** is the caller holding an admin token (details of /health) */
  isAdmin: (req: Request) => boolean;
  /** guards /health/features */
  requireAdmin: RequestHandler;
}): Router {
  const r = Router();
  r.get('/live', (_req, res) => {
    res.json({ status: 'pass' });
  });
  r.get('/ready', async (_req, res) => {
    const { ready, reason } = await deps.health.ready();
    res.status(ready ? 200 : 503).json(ready ? { status: 'pass' } : { status: 'fail', reason });
  });
  r.get('/features', deps.requireAdmin, (_req, res) => {
    res.json({ instance: deps.instanceId, flags: deps.features() });
  });
  r.get('/', async (req, res) => {
    const report = await deps.health.report();
    // The contract: 200 only when every enabled check passes. Load balancers should use
    // /health/ready, which stays 200 while degraded (Redis down with fallbacks in force).
    res.status(report.status === 'ok' ? 200 : 503);
    // Anonymous callers learn the status only: instance names, versions, latencies and the
    // adapter in force map the deployment for an attacker.
    if (deps.isAdmin(req)) res.json(report);
    else res.json({ status: report.status, timestamp: report.timestamp });
  });
  return r;
}
