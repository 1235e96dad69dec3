/** Polls until check() holds (there is no event to await across a process boundary). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
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
