export interface ShadowTallySnapshot {
  /** shadow comparisons (one per user read) since `since` */
  compared: number;
  mismatches: number;
  /** shadow reads that could not run (Redis unreachable); not part of `compared` */
  errors: number;
  since: string;
}

/**
 * This instance's shadow-read results, as GET /admin/presence/consistency reports them. It
 * restarts at every backfill: comparisons made before a backfill describe a state the backfill
 * has just repaired. The Prometheus counters (presence_shadow_reads_total) stay cumulative.
 */
export class ShadowTally {
  private compared = 0;
  private mismatches = 0;
  private errors = 0;
  private since = new Date();

  record(result: 'match' | 'mismatch' | 'error'): void {
    if (result === 'error') this.errors += 1;
    else {
      this.compared += 1;
      if (result === 'mismatch') this.mismatches += 1;
    }
  }

  reset(): void {
    this.compared = 0;
    this.mismatches = 0;
    this.errors = 0;
    this.since = new Date();
  }

  snapshot(): ShadowTallySnapshot {
    return {
      compared: this.compared,
      mismatches: this.mismatches,
      errors: this.errors,
      since: this.since.toISOString(),
    };
  }
}
