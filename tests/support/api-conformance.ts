import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { apiDocuments } from '../../backend/api-docs/create-api-docs';
import { installedSurface } from './installed-surface';

/** One response as a test client saw it. */
export interface SeenResponse {
  method: string;
  /** path, or a URL whose path is used (query ignored) */
  url: string;
  status: number;
  contentType: string | undefined;
  /** parsed JSON, or the text */
  body: unknown;
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

const DOC_ID = 'openapi.json';
const ptr = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function build() {
  const doc = apiDocuments(installedSurface, 'conformance').openapi as unknown as {
    paths: Record<string, Record<string, Operation>>;
  };
  // strict off: the document carries OpenAPI keywords around its JSON Schemas
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, DOC_ID);
  const routes = Object.entries(doc.paths)
    .map(([template, item]) => ({
      template,
      item,
      // literal segments win over parameters: /api/users/me before /api/users/{idOrUsername}
      params: (template.match(/\{/g) ?? []).length,
      regex: new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}/?$`,
      ),
    }))
    .sort((a, b) => a.params - b.params);
  const validators = new Map<string, ValidateFunction>();
  const validator = (pointer: string): ValidateFunction => {
    let v = validators.get(pointer);
    if (!v) {
      v = ajv.getSchema(`${DOC_ID}#${pointer}`);
      if (!v) throw new Error(`no schema at ${pointer}`);
      validators.set(pointer, v);
    }
    return v;
  };
  return { routes, validator };
}

const STATIC_PREFIXES = ['/docs/assets/', '/socket.io/', '/console/', '/demo/'];

let checker: ReturnType<typeof build> | undefined;
const get = () => {
  checker ??= build();
  return checker;
};

/** Problems of a response against the document; empty when it conforms. */
export function conformanceProblems(r: SeenResponse): string[] {
  const { routes, validator } = get();
  const method = r.method.toLowerCase();
  // HEAD and OPTIONS (CORS preflights) are answered by Express itself, for every route
  if (!METHODS.has(method)) return [];
  const path = new URL(r.url, 'http://x').pathname;
  // pages' static files (/docs assets, /console, /demo) and Socket.IO's own HTTP transport are
  // not API operations
  if (STATIC_PREFIXES.some((p) => path === p.slice(0, -1) || path.startsWith(p))) return [];
  const what = `${r.method.toUpperCase()} ${path} → ${r.status}`;
  const media = r.contentType?.split(';')[0]?.trim().toLowerCase();
  const route = routes.find((x) => x.regex.test(path) && x.item[method]);
  const pointer = route ? `/paths/${ptr(route.template)}/${method}/responses` : undefined;
  const operation = route?.item[method];
  let status: string | undefined;
  if (operation) {
    if (operation.responses[String(r.status)]) status = String(r.status);
    else if (r.status >= 400 && operation.responses.default) status = 'default';
    else
      return [`${what}: status ${r.status} is not documented for ${method.toUpperCase()} ${route.template}`];
  } else if (r.status < 400) {
    return [`${what}: no documented operation answers this`];
  }
  // an unknown route or method answers the error envelope like any error
  const response = operation && status ? operation.responses[status] : undefined;
  const content = response ? response.content : { 'application/json': { schema: {} } };
  if (!content || Object.keys(content).length === 0) {
    const empty =
      r.body === undefined ||
      r.body === '' ||
      (typeof r.body === 'object' && r.body !== null && Object.keys(r.body).length === 0);
    return empty ? [] : [`${what}: documented without a body, got one`];
  }
  const type = Object.keys(content).find((t) => t === media);
  if (!type)
    return [`${what}: content-type ${media ?? 'none'} is not one of ${Object.keys(content).join(', ')}`];
  if (type !== 'application/json') return typeof r.body === 'string' ? [] : [`${what}: expected text`];
  const validate = pointer
    ? validator(`${pointer}/${ptr(status!)}/content/${ptr(type)}/schema`)
    : validator('/components/schemas/ErrorEnvelope');
  if (validate(r.body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${what}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}

/**
 * The problems of a JSON 200 answer to GET `url` with `body`, each field of which a call may
 * change: for tests of the document's schemas without a server.
 */
export function problemsOf(url: string, body: unknown): (over: Partial<SeenResponse>) => string[] {
  return (over) =>
    conformanceProblems({
      method: 'GET',
      url,
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body,
      ...over,
    });
}

/** Off only with API_CONFORMANCE=off (to tell a schema problem from a test's own failure). */
export const conformanceOn = process.env.API_CONFORMANCE !== 'off';

/** Throws when the response does not match the document: the test that received it fails. */
export function assertConforms(r: SeenResponse): void {
  if (!conformanceOn) return;
  const problems = conformanceProblems(r);
  if (problems.length > 0)
    throw new Error(`response does not match /openapi.json:\n  ${problems.slice(0, 10).join('\n  ')}`);
}

type Agent = Record<string, unknown>;
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * A supertest agent whose every request checks its response against the OpenAPI document
 * (supertest's .expect(fn) runs once the response is in; a throw fails the request).
 */
export function conforming<T extends object>(agent: T): T {
  return new Proxy(agent, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !METHODS.has(prop) || typeof value !== 'function') return value;
      return (url: string, ...rest: unknown[]) => {
        const test = (value as (...a: unknown[]) => Agent).call(target, url, ...rest);
        (test.expect as (fn: (res: SupertestResponse) => void) => unknown).call(test, (res) =>
          assertConforms({
            method: prop,
            url,
            status: res.status,
            contentType: res.headers['content-type'],
            body: isJson(res.headers['content-type']) ? res.body : res.text,
          }),
        );
        return test;
      };
    },
  });
}

interface SupertestResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
  text: string;
}

const isJson = (type: string | undefined) => type?.split(';')[0]?.trim() === 'application/json';
