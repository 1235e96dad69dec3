import { Router } from 'express';
import type { HealthService } from './health-service';

export function healthRoutes(deps: {
  health: HealthService;
  features: () => Record<string, unknown>;
  instanceId: string;
}): Router {
  const r = Router();
  r.get('/live', (_req, res) => {
    res.json({ status: 'pass' });
  });
  r.get('/ready', async (_req, res) => {
    const { ready, reason } = await deps.health.ready();
    res.status(ready ? 200 : 503).json(ready ? { status: 'pass' } : { status: 'fail', reason });
  });
  r.get('/features', (_req, res) => {
    res.json({ instance: deps.instanceId, flags: deps.features() });
  });
  r.get('/', async (_req, res) => {
    const report = await deps.health.report();
    // The contract: 200 only when every enabled check passes. Load balancers should use
    // /health/ready, which stays 200 while degraded (Redis down with fallbacks in force).
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  return r;
}
