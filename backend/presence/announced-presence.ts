/**
 * What followers were last told about a user (online or offline), so that a transition is
 * announced once even when several instances see it at the same moment: two devices
 * connecting on two instances at once both count two sockets, two last devices leaving both
 * count zero. Whoever flips the recorded state announces; the others stay quiet.
 */
export interface AnnouncedPresence {
  /** records the state; true when it differs from what was recorded (nothing recorded = offline) */
  flip(userId: string, online: boolean): Promise<boolean>;
}
