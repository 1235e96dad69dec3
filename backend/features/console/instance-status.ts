import type { HealthReport } from '../../health/health-service';
import type { ShadowTallySnapshot } from '../../presence/shadow-tally';

/** What each instance publishes for /console: its health, shadow-read tally and flags in force. */
export interface InstanceStatus {
  id: string;
  /** when the instance collected it */
  at: string;
  health: HealthReport;
  consistency: ShadowTallySnapshot;
  /** the feed migration's shadow comparisons; absent on an instance without timelines */
  feed?: ShadowTallySnapshot;
  flagVersion: number;
  /** every flag's value in force on that instance */
  flags: Record<string, unknown>;
}
