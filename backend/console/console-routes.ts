import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import type { Readiness } from '../health/readiness';
import type { ConsoleFeed } from './console-feed';

/**
 * The page's files: beside this module when running from source, and from the source tree when
 * running dist/ (tsc copies no assets; the Dockerfile copies the folder next to the compiled code).
 */
export function consolePublicDir(): string {
  const candidates = [
    join(__dirname, 'public'),
    join(__dirname, '..', '..', '..', 'backend', 'console', 'public'),
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

/** /admin/console (mount behind requireAdmin): a snapshot and a server-sent event stream. */
export function consoleApiRoutes(deps: { feed: ConsoleFeed; readiness: Readiness }): Router {
  const r = Router();
  r.get('/state', async (_req, res) => {
    res.json({ state: await deps.feed.state(), history: deps.feed.history() });
  });
  r.get('/stream', async (_req, res) => {
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
  });
  return r;
}
