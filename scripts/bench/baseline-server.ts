import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/**
 * The bare Socket.IO baseline `npm run bench` compares against: same library version, same
 * process model, no auth, no validation, no stores. An ack echoes its payload.
 */
const http = createServer();
const io = new Server(http, { maxHttpBufferSize: 64 * 1024 });
io.on('connection', (socket) => {
  socket.on('echo', (payload: unknown, ack?: (p: unknown) => void) => ack?.(payload));
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ port: (http.address() as AddressInfo).port, msg: 'listening' })}\n`,
  );
});
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
