import type { Model } from 'mongoose';

/**
 * Moves denormalised counters for an edge (follow, like, reply) exactly once, even when the
 * first attempt failed half-way. The edge is written with `countersApplied: false`; whoever
 * flips it to true (an atomic conditional update, so one caller of any number) applies the
 * counters. A retry, or any later write that sweeps pending edges, finds an edge left at false
 * by a failed attempt and repairs the counters; an attempt still in flight loses the flip and
 * does nothing, so nothing is counted twice. If the counter update itself fails the flag is
 * put back, for the next retry. Edges written before this field existed have no flag and are
 * taken as applied. A crash between the flip and the counters is what `npm run
 * repair:counters` is for.
 */
export async function applyCountersOnce<T>(
  edges: Model<T>,
  filter: Record<string, unknown>,
  apply: () => Promise<unknown>,
): Promise<boolean> {
  const { modifiedCount } = await edges.updateOne(
    { ...filter, countersApplied: false },
    { $set: { countersApplied: true } },
  );
  if (modifiedCount !== 1) return false;
  try {
    await apply();
  } catch (err) {
    await edges
      .updateOne({ ...filter, countersApplied: true }, { $set: { countersApplied: false } })
      .catch(() => {});
    throw err;
  }
  return true;
}
