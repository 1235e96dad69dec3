import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every series of the contract in one registry per process (per test app, so tests do not
 * share counters). Names follow Prometheus conventions: _seconds, _total.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const r = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    socketConnections: new Gauge({
      name: 'socketio_connections',
      help: 'Socket.IO connections open on this instance',
      registers: r,
    }),
    socketEvents: new Counter({
      name: 'socketio_events_total',
      help: 'Socket.IO events handled, by event and outcome',
      labelNames: ['event', 'outcome'] as const,
      registers: r,
    }),
    socketDelivery: new Histogram({
      name: 'socketio_delivery_seconds',
      help: 'From a broadcast handed to the adapter on the emitting instance to its packet written to the recipients on this one, by event (across hosts this relies on synchronised clocks)',
      labelNames: ['event'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
    redisDuration: new Histogram({
      name: 'redis_command_duration_seconds',
      help: 'Redis command duration by client role and outcome',
      labelNames: ['client', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: r,
    }),
    mongoDuration: new Histogram({
      name: 'mongo_command_duration_seconds',
      help: 'MongoDB command duration by command and outcome',
      labelNames: ['command', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: r,
    }),
    cacheRequests: new Counter({
      name: 'cache_requests_total',
      help: 'Cache lookups by result: hit, miss, error (an error reads the database)',
      labelNames: ['cache', 'result'] as const,
      registers: r,
    }),
    presenceReads: new Counter({
      name: 'presence_reads_total',
      help: 'Presence lookups by the store that answered (redis, memory, memory-fallback)',
      labelNames: ['store'] as const,
      registers: r,
    }),
    presenceShadow: new Counter({
      name: 'presence_shadow_reads_total',
      help: 'Shadow comparisons of the two presence stores by result: match, mismatch, error',
      labelNames: ['result'] as const,
      registers: r,
    }),
    presenceSecondaryFailures: new Counter({
      name: 'presence_secondary_failures_total',
      help: 'Best-effort writes or reads to the secondary presence store that failed',
      labelNames: ['op'] as const,
      registers: r,
    }),
    breakerState: new Gauge({
      name: 'redis_breaker_state',
      help: 'Circuit breaker state for the fail-fast Redis client: 0 closed, 1 half-open, 2 open',
      labelNames: ['breaker'] as const,
      registers: r,
    }),
    flagRefreshes: new Counter({
      name: 'flag_refreshes_total',
      help: 'Re-reads of flag overrides by trigger: start, poll, message (Redis), reconnect, local',
      labelNames: ['trigger'] as const,
      registers: r,
    }),
    flagVersion: new Gauge({
      name: 'flag_version',
      help: 'Highest flag change version applied on this instance',
      registers: r,
    }),
    messageBatchSize: new Histogram({
      name: 'message_batch_size',
      help: 'Messages per write batch of the message pipeline',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: r,
    }),
    messageStageSeconds: new Histogram({
      name: 'message_stage_seconds',
      help: 'Time of a persisted send per stage: queue (submit to its batch), insert, journal (outbox), conversation (update), message_new (submit to message:new), ack (submit to ack)',
      labelNames: ['stage'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024],
      registers: r,
    }),
    messageQueueDepth: new Gauge({
      name: 'message_queue_depth',
      help: 'Sends waiting for the next write batch on this instance',
      registers: r,
    }),
    messageRejections: new Counter({
      name: 'message_pipeline_rejections_total',
      help: 'Sends refused UNAVAILABLE because the pipeline queue was full',
      registers: r,
    }),
    rateLimited: new Counter({
      name: 'rate_limited_total',
      help: 'Requests refused with 429, by limiter',
      labelNames: ['limiter'] as const,
      registers: r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
