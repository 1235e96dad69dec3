import type { Namespace, Socket } from 'socket.io';

// socket.io-parser's PacketType.EVENT
const EVENT = 2;

/**
 * Connection state recovery restores a session (id, rooms, data) and writes its missed
 * packets to the wire while the socket is built, before any middleware runs: a recovered
 * session presenting an expired or foreign token would receive them and only then get
 * connect_error. This holds them back until the auth middleware has accepted the socket.
 */
export class RecoveredPacketHold {
  private readonly held = new Map<string, unknown[][]>();

  /** Wraps the namespace adapter's restoreSession so missed packets land here first. */
  install(nsp: Namespace): void {
    const adapter = nsp.adapter;
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (session) {
        this.held.set(session.sid, session.missedPackets);
        session.missedPackets = [];
      }
      return session;
    };
  }

  /** Sends the held packets in their order; still before CONNECT, as Socket.IO itself would. */
  release(socket: Socket): void {
    const packets = this.take(socket.id);
    const writer = socket as unknown as { packet(p: { type: number; data: unknown[] }): void };
    for (const data of packets) writer.packet({ type: EVENT, data });
  }

  drop(socketId: string): void {
    this.held.delete(socketId);
  }

  get size(): number {
    return this.held.size;
  }

  private take(socketId: string): unknown[][] {
    const packets = this.held.get(socketId) ?? [];
    this.held.delete(socketId);
    return packets;
  }
}
