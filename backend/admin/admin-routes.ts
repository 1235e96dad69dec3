import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors/app-error';
import type { FlagAdmin } from '../flags/flag-admin';
import type { InstanceInfo } from '../instances/instance-heartbeat';
import { parseInput } from '../validation/parse-input';
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

/**
 * /admin/*: mount behind requireAdmin. Other capabilities add their own admin routers beside
 * this one (createApp mounts them on the same prefix and guard).
 */
export function adminRoutes(deps: { flags: FlagAdmin; instances: () => Promise<InstanceInfo[]> }): Router {
  const r = Router();
  r.get('/flags', (_req, res) => {
    res.json({ flags: deps.flags.list() });
  });
  r.get('/flags/history', async (req, res) => {
    const q = parseInput(historyQuery, req.query, 'query');
    res.json({ entries: await deps.flags.history(q) });
  });
  r.post('/flags', async (req, res) => {
    const body = parseInput(setFlagBody, req.body, 'body');
    const value = body.enabled ?? body.value;
    if (value === undefined)
      throw new ValidationError('Invalid body', [{ path: 'value', message: 'required' }]);
    res.json({ flag: await deps.flags.set(body.flag, value, adminActor(req)) });
  });
  r.delete('/flags/:name', async (req, res) => {
    const { name } = parseInput(nameParams, req.params, 'params');
    res.json({ flag: await deps.flags.reset(name, adminActor(req)) });
  });
  r.get('/instances', async (_req, res) => {
    const now = Date.now();
    const instances = (await deps.instances()).map((i) => ({
      ...i,
      uptimeSeconds: Math.round((now - Date.parse(i.startedAt)) / 1000),
    }));
    res.json({ instances });
  });
  return r;
}
