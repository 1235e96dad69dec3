export const ERROR_CODES = new Set([
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
  'WEAK_PASSWORD',
]);

/**
 * Why a 4xx/5xx body is not the contract's `{error: {code, message, details?}}` (RATE_LIMITED
 * also with `retryAfterSeconds`), or undefined.
 */
export function errorShapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return `body is ${JSON.stringify(body)?.slice(0, 80)}`;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return `top-level keys ${keys.join(',')}`;
  const e = (body as { error: Record<string, unknown> }).error;
  if (typeof e !== 'object' || e === null) return 'error is not an object';
  if (typeof e.code !== 'string' || !ERROR_CODES.has(e.code)) return `code ${String(e.code)}`;
  if (typeof e.message !== 'string') return 'message is not a string';
  const allowed =
    e.code === 'RATE_LIMITED'
      ? ['code', 'message', 'details', 'retryAfterSeconds']
      : ['code', 'message', 'details'];
  const extra = Object.keys(e).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return `extra error keys ${extra.join(',')}`;
  if (
    e.retryAfterSeconds !== undefined &&
    !(Number.isInteger(e.retryAfterSeconds) && (e.retryAfterSeconds as number) > 0)
  )
    return `retryAfterSeconds ${String(e.retryAfterSeconds)}`;
  if (e.details !== undefined && !Array.isArray(e.details)) return 'details is not an array';
  return undefined;
}

/** Why a socket ack is not `{ok: true, ...}` or `{ok: false, error: {code, message}}`. */
export function ackShapeProblem(ack: unknown): string | undefined {
  if (typeof ack !== 'object' || ack === null) return `ack is ${JSON.stringify(ack)}`;
  const a = ack as { ok?: unknown; error?: unknown };
  if (a.ok === true) return undefined;
  if (a.ok !== false) return 'ok is neither true nor false';
  return errorShapeProblem({ error: a.error });
}
