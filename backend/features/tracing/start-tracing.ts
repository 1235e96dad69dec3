import { hostname } from 'node:os';
import type { DeliveryTrace } from '../../realtime/instrument-adapter';

type Env = Record<string, string | undefined>;

export interface Tracing {
  /** flushes spans still buffered, then stops exporting; part of the graceful shutdown */
  shutdown(): Promise<void>;
  /** carries a broadcast's trace across instances in the adapter payload */
  delivery: DeliveryTrace;
}

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** On when OTEL_EXPORTER_OTLP_ENDPOINT is set (and OTEL_SDK_DISABLED is not true). */
export function tracingWanted(env: Env): boolean {
  return (
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true'
  );
}

/**
 * OpenTelemetry for HTTP/Express, the MongoDB driver, ioredis and Socket.IO, exported over
 * OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. Must run before express, mongodb, ioredis and
 * socket.io are first required: instrumentations patch modules as they load (register.ts is
 * server.ts's first import). Without the endpoint it returns undefined having required no
 * OpenTelemetry module, so off costs nothing. The SDK reads the other standard OTEL_* variables
 * itself (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_EXPORTER_OTLP_HEADERS…).
 */
export function startTracing(env: Env = process.env): Tracing | undefined {
  if (!tracingWanted(env)) return undefined;
  // Required here, not imported at the top, so a process without tracing never loads them.
  const { NodeTracerProvider, BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { MongoDBInstrumentation } =
    require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { SocketIoInstrumentation } =
    require('@opentelemetry/instrumentation-socket.io') as typeof import('@opentelemetry/instrumentation-socket.io');

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME?.trim() || 'social-scale',
      'service.instance.id': env.INSTANCE_ID?.trim() || `${hostname()}-${process.pid}`,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global tracer provider, AsyncLocalStorage context and W3C trace-context propagation.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // probes and scrapes every few seconds would bury the traces worth reading
        ignoreIncomingRequestHook: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]!),
      }),
      new ExpressInstrumentation(),
      // only inside a traced request or event: the flag poll and heartbeats stay out
      new MongoDBInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new SocketIoInstrumentation(),
    ],
  });
  const { createDeliveryTrace } =
    require('./create-delivery-trace') as typeof import('./create-delivery-trace');
  return { shutdown: () => provider.shutdown(), delivery: createDeliveryTrace() };
}
