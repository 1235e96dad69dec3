import type { Workload } from './open-loop';

/**
 * `typing` as clients send it (no ack): relayed to the recipient's devices, never stored. The
 * receiver's event carries no per-send id, so arrivals are matched in order per pair.
 */
export const typingWorkload: Workload = {
  name: 'typing',
  receiveEvent: 'typing',
  match: 'fifo',
  send: (pair) => {
    pair.sender.emit('typing', { recipientId: pair.receiverId, typing: true });
    return undefined;
  },
};

/**
 * `message:send` with its ack; the receiver's `message:new` carries the clientId, which is the
 * send's key. The text is a fixed short sentence so runs compare like with like.
 */
export const messageSendWorkload: Workload = {
  name: 'message:send',
  receiveEvent: 'message:new',
  match: 'key',
  keyOf: (payload) => (payload as { message?: { clientId?: string } } | undefined)?.message?.clientId,
  send: (pair, key, ackTimeoutMs) =>
    pair.sender.timeout(ackTimeoutMs).emitWithAck('message:send', {
      recipientId: pair.receiverId,
      text: `load message ${key}`,
      clientId: key,
    }),
};
