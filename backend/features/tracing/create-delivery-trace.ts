import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { DeliveryTrace } from '../../realtime/instrument-adapter';

/**
 * Continues a broadcast's trace on each instance that delivers it: the emitter injects its
 * context (W3C traceparent) into the adapter envelope, each deliverer starts a consumer span
 * under it. Only required while tracing is on.
 */
export function createDeliveryTrace(): DeliveryTrace {
  const tracer = trace.getTracer('social-scale');
  return {
    inject() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent ? carrier : undefined;
    },
    deliver(carrier, event, run) {
      const parent = propagation.extract(ROOT_CONTEXT, carrier);
      return tracer.startActiveSpan(
        `deliver ${event}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'socket.io',
            'messaging.operation.type': 'process',
            'messaging.destination.name': event,
          },
        },
        parent,
        (span) => {
          try {
            const recipients = run();
            span.setAttribute('socket.io.recipients', recipients);
            return recipients;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}
