/**
 * How long conversation writes pause after one that took `tookMs`, so that while sends wait
 * for their insert they hold at most `share` of the store's time. On a store with one writer
 * (FerretDB on SQLite) an insert that arrives during a conversation update waits for it; the
 * pause is what bounds that wait's odds, and what piles up meanwhile lands in fewer, larger
 * updates (docs/realtime.md "Where a send waits").
 */
export function writerSharePause(tookMs: number, share: number): number {
  if (share >= 1) return 0;
  return (tookMs * (1 - share)) / share;
}
