import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Gauge } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import type { Config } from '../config/config';
import type { ContactBook } from '../contacts/contact-book';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { MessageService } from '../modules/messages/message-service';
import type { ActorProfiles } from '../modules/notifications/actor-profiles';
import type { SyncService } from '../modules/sync/sync-service';
import type { TokenService } from '../modules/users/token-service';
import type { LateBoundNotifier } from '../ports/late-bound-notifier';
import type { AnnouncedPresence } from '../presence/announced-presence';
import type { PresenceStore } from '../presence/presence-store';
import type { SessionVersions } from '../sessions/session-versions';
import { clientAddress } from './client-address';
import type { AbuseLimits } from './create-abuse-limits';
import { type AdapterHooks, type DeliveryTrace, instrumentAdapter } from './instrument-adapter';
import type { LiveSocketAdapter } from './live-socket-adapter';
import { registerMessageHandlers } from './message-handlers';
import { originCheck } from './origin-check';
import { PresenceAnnouncer } from './presence-announcer';
import { registerPresenceHandlers } from './presence-handlers';
import { RecoveredPacketHold } from './recovered-packet-hold';
import { SessionExpiry } from './session-expiry';
import { type SocketData, socketAuth, userRoom } from './socket-auth';
import { eventGate, eventRegistrar, type SocketHandlers } from './socket-events';
import { SocketNotifier } from './socket-notifier';
import { registerSyncHandler } from './sync-handler';

/** Large enough for any event of the contract (a 2,000-character message is ~8 kB of UTF-8). */
export const MAX_PACKET_BYTES = 64 * 1024;
/** How long a dropped client may come back and recover its session (streams adapter only). */
const RECOVERY_WINDOW_MS = 2 * 60 * 1000;

/** What the Socket.IO server uses of the core, and the handlers installed features add. */
export interface RealtimeServices {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** the handshake verifies tokens itself, so the version read can share its Redis round trip */
  tokens: Pick<TokenService, 'verify'>;
  sessions: SessionVersions;
  contacts: ContactBook;
  actors: ActorProfiles;
  abuseLimits: AbuseLimits;
  presence: PresenceStore;
  announcedPresence: AnnouncedPresence;
  onPresenceReaped(listener: (userIds: string[]) => void): () => void;
  messages: MessageService;
  sync: SyncService;
  notifier: LateBoundNotifier;
  /** each installed feature's per-socket handlers */
  socketHandlers: readonly SocketHandlers[];
}

export interface Realtime {
  io: Server;
  adapter: LiveSocketAdapter;
  /** sockets connected to this instance */
  connections(): number;
  /**
   * Disconnects this instance's sockets, lets presence settle (offline announced after the
   * grace period only for users who did not reconnect elsewhere), then closes io and the adapter.
   */
  close(): Promise<void>;
}

/**
 * The Socket.IO server on the app's HTTP server: handshake auth, origin check, per-socket
 * event budget, per-event validation, the user room, presence, and the domain handlers. The
 * services emit through it once it is attached to services.notifier.
 */
