import { z } from 'zod';
import { defineApi } from '../routing/route-spec';

/**
 * The spec of GET /metrics, read by the API docs; the handler is metricsRoute
 * (http/metrics-route.ts), which createApp mounts at this path.
 */
export const metricsApi = defineApi({
  prefix: '',
  tag: 'operations',
  access: 'metrics',
  routes: {
    metrics: {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (404 while metrics.enabled is off)',
      responses: {
        200: { description: 'Prometheus text exposition', schema: z.string(), contentType: 'text/plain' },
      },
    },
  },
});
