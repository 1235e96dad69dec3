// pm2 on one host: `npm run build`, then
//   PORT=5000 MONGO_URL=... REDIS_URL=... JWT_SECRET=... npx pm2 start ecosystem.config.js --env production
// serves HTTP and every Socket.IO client (long-polling first, as browsers start) on PORT, and
//   npx pm2 reload social-scale
// replaces the workers one at a time with no failed request (README: "Running many instances").
//
// Why workers on their own ports behind nginx, and not pm2's cluster mode: cluster mode hands
// each TCP connection to any worker, so the polling requests of one Socket.IO session land on
// workers that do not know it (20 of 20 default clients failed). @socket.io/pm2 fixes that by
// forking pm2, tunnelling every HTTP request through the pm2 daemon over IPC as text and routing
// new connections to a worker that is already shutting down during a reload. Here each worker
// listens on PORT+1..PORT+N (one fork-mode app each), and the shipped deploy/nginx/nginx.conf,
// run as the second app, listens on PORT: sticky polling, WebSocket upgrades, and retries on the
// next worker while one drains (the same config the staging topology and its tests use).
// Needs an nginx binary (apt-get install nginx-light).
const basePort = Number(process.env.PORT || 5000);
const workers = Number(process.env.PM2_INSTANCES || 2);
const workerPorts = Array.from({ length: workers }, (_, i) => basePort + 1 + i);
// the server's own drain and hard limit (.env.example); pm2 must wait longer before SIGKILL
const drainMs = Number(process.env.SHUTDOWN_DRAIN_MS || 2000);
const shutdownTimeoutMs = Math.max(Number(process.env.SHUTDOWN_TIMEOUT_MS || 15000), drainMs + 1000);

/** one pm2 app per worker: pm2's increment_var does not survive a reload (a reloaded worker
 * comes back on the first worker's port), so each worker names its own PORT */
const worker = (port, i) => ({
  name: `social-scale-${i + 1}`,
  // `pm2 reload social-scale` reloads every worker of this namespace, and not nginx
  namespace: 'social-scale',
  script: 'dist/backend/server.js',
  node_args: '--enable-source-maps',
  exec_mode: 'fork',
  // the server calls process.send('ready') once it listens with its database connected;
  // a reload moves on to the next worker only after this one is ready again
  wait_ready: true,
  listen_timeout: 30000,
  // SIGINT starts the graceful shutdown (drain, close, in-flight requests finish)
  kill_timeout: shutdownTimeoutMs + 5000,
  shutdown_with_message: false,
  max_memory_restart: '512M',
  env: {
    PORT: String(port),
    // only the local nginx may reach a worker: a client that could connect directly would
    // choose its own address with X-Forwarded-For, which TRUST_PROXY=1 believes for one hop
    HOST: '127.0.0.1',
    SHUTDOWN_DRAIN_MS: String(drainMs),
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    NODE_ENV: 'development',
  },
  env_production: {
    NODE_ENV: 'production',
    // sockets of one user sit on several workers: rooms, presence and rate limits are shared
    SOCKET_ADAPTER: process.env.SOCKET_ADAPTER || 'redis',
    PRESENCE_MODE: process.env.PRESENCE_MODE || 'redis',
    RATE_LIMIT_STORE: process.env.RATE_LIMIT_STORE || 'redis',
    // nginx is the one hop in front, and (HOST) the only one that can connect
    TRUST_PROXY: '1',
  },
});

module.exports = {
  apps: [
    ...workerPorts.map(worker),
    {
      name: 'social-scale-lb',
      namespace: 'social-scale-lb',
      script: 'dist/scripts/staging/nginx-front.js',
      exec_mode: 'fork',
      instances: 1,
      wait_ready: true,
      listen_timeout: 10000,
      kill_timeout: 10000,
      // a missing nginx binary fails the same way every time: say so, do not spin
      max_restarts: 3,
      env: {
        LB_PORT: String(basePort),
        UPSTREAM_PORTS: workerPorts.join(','),
      },
    },
  ],
};
