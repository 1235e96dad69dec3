/** Shared switch: the shutdown sequence flips it first so load balancers stop sending. */
export class Readiness {
  private draining = false;
  get shuttingDown(): boolean {
    return this.draining;
  }
  startDraining(): void {
    this.draining = true;
  }
}
