/**
 * For servers that cannot show index use in explain() (FerretDB v1 answers every find by
 * scanning), checks statically that some index's key prefix serves a query: the filter's
 * equality (and $in) fields first, in any order, then the sort keys in order, all in the
 * index's direction or all reversed.
 */
export type IndexKey = Record<string, number | string>;

export interface QueryShape {
  /** fields compared by equality or $in */
  equality: string[];
  /** sort spec in order, e.g. { createdAt: -1, _id: -1 } */
  sort: Record<string, 1 | -1>;
}

export function indexServes(index: IndexKey, query: QueryShape): boolean {
  const keys = Object.entries(index);
  const eq = new Set(query.equality);
  let i = 0;
  // equality fields, any order
  while (i < keys.length && eq.has(keys[i]![0])) {
    eq.delete(keys[i]![0]);
    i++;
  }
  if (eq.size > 0) return false;
  const sort = Object.entries(query.sort);
  if (sort.length === 0) return true;
  if (keys.length - i < sort.length) return false;
  let forward = true;
  let backward = true;
  for (let j = 0; j < sort.length; j++) {
    const [field, dir] = sort[j]!;
    const [ikey, idir] = keys[i + j]!;
    if (ikey !== field || typeof idir !== 'number') return false;
    if (idir !== dir) forward = false;
    if (idir !== -dir) backward = false;
  }
  return forward || backward;
}

/** Reads the equality fields and sort of a mongoose/driver find, for indexServes. */
export function queryShape(
  filter: Record<string, unknown>,
  sort: Record<string, unknown> | undefined,
): QueryShape {
  return { equality: equalityFields(filter), sort: sortSpec(sort) };
}

/**
 * Every shape an index must serve: one, or one per branch of a top-level $or whose branches
 * name fields outside the sort (alternatives such as "recipient or sender", each its own
 * index scan on MongoDB). A $or over sort keys only is a cursor bound and adds nothing.
 */
export function queryShapes(
  filter: Record<string, unknown>,
  sort: Record<string, unknown> | undefined,
): QueryShape[] {
  const s = sortSpec(sort);
  const outer = equalityFields(filter);
  const branches = Array.isArray(filter.$or) ? (filter.$or as Array<Record<string, unknown>>) : [];
  const alternatives = branches.filter((b) => Object.keys(b).some((k) => !(k in s)));
  if (alternatives.length === 0) return [{ equality: outer, sort: s }];
  return alternatives.map((b) => ({ equality: [...outer, ...equalityFields(b)], sort: s }));
}

function equalityFields(filter: Record<string, unknown>): string[] {
  const equality: string[] = [];
  for (const [field, cond] of Object.entries(filter)) {
    if (field.startsWith('$')) continue;
    if (cond && typeof cond === 'object' && !Array.isArray(cond) && !isIdLike(cond)) {
      const ops = Object.keys(cond);
      if (ops.every((op) => op === '$in' || op === '$eq')) equality.push(field);
    } else equality.push(field);
  }
  return equality;
}

function sortSpec(sort: Record<string, unknown> | undefined): Record<string, 1 | -1> {
  const s: Record<string, 1 | -1> = {};
  for (const [k, v] of Object.entries(sort ?? {})) s[k] = Number(v) < 0 ? -1 : 1;
  return s;
}

function isIdLike(v: object): boolean {
  return typeof (v as { toHexString?: unknown }).toHexString === 'function' || v instanceof Date;
}
