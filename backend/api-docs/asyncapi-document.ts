import { z } from 'zod';
import { appErrorSchema } from '../errors/error-envelope';
import type { ClientEvent } from '../realtime/client-events';
import type { ServerEvent } from '../realtime/server-events';

type JsonSchema = Record<string, unknown>;
export type AsyncApiDocument = Record<string, unknown>;

/**
 * zod's own JSON Schema (draft-07, AsyncAPI's default schema format), with the named schemas
 * (.meta({id})) hoisted into components.schemas: a $ref inside a message payload resolves
 * against the whole document, not the payload.
 */
function schemaCollector() {
  const components: Record<string, JsonSchema> = {};
  const retarget = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(retarget);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/definitions/', '#/components/schemas/')
          : retarget(v);
    }
    return out;
  };
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const {
      definitions,
      $schema: _dialect,
      ...root
    } = z.toJSONSchema(schema, {
      target: 'draft-7',
      io,
      unrepresentable: 'any',
    }) as JsonSchema & { definitions?: Record<string, JsonSchema> };
    for (const [id, def] of Object.entries(definitions ?? {})) components[id] = retarget(def) as JsonSchema;
    return retarget(root) as JsonSchema;
  };
  return { convert, components };
}

/** AsyncAPI component keys allow [A-Za-z0-9._-]: message:send → client.message.send */
const key = (side: 'client' | 'server', name: string) => `${side}.${name.replace(/[^\w.-]/g, '.')}`;

/** The AsyncAPI 3.0 document of the Socket.IO events, from the same schemas the handlers parse with. */
export function asyncApiDocument(
  clientEvents: readonly ClientEvent[],
  serverEvents: readonly ServerEvent[],
  version: string,
): AsyncApiDocument {
  const { convert, components } = schemaCollector();
  const channel = { $ref: '#/channels/socket' };
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const message = (id: string, body: Record<string, unknown>) => {
    messages[id] = { contentType: 'application/json', ...body };
    channelMessages[id] = { $ref: `#/components/messages/${id}` };
    return { $ref: `#/channels/socket/messages/${id}` };
  };
  for (const e of clientEvents) {
    const id = key('client', e.name);
    const sent = message(id, {
      name: e.name,
      title: e.name,
      summary: e.summary,
      payload: convert(e.payload, 'input'),
    });
    const ack = message(`${id}.ack`, {
      name: `${e.name} ack`,
      title: `${e.name} ack`,
      summary: 'the acknowledgement: {ok: true, …} or {ok: false, error}',
      payload: convert(
        z.union([
          e.reply.extend({ ok: z.literal(true) }),
          z.object({ ok: z.literal(false), error: appErrorSchema }),
        ]),
        'output',
      ),
    });
    operations[id] = {
      action: 'receive',
      channel,
      title: e.name,
      summary: e.summary,
      messages: [sent],
      ...(e.acked === false
        ? { description: 'no ack expected; one is answered when the client passes a callback' }
        : {}),
      reply: { channel, messages: [ack] },
    };
  }
  for (const e of serverEvents) {
    const id = key('server', e.name);
    const sent = message(id, {
      name: e.name,
      title: e.name,
      summary: e.summary,
      payload: convert(e.payload, 'output'),
    });
    operations[id] = { action: 'send', channel, title: e.name, summary: e.summary, messages: [sent] };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'social-scale realtime API',
      version,
      description:
        'Socket.IO 4 on the default namespace. Connect with `auth: {token}` (the JWT from /api/auth/login); a missing or bad token fails the handshake with connect_error UNAUTHORIZED. Client events are answered on their ack. A per-user event budget answers RATE_LIMITED when exceeded; an unknown event answers NOT_FOUND.',
    },
    defaultContentType: 'application/json',
    servers: {
      app: {
        host: '{host}',
        protocol: 'ws',
        pathname: '/socket.io',
        description: 'this app (Socket.IO over WebSocket or HTTP long-polling)',
        variables: { host: { default: 'localhost:5000' } },
        security: [{ $ref: '#/components/securitySchemes/jwt' }],
      },
    },
    channels: {
      socket: { address: '/', title: 'default namespace', messages: channelMessages },
    },
    operations,
    components: {
      schemas: components,
      messages,
      securitySchemes: {
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "sent as the handshake's `auth.token`, not a header",
        },
      },
    },
  };
}
