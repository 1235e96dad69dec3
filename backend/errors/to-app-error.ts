import mongoose from 'mongoose';
import { AppError, ConflictError, UnavailableError, ValidationError } from './app-error';
import { isDuplicateKey } from './is-duplicate-key';

interface HttpishError {
  type?: string;
  status?: number;
  code?: number | string;
}

/**
 * Maps any thrown value to an AppError. Known client mistakes that escape validation
 * (body-parser, mongoose casts, duplicate keys) become 4xx; anything else is a 500.
 * Shared by the HTTP error middleware and socket acks so both speak one shape.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as HttpishError;
  if (e.type === 'entity.parse.failed') return new ValidationError('Malformed JSON body');
  if (e.type === 'entity.too.large') return new AppError(413, 'PAYLOAD_TOO_LARGE', 'Request body too large');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
    return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
  if (err instanceof mongoose.Error.CastError) return new ValidationError(`Invalid value for ${err.path}`);
  if (err instanceof mongoose.Error.ValidationError)
    return new ValidationError(
      'Invalid input',
      Object.values(err.errors).map((x) => ({ path: x.path, message: x.message })),
    );
  if (err instanceof mongoose.Error.StrictModeError) return new ValidationError(err.message);
  if (isDuplicateKey(err)) return new ConflictError('Already exists');
  if (isDatabaseUnavailable(err)) return new UnavailableError('Database unavailable, try again');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new AppError(e.status, 'BAD_REQUEST', 'Bad request');
  return new AppError(500, 'INTERNAL', 'Internal error');
}

const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

function isDatabaseUnavailable(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  if (UNAVAILABLE_NAMES.has(name)) return true;
  // mongoose with bufferCommands off, while disconnected
  return (
    err instanceof mongoose.Error &&
    /before initial connection|not connected|connection .* closed/i.test(err.message)
  );
}
