/**
 * Closed-loop HTTP clients hammering until stopped: every response is counted by status and
 * every failed request by its error's kind (UND_ERR_SOCKET, ECONNRESET…), never retried.
 */
export function hammer(clients: number, request: (i: number) => Promise<Response>) {
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let stop = false;
  let n = 0;
  const loop = async () => {
    while (!stop) {
      const i = n++;
      try {
        const res = await request(i);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        const kind = e.cause?.code ?? e.name;
        errors[kind] = (errors[kind] ?? 0) + 1;
      }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    statuses,
    errors,
    get total() {
      return n;
    },
    stop: async () => {
      stop = true;
      await Promise.all(loops);
      return { total: n, statuses, errors };
    },
  };
}
