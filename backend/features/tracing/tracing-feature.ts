import type { Feature } from '../feature';
// the SDK, started when the registry first imported register.ts (undefined when tracing is off)
import { sdk } from './register';

/**
 * OpenTelemetry traces over OTLP/HTTP (HTTP/Express, MongoDB, ioredis, Socket.IO, and a message's
 * trace continued on the instance that delivers it). Off, and free, unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export const tracing: Feature = {
  name: 'tracing',
  description: 'OpenTelemetry traces over OTLP (HTTP, MongoDB, Redis, Socket.IO, across instances), opt-in',
  create: () => {
    const running = sdk;
    if (!running) return {};
    return {
      deliveryTrace: running.delivery,
      // after everything else has closed, so the spans of the shutdown itself are exported too
      flush: () => running.shutdown(),
    };
  },
};
