import {
  dashboardExpressions,
  exposedMetricNames,
  promqlMetricNames,
  readRepoFile,
  readYaml,
  ruleExpressions,
} from '../support/prometheus-files';
import { createTestApp, type TestApp } from '../support/test-app';
import { TEST_ADMIN_TOKEN, testRedisUrl } from '../support/test-env';

// Series Prometheus makes itself for every target; an app never exports them.
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: `obs${Date.now()}:` });
});
afterAll(() => t.close());

describe('When the dashboard and the alert rules are compared with /metrics', () => {
  it('then every metric they name is exported by the app', async () => {
    const res = await t.http.get('/metrics').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(res.status).toBe(200);
    const exposed = exposedMetricNames(res.text);
    const named = new Set(
      [
        ...dashboardExpressions(JSON.parse(readRepoFile('deploy/grafana/dashboards/social-scale.json'))),
        ...ruleExpressions(readYaml('deploy/prometheus/alerts.yml')),
      ].flatMap(promqlMetricNames),
    );
    expect(named.size).toBeGreaterThanOrEqual(15);
    const missing = [...named].filter((n) => !SYNTHETIC.has(n) && !exposed.has(n));
    expect(missing).toEqual([]);
  });

  it('then a name the app does not export would be caught', () => {
    const exposed = exposedMetricNames('# TYPE a_seconds histogram\n# TYPE b_total counter\nb_total 1\n');
    expect(exposed.has('a_seconds_bucket')).toBe(true);
    expect(exposed.has('b_total')).toBe(true);
    expect(exposed.has('c_total')).toBe(false);
  });
});
