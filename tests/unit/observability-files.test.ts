import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkRuleFile,
  dashboardExpressions,
  dashboardPanels,
  promqlErrors,
  promqlMetricNames,
  readRepoFile,
  readYaml,
  repoRoot,
  ruleExpressions,
} from '../support/prometheus-files';

const RULES = 'deploy/prometheus/alerts.yml';
const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/social-scale.json'));

describe('When the alert rule file is checked the way promtool check rules does', () => {
  it('then the shipped file has no problem and alerts on breaker, shadow mismatches, errors and delivery', () => {
    const doc = readYaml(RULES);
    expect(checkRuleFile(doc)).toEqual([]);
    const alerts = (doc as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups.flatMap((g) =>
      g.rules.map((r) => r.alert),
    );
    expect(alerts).toEqual(
      expect.arrayContaining([
        'RedisBreakerOpen',
        'PresenceShadowMismatch',
        'HighServerErrorRate',
        'MessageDeliverySlow',
      ]),
    );
  });

  it('then a broken file gets one problem per fault', () => {
    const problems = checkRuleFile({
      groups: [
        {
          name: 'a',
          rules: [{ alert: 'X', expr: 'sum(rate(foo[5m])', for: '5 minutes', labels: { 'bad-name': 'x' } }],
        },
        { name: 'a', rules: [{ record: 'bad name', expr: 'up', annotations: { a: 'b' } }] },
        { name: 'b', rules: [{ alert: 'Y', record: 'y', expr: 'up', severity: 'x' }] },
        { name: 'c', rules: [{ alert: 'Z', expr: 'up', annotations: { summary: '{{ $labels.instance' } }] },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/group 0 rule 0: expr does not parse/),
      'group 0 rule 0: invalid for duration "5 minutes"',
      'group 0 rule 0: invalid label name "bad-name"',
      'group 1: duplicate group name a',
      'group 1 rule 0: record must be a valid metric name',
      'group 1 rule 0: annotations are only for alerts',
      'group 2 rule 0: unknown key severity',
      'group 2 rule 0: needs exactly one of alert and record',
      'group 3 rule 0: annotation summary has unbalanced {{ }}',
    ]);
    expect(checkRuleFile({ rules: [] })).toEqual(['top level: groups must be a list']);
  });

  it('then the PromQL parser names the selected metrics and rejects bad syntax', () => {
    expect(promqlMetricNames('sum(rate(a_total{x="1"}[5m])) / sum(rate(b_total[5m]))')).toEqual([
      'a_total',
      'b_total',
    ]);
    expect(promqlErrors('histogram_quantile(0.99, sum by (le) (rate(x_bucket[$__rate_interval])))')).toEqual(
      [],
    );
    expect(promqlErrors('sum by (le (rate(x[5m]))')).not.toEqual([]);
  });
});

describe('When the Grafana dashboard is read', () => {
  const panels = dashboardPanels(dashboard);

  it('then every query parses as PromQL and names at least one metric', () => {
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    for (const expr of exprs) {
      expect({ expr, errors: promqlErrors(expr) }).toEqual({ expr, errors: [] });
      expect(promqlMetricNames(expr).length).toBeGreaterThan(0);
    }
  });

  it('then panel ids are unique and every query uses the provisioned Prometheus datasource', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const datasources = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml') as {
      datasources: Array<{ uid: string; type: string }>;
    };
    const uid = datasources.datasources.find((d) => d.type === 'prometheus')?.uid;
    expect(uid).toBe('prometheus');
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource?.uid).toBe(uid);
      for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe(uid);
    }
  });

  it('then it covers HTTP, Socket.IO, Mongo, Redis, the cache, presence, the breaker and the event loop', () => {
    const names = new Set(dashboardExpressions(dashboard).flatMap(promqlMetricNames));
    for (const name of [
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_count',
      'socketio_connections',
      'socketio_events_total',
      'socketio_delivery_seconds_bucket',
      'mongo_command_duration_seconds_bucket',
      'redis_command_duration_seconds_bucket',
      'cache_requests_total',
      'presence_reads_total',
      'presence_shadow_reads_total',
      'redis_breaker_state',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect([...names]).toContain(name);
  });
});

describe('When staging compose provisions Prometheus and Grafana', () => {
  const compose = readYaml('docker-compose.yml') as {
    services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
  };

  it('then every file it mounts exists in the repository', () => {
    const mounts = ['prometheus', 'grafana'].flatMap((s) => compose.services[s]?.volumes ?? []);
    const files = mounts.filter((m) => m.startsWith('./')).map((m) => m.split(':')[0]!);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect({ f, exists: existsSync(join(repoRoot, f)) }).toEqual({ f, exists: true });
  });

  it('then Prometheus loads the alert file where compose mounts it, and scrapes with the metrics token', () => {
    const prom = readYaml('deploy/prometheus/prometheus.yml') as {
      rule_files: string[];
      scrape_configs: Array<{ authorization?: { credentials_file?: string } }>;
    };
    const mounted = (compose.services.prometheus?.volumes ?? []).map((v) => v.split(':'));
    for (const file of prom.rule_files) {
      const source = mounted.find(([, target]) => target === file)?.[0];
      expect(source).toBe(`./${RULES}`);
    }
    expect(prom.scrape_configs[0]?.authorization?.credentials_file).toBeTruthy();
    const token = compose.services.prometheus?.environment?.METRICS_TOKEN;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, kept literal
    expect(token).toBe('${METRICS_TOKEN:-staging-prometheus-scrape}');
    for (const app of ['app1', 'app2', 'app3'])
      expect(compose.services[app]?.environment?.METRICS_TOKEN).toBe(token);
    expect(ruleExpressions(readYaml(RULES)).length).toBeGreaterThanOrEqual(4);
  });
});
