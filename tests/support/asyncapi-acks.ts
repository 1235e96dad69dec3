import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type supertest from 'supertest';
import type { ClientSocket } from './socket-clients';

/**
 * The ack schemas of the server's /asyncapi.json: `ackOf(event)` validates the ack of a client
 * event, and throws when the document has none for it.
 */
export async function ackSchemas(
  http: ReturnType<typeof supertest>,
): Promise<(event: string) => ValidateFunction> {
  const res = await http.get('/asyncapi.json').expect(200);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(res.body, 'asyncapi');
  return (event: string) => {
    const validate = ajv.getSchema(
      `asyncapi#/components/messages/client.${event.replace(':', '.')}.ack/payload`,
    );
    if (!validate) throw new Error(`no ack schema for ${event}`);
    return validate;
  };
}

/** Emits each [event, payload] on `socket`, in turn: how their acks miss their schemas (none: all match). */
export async function ackProblems(
  socket: ClientSocket,
  calls: Array<[string, unknown]>,
  ackOf: (event: string) => ValidateFunction,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [event, payload] of calls) {
    const ack = (await socket.timeout(5000).emitWithAck(event, payload)) as { ok: boolean };
    const validate = ackOf(event);
    if (!validate(ack))
      problems.push(`${event}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(ack)}`);
  }
  return problems;
}
