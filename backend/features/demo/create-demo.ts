import { join } from 'node:path';
import express, { type Router } from 'express';
import { z } from 'zod';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';

/** The demo's files: copied beside the compiled factory by the build (scripts/build/copy-static.mjs). */
export const DEMO_PUBLIC_DIR = join(__dirname, 'public');

/** A panel another feature adds to the page: its files, and the module the page mounts. */
export interface DemoPanel {
  /** the feature's name: the panel is served at /demo/panels/<name>/ */
  name: string;
  dir: string;
  /** the module, relative to `dir`, whose mount(ctx) the page calls */
  entry: string;
}

const panelName = /^[a-z][a-z0-9-]*$/;

/** GET /demo/panels.json: the one route of the demo that is not a file. */
export const demoApi = defineApi({
  prefix: '/demo',
  tag: 'demo',
  access: 'public',
  routes: {
    panels: {
      method: 'get',
      path: '/panels.json',
      summary: 'The panels installed features add to the demo page, in order (the page imports each entry)',
      responses: {
        200: {
          description: 'each panel: its name and the URL of the module to mount',
          schema: z.array(z.object({ name: z.string(), entry: z.string() })),
        },
      },
    },
  },
});

/**
 * helmet's default policy plus no `upgrade-insecure-requests`: a person trying the demo over
 * plain HTTP on a LAN address (not localhost) would otherwise have every script upgraded to an
 * https:// URL that nothing answers. Scripts, styles and sockets come from this origin only.
 */
const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const staticFiles = (dir: string) =>
  express.static(dir, {
    index: 'index.html',
    fallthrough: true,
    // modules change with the package version; revalidate instead of caching stale code
    maxAge: 0,
  });

/**
 * /demo: a client made of plain HTML, CSS and JS modules served from the package (no build
 * step, nothing from outside the app). It talks to the same /api and /socket.io as any client;
 * the Socket.IO client bundle is the one the server itself serves (serveClient). Panels of
 * other features are served under /demo/panels/<name>/ with the same policy, and listed at
 * /demo/panels.json for the page to load.
 */
export function createDemo(opts: { dir?: string; panels?: readonly DemoPanel[] } = {}): Router {
  const panels = opts.panels ?? [];
  for (const [i, p] of panels.entries()) {
    if (!panelName.test(p.name)) throw new Error(`demo panel name ${p.name}: a-z, 0-9, -`);
    if (panels.findIndex((q) => q.name === p.name) !== i) throw new Error(`two demo panels named ${p.name}`);
  }
  const listed = panels.map((p) => ({ name: p.name, entry: `/demo/panels/${p.name}/${p.entry}` }));
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', DEMO_CSP);
    next();
  });
  router.use(
    routerFor(demoApi, {
      panels: (_req, res) => {
        res.json(listed);
      },
    }),
  );
  for (const p of panels) router.use(`/panels/${p.name}`, staticFiles(p.dir));
  router.use(staticFiles(opts.dir ?? DEMO_PUBLIC_DIR));
  return router;
}
