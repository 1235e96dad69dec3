type Probe<T> = () => Promise<T> | T;
const settled = (value: unknown) => value !== undefined && value !== false;

/**
 * The one polling helper, for what no event announces (another process's state, a metric, a
 * timer inside a store). Polls `probe` until `check` holds for its value, or, without a check,
 * until the value is neither undefined nor false; resolves with that value. A probe that throws
 * counts as not yet. Times out with `what` and the last value in the message.
 */
export function waitFor<T>(
  what: string,
  probe: Probe<T | undefined | false>,
  timeoutMs?: number,
  intervalMs?: number,
): Promise<T>;
export function waitFor<T>(
  what: string,
  probe: Probe<T>,
  check: (value: T) => boolean,
  timeoutMs?: number,
  intervalMs?: number,
): Promise<T>;
export async function waitFor<T>(
  what: string,
  probe: Probe<T>,
  ...rest: [((value: T) => boolean)?, number?, number?] | [number?, number?]
): Promise<T> {
  const [check, timeoutMs = 10_000, intervalMs = 50] =
    typeof rest[0] === 'function'
      ? (rest as [(value: T) => boolean, number?, number?])
      : ([settled, ...rest] as [(value: T) => boolean, number?, number?]);
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (check(last)) return last;
    } catch (err) {
      last = err as T;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
