/**
 * Per-socket event budget: `ratePerSecond` refilled continuously up to `burst`. Kept in the
 * socket's closure, so it costs nothing across instances; a client that reconnects gets a
 * fresh bucket, which the HTTP rate limits on the handshake bound.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
