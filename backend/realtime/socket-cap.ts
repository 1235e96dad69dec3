/**
 * At most `max` concurrent sockets per user. The newest handshake over the cap is refused
 * (not the oldest evicted): a stolen token cannot kick the owner's devices off, and a client
 * stuck in a reconnect loop hurts only itself.
 */
export interface SocketCap {
  /** Reserves a place for the socket; false when the user is at the cap. */
  admit(userId: string, socketId: string): Promise<boolean>;
  /** Frees the place (idempotent: safe to call for a socket never admitted). */
  release(userId: string, socketId: string): void;
}
