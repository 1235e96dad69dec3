/**
 * Reads a MongoDB explain() document and says whether the winning plan used an index.
 * Handles the classic engine (queryPlanner.winningPlan), the slot-based engine
 * (winningPlan.queryPlan), sharded explains (winningPlan.shards[]) and MongoDB 8's express
 * stages. A COLLSCAN anywhere in the winning plan fails the query.
 */
export interface PlanVerdict {
  usesIndex: boolean;
  stages: string[];
  indexes: string[];
  summary: string;
}

const INDEX_STAGES = new Set([
  'IXSCAN',
  'EXPRESS_IXSCAN',
  'EXPRESS_CLUSTERED_IXSCAN',
  'IDHACK',
  'DISTINCT_SCAN',
  'COUNT_SCAN',
  'CLUSTERED_IXSCAN',
]);

type PlanNode = Record<string, unknown>;

function children(node: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  for (const key of ['inputStage', 'innerStage', 'outerStage', 'thenStage', 'elseStage', 'queryPlan']) {
    const child = node[key];
    if (child && typeof child === 'object') out.push(child as PlanNode);
  }
  for (const key of ['inputStages', 'shards']) {
    const list = node[key];
    if (Array.isArray(list)) out.push(...(list as PlanNode[]));
  }
  // a shard entry wraps its own winningPlan
  const wp = node.winningPlan;
  if (wp && typeof wp === 'object') out.push(wp as PlanNode);
  return out;
}

export function winningPlanOf(explain: Record<string, unknown>): PlanNode | undefined {
  const qp = explain.queryPlanner as Record<string, unknown> | undefined;
  const wp = qp?.winningPlan as PlanNode | undefined;
  if (wp) return wp;
  // aggregate explains nest the planner in the first stage's $cursor
  const stages = explain.stages as Array<Record<string, Record<string, unknown>>> | undefined;
  const cursor = stages?.[0]?.$cursor;
  return cursor ? winningPlanOf(cursor) : undefined;
}

export function planVerdict(explain: Record<string, unknown>): PlanVerdict {
  const root = winningPlanOf(explain);
  if (!root)
    return { usesIndex: false, stages: [], indexes: [], summary: 'no winning plan in explain output' };
  const stages: string[] = [];
  const indexes: string[] = [];
  const walk = (node: PlanNode) => {
    if (typeof node.stage === 'string') {
      stages.push(node.stage);
      if (INDEX_STAGES.has(node.stage)) {
        const name = typeof node.indexName === 'string' ? node.indexName : keyPatternText(node.keyPattern);
        if (name) indexes.push(name);
      }
    }
    for (const c of children(node)) walk(c);
  };
  walk(root);
  const collscan = stages.includes('COLLSCAN');
  const usesIndex = !collscan && stages.some((s) => INDEX_STAGES.has(s));
  const chain = stages.join(' > ');
  const summary = usesIndex
    ? `${chain} using ${[...new Set(indexes)].join(', ') || 'an index'}`
    : collscan
      ? `${chain} (collection scan)`
      : `${chain || 'no stages'} (no index stage found)`;
  return { usesIndex, stages, indexes: [...new Set(indexes)], summary };
}

function keyPatternText(kp: unknown): string | undefined {
  if (typeof kp === 'string') return kp;
  if (kp && typeof kp === 'object')
    return Object.entries(kp as Record<string, unknown>)
      .map(([k, v]) => `${k}_${String(v)}`)
      .join('_');
  return undefined;
}
