import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { routerFor } from '../routing/router-for';
import type { ApiSurface } from './api-surface';
import { type AsyncApiDocument, asyncApiDocument } from './asyncapi-document';
import { docsApi } from './docs-api';
import { type OpenApiDocument, openApiDocument } from './openapi-document';

/**
 * The page's files are plain HTML/CSS/JS beside this module's source (no build step): found
 * here when run from source (tests, tsx) and at the repository's copy when run from dist/.
 */
export const pageDir = [
  join(__dirname, 'public'),
  join(__dirname, '..', '..', '..', 'backend', 'api-docs', 'public'),
].find((dir) => existsSync(join(dir, 'index.html')));

export interface ApiDocuments {
  openapi: OpenApiDocument;
  asyncapi: AsyncApiDocument;
}

const cached = new WeakMap<ApiSurface, Map<string, ApiDocuments>>();

/** Both documents; generated once per surface and version (they depend on the code only). */
export function apiDocuments(surface: ApiSurface, version: string): ApiDocuments {
  const byVersion = cached.get(surface) ?? new Map<string, ApiDocuments>();
  cached.set(surface, byVersion);
  let docs = byVersion.get(version);
  if (!docs) {
    docs = {
      openapi: openApiDocument(surface.groups, version),
      asyncapi: asyncApiDocument(surface.clientEvents, surface.serverEvents, version),
    };
    byVersion.set(version, docs);
  }
  return docs;
}

/**
 * GET /openapi.json, /asyncapi.json and /docs (a page of our own rendering both, served from
 * the package: nothing is loaded from outside the app, and helmet's CSP holds since the page
 * has no inline script).
 */
export function createApiDocs(deps: { version: string; surface: ApiSurface }): Router {
  const r = routerFor(docsApi, {
    openapi: (_req, res) => {
      res.json(apiDocuments(deps.surface, deps.version).openapi);
    },
    asyncapi: (_req, res) => {
      res.json(apiDocuments(deps.surface, deps.version).asyncapi);
    },
    page: (_req, res) => {
      if (!pageDir) throw new Error('the docs page files are missing from this install');
      res.sendFile(join(pageDir, 'index.html'));
    },
  });
  if (pageDir) r.use('/docs/assets', express.static(pageDir, { index: false, fallthrough: true }));
  return r;
}
