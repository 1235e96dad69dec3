import { io } from '/socket.io/socket.io.esm.min.js';

const ACK_TIMEOUT_MS = 5000;

/**
 * The Socket.IO connection of the signed-in user. WebSocket only: it needs no sticky sessions,
 * so the page works the same behind any load balancer in front of several instances.
 */
export function connect(token) {
  return io({ path: '/socket.io', auth: { token }, transports: ['websocket'] });
}

/** Emits with an ack; resolves with the ack's payload, throws its `{code, message}` as an Error. */
export async function request(socket, event, payload) {
  const answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
  if (!answer?.ok) {
    const err = new Error(answer?.error?.message ?? 'Request failed');
    err.code = answer?.error?.code;
    throw err;
  }
  return answer;
}
