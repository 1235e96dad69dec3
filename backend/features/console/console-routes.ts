import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { flagSchema, instanceSchema } from '../../admin/admin-routes';
import type { Readiness } from '../../health/readiness';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import type { ConsoleFeed } from './console-feed';

/**
 * The page's files: beside this module when running from source, and from the source tree when
 * running dist/ (tsc copies no assets; the Dockerfile copies the folder next to the compiled code).
 */
export function consolePublicDir(): string {
  const candidates = [
    join(__dirname, 'public'),
    join(__dirname, '..', '..', '..', '..', 'backend', 'features', 'console', 'public'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/**
 * /console: static HTML, CSS and JS modules, no build step. The page asks for an admin token
 * and calls the admin API with it, so serving the files needs no auth.
 */
export function consolePageRoutes(dir = consolePublicDir()): Router {
  const r = Router();
  r.use(express.static(dir, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  return r;
}

const count = z.object({
  compared: z.number().int(),
  mismatches: z.number().int(),
  errors: z.number().int(),
});

const sampleSchema = z
  .object({
    at: z.string(),
    cluster: count,
    instances: z.array(count.extend({ id: z.string() })),
  })
  .meta({ id: 'ConsistencySample' });

const stateSchema = z
  .object({
    at: z.string(),
    servedBy: z.string().meta({ description: 'the instance that answered' }),
    instances: z.array(
      instanceSchema.extend({
        status: z
          .object({
            id: z.string(),
            at: z.string(),
            health: z.record(z.string(), z.unknown()),
            consistency: z.record(z.string(), z.unknown()),
            flagVersion: z.number().int(),
            flags: z.record(z.string(), z.unknown()),
          })
          .optional()
          .meta({ description: "the instance's last published status (absent until its first)" }),
      }),
    ),
    flags: z.array(flagSchema.extend({ input: z.record(z.string(), z.unknown()) })),
    sample: sampleSchema,
  })
  .meta({ id: 'ConsoleState' });

export const consoleApi = defineApi({
  prefix: '/admin/console',
  tag: 'admin',
  access: 'admin',
  routes: {
    state: {
      method: 'get',
      path: '/state',
      summary: "The console's snapshot: every instance, every flag, the consistency history",
      responses: {
        200: {
          description: 'the state and the kept consistency samples',
          schema: z.object({ state: stateSchema, history: z.array(sampleSchema) }),
        },
      },
    },
    stream: {
      method: 'get',
      path: '/stream',
      summary: 'Server-sent events: `history` once, then `state` on every change',
      responses: {
        200: {
          description: 'an event stream that ends when the instance drains',
          schema: z.string(),
          contentType: 'text/event-stream',
        },
      },
    },
  },
});

/** /admin/console (mount behind requireAdmin): a snapshot and a server-sent event stream. */
export function consoleApiRoutes(deps: { feed: ConsoleFeed; readiness: Readiness }): Router {
  return routerFor(consoleApi, {
    state: async (_req, res) => {
      res.json({ state: await deps.feed.state(), history: deps.feed.history() });
    },
    stream: async (_req, res) => {
      // no-transform keeps compression from buffering the stream
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown) =>
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let unsubscribe = () => {};
      const end = () => {
        unsubscribe();
        res.end();
      };
      // the response's close, not the request's: that one fires once the request has been read
      res.on('close', () => unsubscribe());
      send('history', deps.feed.history());
      const first = await deps.feed.state().catch(() => undefined);
      if (res.writableEnded || res.destroyed) return;
      if (first) send('state', first);
      unsubscribe = deps.feed.subscribe((state) => {
        // a stream never ends by itself: stop it when draining, or shutdown waits for it
        if (deps.readiness.shuttingDown) end();
        else send('state', state);
      });
    },
  });
}
