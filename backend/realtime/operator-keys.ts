/** Deeper than any event of the contract nests; deeper payloads are refused before parsing. */
const MAX_DEPTH = 16;
const POISON = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Where a payload carries a key no event field has: a Mongo operator (`$…`), a dotted path, or
 * a prototype key; or where it nests deeper than any event. Events answer VALIDATION_FAILED for
 * these whatever their schema says, so an event schema that strips unknown keys (z.object)
 * cannot let an operator through to a query later. undefined = clean.
 */
export function operatorKeyPath(value: unknown, path = '', depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return `${path || '(payload)'}: nested too deep`;
  const entries = Array.isArray(value) ? value.entries() : Object.entries(value);
  for (const [k, v] of entries) {
    const key = String(k);
    if (!Array.isArray(value) && (key.startsWith('$') || key.includes('.') || POISON.has(key)))
      return `${path}${path ? '.' : ''}${key}: not an allowed key`;
    const inner = operatorKeyPath(v, `${path}${path ? '.' : ''}${key}`, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}
