// First, and for its effect: a feature may patch modules as they load (tracing's
// instrumentations must be in place before express, mongodb, ioredis and socket.io load). A
// side-effect import also keeps the import sorter from moving it.
import './features/installed-features';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import { OpenFeature } from '@openfeature/server-sdk';
import { createApp } from './app';
import { type Config, ConfigError, loadConfig } from './config/config';
import { LiveFlagsProvider } from './flags/live-flags-provider';
import { rateLimitsProbe } from './health/rate-limits-probe';
import { RedisRefusedError } from './infra/redis';
import { tuneGarbageCollector } from './infra/tune-garbage-collector';
import { type Realtime, startRealtime } from './realtime/start-realtime';
import { createServices, type Services } from './services';
import { installDrainGate } from './shutdown/drain-gate';

export interface RunningServer {
  port: number;
  services: Services;
  http: Server;
  realtime: Realtime;
  /** the graceful shutdown sequence; resolves when everything is closed */
  shutdown(reason: string): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** how long a connection accepted just before we stop listening may take to send its request */
const ACCEPT_SETTLE_MS = 300;

/** How this host reaches the bound address: loopback when every interface is bound. */
function reachableHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts on config.port (0 = a free port) and returns the port actually bound. */
export async function startServer(config: Config): Promise<RunningServer> {
  const services = await createServices(config);
  // Code may also read flags through OpenFeature's vendor-neutral API (docs/openfeature.md).
  const flagsProvider = new LiveFlagsProvider(services.flags);
  OpenFeature.setProvider(flagsProvider);
  const app = createApp(services);
  // Slow clients: the headers within headersTimeout, the whole request within requestTimeout
  // (408, then close). Node checks them every connectionsCheckingInterval (default 30 s, which
  // would hold a slow client that much longer): a quarter of the headers timeout here. A
  // keep-alive connection idle between requests has no request in progress, so only
  // keepAliveTimeout applies to it (longer than the balancer's own, so the balancer closes first).
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  const http = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
    },
    app,
  );
  http.keepAliveTimeout = keepAliveTimeoutMs;
  // Attached before listen, so no Socket.IO request ever reaches Express. The adapter starts
  // on the flag's value (an override included) and moves live when the flag changes.
  const adapter = services.socketAdapter();
  const realtime = startRealtime(http, services, adapter, { trace: services.deliveryTrace });
  services.health.setProbe('socket', () => {
    const shadow = adapter.shadowDelivery();
    return {
      status: adapter.connected() ? 'ok' : 'fail',
      connections: realtime.connections(),
      adapter: adapter.name,
      migration: adapter.migration(),
      ...(shadow.since ? { shadow } : {}),
    };
  });
  services.health.setProbe(
    'rateLimits',
    rateLimitsProbe(services.flags, services.rateLimits, services.abuseLimits),
  );
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    // HOST unset: every interface; a worker behind a proxy on this host binds 127.0.0.1
    http.listen({ port: config.port, host: config.host }, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  services.logger.info({ port, host: config.host ?? 'all interfaces', env: config.env }, 'listening');
  services.heartbeat?.setUrl(config.instances.url ?? `http://${reachableHost(config.host)}:${port}`);

  const gate = installDrainGate(http);

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    closing ??= (async () => {
      const log = services.logger;
      log.info({ reason }, 'shutdown: readiness off, draining');
      services.readiness.startDraining();
      // New Socket.IO sessions start elsewhere; keep-alive connections stay (drain-gate.ts).
      gate.drain();
      // Load balancers that probe see the 503 on /health/ready and stop sending.
      await sleep(config.shutdown.drainMs);
      // Stop accepting first, so the sockets disconnected next reconnect to another instance.
      // net.Server's close, not http.Server's: the latter also cuts connections that are idle
      // at this instant, which includes one just accepted whose first request is on its way.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(http, () => resolve()));
      // Every response from here on says Connection: close: a busy keep-alive client's next
      // connection is refused here before it sends anything, so it goes elsewhere, instead of
      // racing our close of its idle socket.
      gate.close();
      const realtimeClosed = realtime.close();
      // A connection accepted just before the close gets its request parsed (and answered with
      // Connection: close); only then is an idle socket one that is really idle.
      await sleep(ACCEPT_SETTLE_MS);
      http.closeIdleConnections();
      const sweeper = setInterval(() => http.closeIdleConnections(), 100);
      // In-flight requests get the budget minus a margin for Redis and Mongo to close cleanly.
      const budget = Math.max(1000, config.shutdown.timeoutMs - config.shutdown.drainMs - 3000);
      const cutoff = setTimeout(() => http.closeAllConnections(), budget);
      await realtimeClosed;
      await closed;
      clearInterval(sweeper);
      clearTimeout(cutoff);
      await services.close();
      if (OpenFeature.getProvider() === flagsProvider) await OpenFeature.clearProviders();
      else await flagsProvider.onClose();
      log.info('shutdown: done');
      log.flush?.();
    })();
    return closing;
  };

  return { port, services, http, realtime, shutdown };
}

async function main(): Promise<void> {
  tuneGarbageCollector();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const server = await startServer(config);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // Signals repeat in practice (a process group and its supervisor both forward one, pm2
    // re-sends SIGINT): later ones join the shutdown in progress. The timer bounds it.
    if (stopping) {
      server.services.logger.info({ signal }, 'shutdown already in progress');
      return;
    }
    stopping = true;
    const timer = setTimeout(() => {
      server.services.logger.error({ signal }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdown.timeoutMs);
    timer.unref();
    server.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        server.services.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (err) => server.services.logger.error({ err }, 'unhandled rejection'));
  // pm2's wait_ready: only now is this instance able to take traffic
  process.send?.('ready');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // Redis refusing the credentials or TLS is configuration, like a ConfigError: the message
    // says what to fix, a stack would only bury it
    const text = err instanceof RedisRefusedError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`failed to start: ${text}\n`);
    process.exit(1);
  });
}
