import { startTracing } from './start-tracing';

/**
 * Starts OpenTelemetry on import when OTEL_EXPORTER_OTLP_ENDPOINT is set (undefined otherwise,
 * having loaded no SDK module). The registry (../installed-features.ts) imports this module
 * first and server.ts imports the registry first, both as side-effect imports (which the import
 * sorter never moves), so the instrumentations are in place before express, mongodb, ioredis and
 * socket.io load. Another entry point can preload it:
 * node --require ./dist/backend/features/tracing/register.js
 */
export const sdk = startTracing();
