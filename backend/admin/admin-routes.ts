import { z } from 'zod';
import { ValidationError } from '../errors/app-error';
import type { FlagAdmin } from '../flags/flag-admin';
import type { InstanceInfo } from '../instances/instance-heartbeat';
import { defineApi } from '../routing/route-spec';
import { routerFor } from '../routing/router-for';
import { adminActor } from './admin-actor';

// `enabled` is the seed apps' form for booleans; `value` is the general one. Exactly one.
const setFlagBody = z
  .strictObject({
    flag: z.string().min(1).max(100),
    value: z.unknown().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => (b.value === undefined) !== (b.enabled === undefined), {
    message: 'give exactly one of value or enabled',
  });

const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  flag: z.string().min(1).max(100).optional(),
});

const nameParams = z.strictObject({ name: z.string().min(1).max(100) });

const flagSource = z.enum(['default', 'env', 'override']);

const flagSchema = z
  .object({
    name: z.string(),
    value: z.unknown().meta({ description: 'the value in force on this instance' }),
    default: z.unknown(),
    source: flagSource,
    restartRequired: z.boolean(),
    description: z.string(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    pendingValue: z
      .unknown()
      .optional()
      .meta({ description: 'restartRequired flags: what a restart would apply' }),
    pendingSource: flagSource.optional(),
    restartPending: z.boolean().optional(),
  })
  .meta({ id: 'Flag' });

const auditEntrySchema = z
  .object({
    version: z.number().int(),
    flag: z.string(),
    action: z.enum(['set', 'reset']),
    oldValue: z.unknown(),
    newValue: z.unknown(),
    actor: z.string().meta({ description: "the admin token's name" }),
    at: z.string(),
  })
  .meta({ id: 'FlagAuditEntry' });

const instanceSchema = z
  .object({
    id: z.string(),
    startedAt: z.string(),
    uptimeSeconds: z.number().int(),
    connections: z.number().int(),
    flagVersion: z.number().int(),
    version: z.string(),
    lastSeen: z.string(),
    url: z.string().optional(),
  })
  .meta({ id: 'Instance' });

const oneFlag = { description: 'the flag after the change', schema: z.object({ flag: flagSchema }) };

export const adminApi = defineApi({
  prefix: '/admin',
  tag: 'admin',
  access: 'admin',
  routes: {
    flags: {
      method: 'get',
      path: '/flags',
      summary: 'Every flag with its value, default, source and last change',
      responses: { 200: { description: 'the flags', schema: z.object({ flags: z.array(flagSchema) }) } },
    },
    history: {
      method: 'get',
      path: '/flags/history',
      summary: 'The audit trail, newest first',
      query: historyQuery,
      responses: {
        200: { description: 'audit entries', schema: z.object({ entries: z.array(auditEntrySchema) }) },
      },
    },
    set: {
      method: 'post',
      path: '/flags',
      summary: 'Override a flag on every instance (applied within 1 s)',
      body: setFlagBody,
      responses: { 200: oneFlag },
    },
    reset: {
      method: 'delete',
      path: '/flags/:name',
      summary: 'Drop the override: back to env or default',
      params: nameParams,
      responses: { 200: oneFlag },
    },
    instances: {
      method: 'get',
      path: '/instances',
      summary: 'Live instances (heartbeats in Redis)',
      responses: {
        200: { description: 'the instances', schema: z.object({ instances: z.array(instanceSchema) }) },
      },
    },
  },
});

/**
 * /admin/*: mount behind requireAdmin. Other capabilities add their own admin routers beside
 * this one (createApp mounts them on the same prefix and guard).
 */
export function adminRoutes(deps: { flags: FlagAdmin; instances: () => Promise<InstanceInfo[]> }) {
  return routerFor(adminApi, {
    flags: (_req, res) => {
      res.json({ flags: deps.flags.list() });
    },
    history: async (_req, res, { query }) => {
      res.json({ entries: await deps.flags.history(query) });
    },
    set: async (req, res, { body }) => {
      const value = body.enabled ?? body.value;
      if (value === undefined)
        throw new ValidationError('Invalid body', [{ path: 'value', message: 'required' }]);
      res.json({ flag: await deps.flags.set(body.flag, value, adminActor(req)) });
    },
    reset: async (req, res, { params }) => {
      res.json({ flag: await deps.flags.reset(params.name, adminActor(req)) });
    },
    instances: async (_req, res) => {
      const now = Date.now();
      const instances = (await deps.instances()).map((i) => ({
        ...i,
        uptimeSeconds: Math.round((now - Date.parse(i.startedAt)) / 1000),
      }));
      res.json({ instances });
    },
  });
}
