import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

export const repoRoot = join(__dirname, '..', '..');
export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
// merge keys (<<) as docker compose reads them
export const readYaml = (path: string): unknown => parseYaml(readRepoFile(path), { merge: true });

// Grafana's interval variables are not PromQL; Prometheus itself never sees them.
const withGrafanaVariables = (expr: string): string => expr.replace(/\$__(rate_)?interval|\$__range/g, '5m');

/** Parse errors of a PromQL expression, by the Prometheus project's own grammar (what its UI uses). */
export function promqlErrors(expr: string): string[] {
  const source = withGrafanaVariables(expr);
  const errors: string[] = [];
  parser.parse(source).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`at ${node.from}: ${JSON.stringify(source.slice(node.from, node.from + 20))}`);
    },
  });
  return errors;
}

/** Every metric name a PromQL expression selects. */
export function promqlMetricNames(expr: string): string[] {
  const source = withGrafanaVariables(expr);
  const names: string[] = [];
  parser.parse(source).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return;
      const id = node.node.getChild('Identifier');
      if (id) names.push(source.slice(id.from, id.to));
    },
  });
  return names;
}

const DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'query_offset', 'labels', 'rules']);
const RULE_KEYS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkStringMap(where: string, what: string, value: unknown, problems: string[]): void {
  if (value === undefined) return;
  if (!isRecord(value)) {
    problems.push(`${where}: ${what} must be a map`);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!LABEL_NAME.test(k)) problems.push(`${where}: invalid ${what} name ${JSON.stringify(k)}`);
    if (typeof v !== 'string') problems.push(`${where}: ${what} ${k} must be a string`);
    else if ((v.match(/\{\{/g) ?? []).length !== (v.match(/\}\}/g) ?? []).length)
      problems.push(`${where}: ${what} ${k} has unbalanced {{ }}`);
  }
}

/**
 * The checks `promtool check rules` makes, without promtool: the file's shape (no unknown keys,
 * as Prometheus' strict YAML decoding refuses them), unique group names, record xor alert,
 * valid names and durations, label and annotation maps, and every expr parsed as PromQL.
 * Returns the problems found; [] = valid.
 */
export function checkRuleFile(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(doc) || !Array.isArray(doc.groups)) return ['top level: groups must be a list'];
  const groupNames = new Set<string>();
  for (const [gi, group] of doc.groups.entries()) {
    const g = `group ${gi}`;
    if (!isRecord(group)) {
      problems.push(`${g}: must be a map`);
      continue;
    }
    for (const key of Object.keys(group)) if (!GROUP_KEYS.has(key)) problems.push(`${g}: unknown key ${key}`);
    if (typeof group.name !== 'string' || group.name === '') problems.push(`${g}: name is required`);
    else if (groupNames.has(group.name)) problems.push(`${g}: duplicate group name ${group.name}`);
    else groupNames.add(group.name);
    if (
      group.interval !== undefined &&
      !(typeof group.interval === 'string' && DURATION.test(group.interval))
    )
      problems.push(`${g}: invalid interval`);
    if (!Array.isArray(group.rules) || group.rules.length === 0) {
      problems.push(`${g}: rules must be a non-empty list`);
      continue;
    }
    for (const [ri, rule] of group.rules.entries()) {
      const r = `${g} rule ${ri}`;
      if (!isRecord(rule)) {
        problems.push(`${r}: must be a map`);
        continue;
      }
      for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) problems.push(`${r}: unknown key ${key}`);
      const isAlert = rule.alert !== undefined;
      if (isAlert === (rule.record !== undefined))
        problems.push(`${r}: needs exactly one of alert and record`);
      if (isAlert && (typeof rule.alert !== 'string' || rule.alert === ''))
        problems.push(`${r}: alert name must be a non-empty string`);
      if (!isAlert && !(typeof rule.record === 'string' && METRIC_NAME.test(rule.record)))
        problems.push(`${r}: record must be a valid metric name`);
      if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problems.push(`${r}: expr is required`);
      else for (const e of promqlErrors(rule.expr)) problems.push(`${r}: expr does not parse ${e}`);
      for (const key of ['for', 'keep_firing_for'] as const) {
        if (rule[key] === undefined) continue;
        if (!isAlert) problems.push(`${r}: ${key} is only for alerts`);
        if (!(typeof rule[key] === 'string' && DURATION.test(rule[key] as string) && rule[key] !== ''))
          problems.push(`${r}: invalid ${key} duration ${JSON.stringify(rule[key])}`);
      }
      checkStringMap(r, 'label', rule.labels, problems);
      if (!isAlert && rule.annotations !== undefined) problems.push(`${r}: annotations are only for alerts`);
      checkStringMap(r, 'annotation', rule.annotations, problems);
    }
  }
  return problems;
}

export function ruleExpressions(doc: unknown): string[] {
  const groups = (doc as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups;
  return groups.flatMap((g) => g.rules.map((r) => r.expr));
}

interface Panel {
  id: number;
  type: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr?: string; datasource?: { uid?: string } }>;
  panels?: Panel[];
}

/** Every panel of a Grafana dashboard, rows' nested panels included. */
export function dashboardPanels(dashboard: { panels: Panel[] }): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function dashboardExpressions(dashboard: { panels: Panel[] }): string[] {
  return dashboardPanels(dashboard).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
}

/**
 * The sample names a Prometheus text exposition can carry: every `# TYPE` family, and a
 * histogram's or summary's _bucket, _sum and _count. A labelled series with no sample yet is
 * still declared by its TYPE line, so this does not depend on traffic.
 */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