export function startRealtime(
  http: HttpServer,
  services: RealtimeServices,
  adapter: LiveSocketAdapter,
  opts: { trace?: DeliveryTrace } = {},
): Realtime {
  const { config, logger, metrics } = services;
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(
    http,
    {
      path: '/socket.io',
      serveClient: true, // /socket.io/socket.io.esm.min.js for the /demo page
      maxHttpBufferSize: MAX_PACKET_BYTES,
      cors: { origin: config.corsOrigins.length > 0 ? config.corsOrigins : false, credentials: true },
      allowRequest: originCheck(config.corsOrigins),
      adapter: adapter.factory,
      ...(adapter.recovery
        ? {
            connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
          }
        : {}),
    },
  ) as unknown as Server;

  // delivery latency always; the trace across instances only while tracing is on. On each
  // transport's adapter: a broadcast that came over Redis is delivered by that one.
  adapter.onInner((inner) =>
    instrumentAdapter(inner as unknown as AdapterHooks, { metrics, trace: opts.trace }),
  );
  // read at scrape time: the adapter's maps must stay flat under connection churn (chaos soak)
  new Gauge({
    name: 'socketio_adapter_entries',
    help: "Entries of the Socket.IO adapter's maps on this instance: rooms and socket ids",
    labelNames: ['kind'] as const,
    registers: [metrics.registry],
    collect() {
      const a = io.of('/').adapter;
      this.set({ kind: 'rooms' }, a.rooms.size);
      this.set({ kind: 'sids' }, a.sids.size);
    },
  });
  const hold = new RecoveredPacketHold();
  hold.install(io.of('/'));
  const { eventBudget, socketCap, handshakeLimit } = services.abuseLimits;
  const addressOf = clientAddress(config.trustProxy);
  // The handshake's HTTP request (headers, socket, parser state) is most of an idle
  // connection's memory. What the connect path needs of it (the origin, checked in
  // allowRequest, and the client address) is read before it is let go; auth travels in the
  // CONNECT packet, and nothing later reads socket.request or handshake.headers.
  const addresses = new WeakMap<object, string>();
  io.engine.on('connection', (raw: { request: IncomingMessage | null }) => {
    if (raw.request) addresses.set(raw, addressOf(raw.request));
    raw.request = null;
  });
  const expiry = new SessionExpiry();
  const release = (userId: string, socket: Socket) => socketCap.release(userId, socket.id);
  io.use(
    socketAuth({
      sessions: {
        verify: (token) => services.tokens.verify(token),
        current: (id) => services.sessions.current(id),
      },
      hold,
      expiry,
      joined: () => adapter.joined(),
      // Handshakes per address bound what token guessing and reconnect storms cost. A failing
      // store lets the handshake through (the store falls back itself).
      allowHandshake: async (socket) => {
        if (await handshakeLimit.allow(addresses.get(socket.conn) ?? socket.handshake.address)) return true;
        metrics.rateLimited.inc({ limiter: 'handshake' });
        return false;
      },
      admit: async (userId, socket) => {
        if (!(await socketCap.admit(userId, socket.id))) {
          metrics.rateLimited.inc({ limiter: 'socket_cap' });
          return false;
        }
        // the transport may close before `connection` (no disconnect then); release is idempotent
        socket.conn.once('close', () => release(userId, socket));
        return true;
      },
      release,
    }),
  );

  // Cluster notices through the adapter (no-ops with the memory adapter, one instance; during
  // an adapter move on both transports, so an instance may hear one twice: each is idempotent).
  const serverSide = io as unknown as {
    serverSideEmit(event: string, ...args: unknown[]): boolean;
    on(event: string, listener: (...args: unknown[]) => void): void;
  };
  const tellOtherInstances = (event: string, payload: unknown) => {
    try {
      serverSide.serverSideEmit(event, payload);
    } catch (err) {
      logger.warn({ err, event }, 'cluster notice failed');
    }
  };
  // Logout and password change: every socket of the user, on every instance, is told and closed.
  const revokeHere = (userId: string) => {
    services.sessions.forget(userId);
    const sockets = io.local.in(userRoom(userId));
    sockets.emit('session:revoked', { code: 'UNAUTHORIZED', message: 'Session revoked' });
    sockets.disconnectSockets(true);
  };
  const stopRevocations = services.sessions.onBumped((userId) => {
    revokeHere(userId);
    tellOtherInstances('session:revoked', userId);
  });
  const stopContactNotices = services.contacts.onChanged((userIds) =>
    tellOtherInstances('contacts:changed', userIds),
  );
  const stopRenameNotices = services.actors.onRenamed((userId) =>
    tellOtherInstances('actors:renamed', userId),
  );
  serverSide.on('session:revoked', (userId) => {
    if (typeof userId === 'string') revokeHere(userId);
  });
  serverSide.on('contacts:changed', (userIds) => {
    if (Array.isArray(userIds)) services.contacts.forget(userIds.filter((id) => typeof id === 'string'));
  });
  serverSide.on('actors:renamed', (userId) => {
    if (typeof userId === 'string') services.actors.forget(userId);
  });

  const announcer = new PresenceAnnouncer({
    presence: services.presence,
    announced: services.announcedPresence,
    audienceOf: (id) => services.contacts.presenceAudience(id),
    knownAudience: (id) => services.contacts.knownAudience(id),
    notifier: services.notifier,
    graceMs: config.realtime.presenceGraceMs,
    logger,
  });
  const stopReapedFollowUp = services.onPresenceReaped((userIds) => {
    for (const id of userIds) void announcer.recheck(id);
  });
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>, what: string) => {
    const p = work.catch((err: unknown) => logger.warn({ err }, `${what} failed`));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  let connections = 0;
  const eventDeps = { logger, metrics };

  // A socket's handlers (closures over its user) are built when it sends its first event: an
  // idle connection, most of a large instance's, holds none of them.
  const registerHandlers = (socket: Socket, userId: string) => {
    const on = eventRegistrar(socket, eventDeps);
    registerMessageHandlers(on, {
      userId,
      socketId: socket.id,
      messages: services.messages,
      notifier: services.notifier,
      contacts: services.contacts,
    });
    registerPresenceHandlers(on, { userId, presence: services.presence, contacts: services.contacts });
    registerSyncHandler(on, { userId, sync: services.sync });
    const context = {
      userId,
      socketId: socket.id,
      join: (room: string) => socket.join(room),
      leave: (room: string) => socket.leave(room),
      joined: () => adapter.joined(),
    };
    for (const handlers of services.socketHandlers) handlers(on, context);
  };
  const take = (id: string) => eventBudget.take(id);

  io.on('connection', (socket: Socket) => {
    const userId = (socket.data as SocketData).userId;
    connections += 1;
    metrics.socketConnections.inc();
    socket.use(eventGate(socket, take, eventDeps, () => registerHandlers(socket, userId)));
    track(announcer.connected(userId, socket.id), 'presence add');
    socket.on('disconnect', () => {
      release(userId, socket);
      expiry.remove(socket);
      connections -= 1;
      metrics.socketConnections.dec();
      track(announcer.disconnected(userId, socket.id), 'presence remove');
    });
  });

  services.notifier.attach(new SocketNotifier(io, logger));
  logger.info({ adapter: adapter.name, recovery: adapter.recovery }, 'socket.io ready');

  const dropConnections = () => {
    for (const socket of io.of('/').sockets.values()) socket.conn.close();
  };
  let closing: Promise<void> | undefined;
  return {
    io,
    adapter,
    connections: () => connections,
    close: () => {
      closing ??= (async () => {
        // Close the connections, not the Socket.IO sessions: a client told "io server
        // disconnect" stays disconnected, one whose transport closes reconnects (to another
        // instance: this one no longer accepts). The adapter stays up until presence has
        // settled, so "offline" can still reach followers anywhere.
        dropConnections();
        stopReapedFollowUp();
        stopRevocations();
        stopContactNotices();
        stopRenameNotices();
        expiry.stop();
        while (inFlight.size > 0) await Promise.all(inFlight);
        await announcer.close();
        services.notifier.detach();
        // Not io.close(): it would also close the HTTP server and wait for every keep-alive
        // connection, before server.ts has started draining them. This is io.close() minus that.
        dropConnections();
        await io.of('/').adapter.close();
        io.engine.close();
        while (inFlight.size > 0) await Promise.all(inFlight);
        await adapter.close();
      })();
      return closing;
    },
  };
}
