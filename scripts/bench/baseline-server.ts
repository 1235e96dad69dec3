import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';
import { Server } from 'socket.io';

/**
 * The baseline `npm run bench` compares against: what a MERN tutorial app does, on the same
 * Socket.IO version, the same Redis adapter and the same store. No validation, no idempotency,
 * no conversations, no metrics.
 * - `echo` acks its payload (bare round trip);
 * - `typing` relays `{userId, typing}` to the recipient's room;
 * - `message:send` is one mongoose insert, an emit to the recipient's room, then the ack.
 * Env: PORT, REDIS_URL (adapter; none = in-process), MONGO_URL (none = no message:send),
 * JWT_SECRET (none = anonymous sockets, echo only).
 * GET /stats answers {mongoCommands, eventLoopP99Ms}: the store commands this process sent,
 * counted through mongoose's debug hook (a call per collection operation, no copying), for
 * commands per message; the event-loop delay p99 since the previous /stats (as prom-client's).
 */
const env = process.env;
let mongoCommands = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
const http = createServer((req, res) => {
  if (req.url === '/stats') {
    res.setHeader('content-type', 'application/json');
    const eventLoopP99Ms = loopDelay.percentile(99) / 1e6;
    loopDelay.reset();
    res.end(JSON.stringify({ mongoCommands, eventLoopP99Ms }));
    return;
  }
  res.statusCode = 404;
  res.end();
});
const io = new Server(http, { maxHttpBufferSize: 64 * 1024 });
const redisClients: Redis[] = [];
if (env.REDIS_URL) {
  const pub = new Redis(env.REDIS_URL);
  const sub = pub.duplicate();
  redisClients.push(pub, sub);
  io.adapter(createAdapter(pub, sub, { key: 'baseline.socket.io' }));
}

const Message = mongoose.model(
  'Message',
  new mongoose.Schema(
    {
      sender: { type: mongoose.Schema.Types.ObjectId, required: true },
      recipient: { type: mongoose.Schema.Types.ObjectId, required: true },
      text: { type: String, required: true },
      clientId: String,
    },
    { timestamps: true },
  ),
);

// the userSocketMap of the tutorials: who is connected here (rooms do the cross-instance part)
const userSocketMap = new Map<string, string>();

if (env.JWT_SECRET) {
  const secret = env.JWT_SECRET;
  io.use((socket, next) => {
    try {
      const payload = jwt.verify(String(socket.handshake.auth.token), secret, { algorithms: ['HS256'] });
      socket.data.userId = (payload as { sub: string }).sub;
      next();
    } catch {
      next(new Error('UNAUTHORIZED'));
    }
  });
}

io.on('connection', (socket) => {
  const userId = socket.data.userId as string | undefined;
  if (userId) {
    userSocketMap.set(userId, socket.id);
    void socket.join(userId);
    socket.on('disconnect', () => userSocketMap.delete(userId));
  }
  socket.on('echo', (payload: unknown, ack?: (p: unknown) => void) => ack?.(payload));
  socket.on('typing', (p: { recipientId: string; typing: boolean }) => {
    io.to(p.recipientId).emit('typing', { userId, typing: p.typing });
  });
  socket.on(
    'message:send',
    async (p: { recipientId: string; text: string; clientId: string }, ack?: (r: unknown) => void) => {
      try {
        const doc = await Message.create({
          sender: userId,
          recipient: p.recipientId,
          text: p.text,
          clientId: p.clientId,
        });
        const message = {
          id: doc._id.toString(),
          senderId: userId,
          recipientId: p.recipientId,
          text: doc.text,
          clientId: doc.clientId,
          createdAt: doc.createdAt.toISOString(),
        };
        io.to(p.recipientId).emit('message:new', { message });
        ack?.({ ok: true, message });
      } catch (err) {
        ack?.({ ok: false, error: { code: 'INTERNAL', message: (err as Error).message } });
      }
    },
  );
});

async function main() {
  if (env.MONGO_URL) {
    mongoose.set('debug', () => {
      mongoCommands++;
    });
    await mongoose.connect(env.MONGO_URL, { autoIndex: false });
  }
  http.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(
      `${JSON.stringify({ port: (http.address() as AddressInfo).port, msg: 'listening' })}\n`,
    );
  });
}

process.on('SIGTERM', () => {
  io.close();
  for (const c of redisClients) c.disconnect();
  void mongoose.disconnect().finally(() => process.exit(0));
});

main().catch((err) => {
  process.stderr.write(`baseline failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
