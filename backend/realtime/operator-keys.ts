/** Deeper than any event of the contract nests; deeper payloads are refused before parsing. */
const MAX_DEPTH = 16;
const POISON = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Where a payload carries a key no event field has: a Mongo operator (`$…`), a dotted path, or
 * a prototype key; or where it nests deeper than any event. Events answer VALIDATION_FAILED for
 * these whatever their schema says, so an event schema that strips unknown keys (z.object)
 * cannot let an operator through to a query later. undefined = clean.
 */
export function operatorKeyPath(value: unknown): string | undefined {
  const hit = find(value, 0);
  if (!hit) return undefined;
  const path = hit.segments.reverse().join('.');
  return hit.tooDeep ? `${path || '(payload)'}: nested too deep` : `${path}: not an allowed key`;
}

interface Hit {
  /** innermost first: the path is built only for a payload that is refused */
  segments: string[];
  tooDeep: boolean;
}

// Every event passes through here, so a clean payload allocates no path strings.
function find(value: unknown, depth: number): Hit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return { segments: [], tooDeep: true };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = find(value[i], depth + 1);
      if (inner) {
        inner.segments.push(String(i));
        return inner;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key.startsWith('$') || key.includes('.') || POISON.has(key))
      return { segments: [key], tooDeep: false };
    const inner = find((value as Record<string, unknown>)[key], depth + 1);
    if (inner) {
      inner.segments.push(key);
      return inner;
    }
  }
  return undefined;
}
