import { startTracing } from './start-tracing';

/**
 * Imported first by server.ts (or preloaded: node --require ./dist/backend/tracing/register.js),
 * so the instrumentations are in place before express, mongodb, ioredis and socket.io load.
 */
export const tracing = startTracing();
