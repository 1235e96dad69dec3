import { join } from 'node:path';
import express, { type Router } from 'express';

/** The demo's files: copied beside the compiled factory by the build (scripts/build/copy-static.mjs). */
export const DEMO_PUBLIC_DIR = join(__dirname, 'public');

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

/**
 * /demo: a client made of plain HTML, CSS and JS modules served from the package (no build
 * step, nothing from outside the app). It talks to the same /api and /socket.io as any client;
 * the Socket.IO client bundle is the one the server itself serves (serveClient).
 */
export function createDemo(opts: { dir?: string } = {}): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', DEMO_CSP);
    next();
  });
  router.use(
    express.static(opts.dir ?? DEMO_PUBLIC_DIR, {
      index: 'index.html',
      fallthrough: true,
      // modules change with the package version; revalidate instead of caching stale code
      maxAge: 0,
    }),
  );
  return router;
}
