// pm2: several instances of the built server on one host, reloaded one at a time with no
// dropped requests. `npm run build && pm2 start ecosystem.config.js --env production`,
// then `pm2 reload social-scale` for a zero-downtime deploy.
module.exports = {
  apps: [
    {
      name: 'social-scale',
      script: 'dist/backend/server.js',
      node_args: '--enable-source-maps',
      // cluster mode shares one port between workers; Socket.IO then needs sticky sessions
      // or WebSocket-only clients, and the Redis adapter to reach sockets on other workers.
      exec_mode: 'cluster',
      instances: process.env.PM2_INSTANCES || 2,
      // the server calls process.send('ready') once it listens with its database connected
      wait_ready: true,
      listen_timeout: 15000,
      // SIGINT starts the graceful shutdown; this must exceed drain + close time
      kill_timeout: 20000,
      shutdown_with_message: false,
      max_memory_restart: '512M',
      env: {
        NODE_ENV: 'development',
      },
      env_production: {
        NODE_ENV: 'production',
        SOCKET_ADAPTER: 'redis',
        TRUST_PROXY: '1',
      },
    },
  ],
};
