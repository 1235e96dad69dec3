/**
 * A user's socket event budget: a token bucket shared by all of the user's sockets (on every
 * instance when the store is shared), so opening more sockets buys no more events.
 */
export interface EventBudget {
  /**
   * Spends one event of the user's budget; false when it is spent (answer RATE_LIMITED). A
   * budget that knows at once answers a plain boolean, so the event path awaits nothing.
   */
  take(userId: string): boolean | Promise<boolean>;
}

export interface BudgetSettings {
  ratePerSecond: number;
  burst: number;
}
