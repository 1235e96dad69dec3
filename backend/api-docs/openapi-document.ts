import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { errorEnvelopeSchema } from '../errors/error-envelope';
import type { Access, ApiGroup, RouteSpec } from '../routing/route-spec';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** /api/posts + /:id/like → /api/posts/{id}/like; a router's "/" is its prefix itself. */
export function openApiPath(prefix: string, path: string): string {
  const joined = `${prefix}${path === '/' ? '' : path}` || '/';
  return joined.replace(/:(\w+)/g, '{$1}');
}

const security: Record<Access, RouteConfig['security']> = {
  public: [],
  user: [{ bearerJwt: [] }],
  admin: [{ adminToken: [] }],
  metrics: [{ metricsToken: [] }, { adminToken: [] }],
  'public-or-admin': [{}, { adminToken: [] }],
};

const DESCRIPTION = `Generated from the zod schemas the routes validate with (backend/api-docs).

**Auth.** \`/api/*\` takes \`Authorization: Bearer <JWT>\` from /api/auth/register or /api/auth/login
(401 without or with a revoked/expired one). \`/admin/*\` and \`/health/features\` take an admin token
(ADMIN_TOKEN or ADMIN_TOKENS; 401 without, 403 wrong or none configured). \`/metrics\` takes METRICS_TOKEN
or an admin token.

**Errors.** Every 4xx/5xx answers \`{"error": {"code", "message", "details?"}}\` (ErrorEnvelope); branch on
\`code\`. Bad input is 400 VALIDATION_FAILED with one detail per problem and changes nothing.

**Pages.** Lists take \`limit\` (1–100, default 20) and \`cursor\` (the previous page's \`nextCursor\`,
opaque) and answer \`{<items>, nextCursor}\`, nextCursor null at the end; newest first.

**Realtime.** Socket.IO events are described by the AsyncAPI document at /asyncapi.json.`;

function responses(spec: RouteSpec): RouteConfig['responses'] {
  const out: Record<string, ResponseConfig> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    out[status] = r.schema
      ? {
          description: r.description,
          content: { [r.contentType ?? 'application/json']: { schema: r.schema } },
        }
      : { description: r.description };
  }
  out.default = {
    description: 'an error (4xx/5xx): the error envelope',
    content: { 'application/json': { schema: errorEnvelopeSchema } },
  };
  return out;
}

/** The OpenAPI 3.1 document of every route in the groups. */
export function openApiDocument(groups: readonly ApiGroup[], version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerJwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'a session token from /api/auth/register or /api/auth/login',
  });
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN, or one of ADMIN_TOKENS (the name is the audit trail\'s "who")',
  });
  registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN',
  });
  for (const group of groups) {
    for (const [name, spec] of Object.entries(group.routes)) {
      registry.registerPath({
        method: spec.method,
        path: openApiPath(group.prefix, spec.path),
        operationId: `${group.prefix.split('/').filter(Boolean).pop() ?? group.tag}.${name}`,
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tags: [group.tag],
        security: security[spec.access ?? group.access],
        request: {
          ...(spec.params ? { params: spec.params } : {}),
          ...(spec.query ? { query: spec.query } : {}),
          ...(spec.body
            ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } }
            : {}),
        },
        responses: responses(spec),
      });
    }
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'social-scale API', version, description: DESCRIPTION },
    servers: [{ url: '/' }],
  });
}
