import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { clientEvents } from '../realtime/client-events';
import { serverEvents } from '../realtime/server-events';
import { routerFor } from '../routing/router-for';
import { apiGroups } from './api-groups';
import { type AsyncApiDocument, asyncApiDocument } from './asyncapi-document';
import { docsApi } from './docs-api';
import { type OpenApiDocument, openApiDocument } from './openapi-document';

/**
 * The page's files are plain HTML/CSS/JS beside this module's source (no build step): found
 * here when run from source (tests, tsx) and at the repository's copy when run from dist/.
 */
export const pageDir = [
  join(__dirname, 'page'),
  join(__dirname, '..', '..', '..', 'backend', 'api-docs', 'page'),
].find((dir) => existsSync(join(dir, 'index.html')));

let cached: { version: string; openapi: OpenApiDocument; asyncapi: AsyncApiDocument } | undefined;

/** Both documents; generated once per process (they depend on the code only). */
export function apiDocuments(version: string): { openapi: OpenApiDocument; asyncapi: AsyncApiDocument } {
  if (cached?.version !== version)
    cached = {
      version,
      openapi: openApiDocument(apiGroups, version),
      asyncapi: asyncApiDocument(Object.values(clientEvents), serverEvents, version),
    };
  return cached;
}

/**
 * GET /openapi.json, /asyncapi.json and /docs (a page of our own rendering both, served from
 * the package: nothing is loaded from outside the app, and helmet's CSP holds since the page
 * has no inline script).
 */
export function createApiDocs(deps: { version: string }): Router {
  const r = routerFor(docsApi, {
    openapi: (_req, res) => {
      res.json(apiDocuments(deps.version).openapi);
    },
    asyncapi: (_req, res) => {
      res.json(apiDocuments(deps.version).asyncapi);
    },
    page: (_req, res) => {
      if (!pageDir) throw new Error('the docs page files are missing from this install');
      res.sendFile(join(pageDir, 'index.html'));
    },
  });
  if (pageDir) r.use('/docs/assets', express.static(pageDir, { index: false, fallthrough: true }));
  return r;
}
