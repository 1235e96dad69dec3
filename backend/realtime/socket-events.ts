import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, RateLimitedError, ValidationError } from '../errors/app-error';
import { toAppError } from '../errors/to-app-error';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import { parseInput } from '../validation/parse-input';
import type { ClientEvent } from './client-events';
import { operatorKeyPath } from './operator-keys';

export type Ack = (response: object) => void;

/**
 * Its result is the ack (besides `ok: true`), typed by the event's documented reply; a handler
 * that can answer at once returns it without a promise.
 */
export type EventHandler<S extends z.ZodType, R extends z.ZodObject = z.ZodObject> = (
  input: z.infer<S>,
) => z.infer<R> | Promise<z.infer<R>>;

/** Registers one validated event on a socket; what every domain's handlers use. */
export type OnEvent = <S extends z.ZodType, R extends z.ZodObject>(
  event: ClientEvent<S, R>,
  handler: EventHandler<S, R>,
) => void;

/** What a connected socket offers the handlers a capability registers on it. */
export interface SocketContext {
  userId: string;
  socketId: string;
  join(room: string): void | Promise<void>;
  leave(room: string): void | Promise<void>;
  /** resolves once joined rooms receive broadcasts from other instances (the sharded adapter subscribes per room) */
  joined(): Promise<void>;
}

/**
 * Registers one capability's event handlers on a socket, when the socket sends its first event
 * (an idle socket holds no handlers); only event handlers belong here, nothing a socket needs
 * before it speaks.
 */
export type SocketHandlers = (on: OnEvent, socket: SocketContext) => void;

export interface EventDeps {
  logger: Logger;
  metrics: Pick<Metrics, 'socketEvents' | 'rateLimited'>;
}

function failure(err: AppError): object {
  return { ok: false, error: err.toJSON() };
}

function answer(ack: Ack | undefined, response: object, logger: Logger): void {
  if (!ack) return;
  try {
    ack(response);
  } catch (err) {
    logger.warn({ err }, 'socket ack failed');
  }
}

function splitAck(args: unknown[]): { payload: unknown; ack: Ack | undefined } {
  const last = args[args.length - 1];
  const ack = typeof last === 'function' ? (last as Ack) : undefined;
  return { payload: args[0] === ack ? undefined : args[0], ack };
}

/**
 * Per socket: every event is validated with its zod schema, answered on its ack with
 * `{ok: true, ...}` or the contract's error shape, counted, and never allowed to throw out of
 * the listener (a rejected promise there would be an unhandled rejection, not a 500).
 */
export function eventRegistrar(socket: Socket, deps: EventDeps): OnEvent {
  return ({ name: event, payload: schema }, handler) => {
    // the labelled child once per registration, not a label lookup per event
    const handled = deps.metrics.socketEvents.labels({ event, outcome: 'ok' });
    const fail = (err: unknown, ack: Ack | undefined) => {
      const appErr = toAppError(err);
      const fault = appErr.status >= 500;
      deps.metrics.socketEvents.inc({ event, outcome: fault ? 'error' : 'rejected' });
      if (fault) deps.logger.error({ err, event, userId: socket.data.userId }, 'socket event failed');
      else deps.logger.debug({ event, code: appErr.code }, appErr.message);
      answer(ack, failure(appErr), deps.logger);
    };
    const done = (result: object, ack: Ack | undefined) => {
      handled.inc();
      if (ack) answer(ack, { ok: true, ...result }, deps.logger);
    };
    // Not an async listener: a handler that answers synchronously (typing to a known partner)
    // costs no promise, and one that returns a promise is settled the same way.
    socket.on(event, (...args: unknown[]) => {
      const { payload, ack } = splitAck(args);
      let result: object | Promise<object>;
      try {
        const hostile = operatorKeyPath(payload);
        if (hostile)
          throw new ValidationError('Invalid input', [{ path: hostile.split(':')[0]!, message: hostile }]);
        result = handler(parseInput(schema, payload, event));
      } catch (err) {
        fail(err, ack);
        return;
      }
      if (result instanceof Promise)
        result.then(
          (r) => done(r, ack),
          (err: unknown) => fail(err, ack),
        );
      else done(result, ack);
    });
  };
}

/** Events of one socket waiting on the budget store at once; more are refused, not queued. */
const MAX_PENDING_PER_SOCKET = 64;

/**
 * socket.use: runs before any listener. Spends one event of the user's budget (shared by all
 * of the user's sockets; over budget: answered RATE_LIMITED and dropped) and answers events
 * nobody listens to, so a client waiting on an ack for a mistyped event name gets NOT_FOUND
 * instead of a timeout.
 */
export function eventGate(
  socket: Socket,
  take: (userId: string) => boolean | Promise<boolean>,
  deps: EventDeps,
  /** registers the socket's handlers, called once before its first event is looked at */
  firstEvent?: () => void,
) {
  let pending = 0;
  let prepare = firstEvent;
  const userId = String(socket.data.userId);
  const refuse = (name: string, known: boolean, ack: Ack | undefined) => {
    deps.metrics.rateLimited.inc({ limiter: 'socket' });
    deps.metrics.socketEvents.inc({ event: known ? name : 'unknown', outcome: 'rate_limited' });
    answer(ack, failure(new RateLimitedError('Too many events')), deps.logger);
  };
  const pass = (known: boolean, ack: Ack | undefined, next: (err?: Error) => void) => {
    if (known) return next();
    deps.metrics.socketEvents.inc({ event: 'unknown', outcome: 'rejected' });
    answer(ack, failure(new AppError(404, 'NOT_FOUND', 'Unknown event')), deps.logger);
  };
  return (packet: unknown[], next: (err?: Error) => void): void | Promise<void> => {
    if (prepare) {
      const register = prepare;
      prepare = undefined;
      register();
    }
    const event = packet[0];
    const name = typeof event === 'string' ? event : '';
    const known = name !== '' && socket.listenerCount(name) > 0;
    const last = packet.length > 1 ? packet[packet.length - 1] : undefined;
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    if (pending >= MAX_PENDING_PER_SOCKET) return refuse(name, known, ack);
    let spent: boolean | Promise<boolean>;
    try {
      spent = take(userId);
    } catch {
      spent = true; // the budget fails open; its stores fall back on their own
    }
    // the common case (a budget answered from memory) stays synchronous: no promise per event
    if (typeof spent === 'boolean') return spent ? pass(known, ack, next) : refuse(name, known, ack);
    pending += 1;
    return spent.then(
      (allowed) => {
        pending -= 1;
        if (allowed) pass(known, ack, next);
        else refuse(name, known, ack);
      },
      () => {
        pending -= 1;
        pass(known, ack, next); // fails open, as above
      },
    );
  };
}
