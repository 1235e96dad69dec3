import mongoose from 'mongoose';
import { AppError, NotFoundError } from '../../backend/errors/app-error';
import { toAppError } from '../../backend/errors/to-app-error';

describe('When an error is mapped for a client', () => {
  it('then AppErrors pass through', () => {
    const e = new NotFoundError('Post');
    expect(toAppError(e)).toBe(e);
    expect(e.toJSON()).toEqual({ code: 'NOT_FOUND', message: 'Post not found' });
  });

  it.each([
    [{ type: 'entity.parse.failed' }, 400, 'VALIDATION_FAILED'],
    [{ type: 'entity.too.large' }, 413, 'PAYLOAD_TOO_LARGE'],
    [{ code: 11000 }, 409, 'CONFLICT'],
    [new mongoose.Error.CastError('ObjectId', 'zzz', '_id'), 400, 'VALIDATION_FAILED'],
    [Object.assign(new Error('x'), { name: 'MongoServerSelectionError' }), 503, 'UNAVAILABLE'],
    [new Error('boom'), 500, 'INTERNAL'],
    [undefined, 500, 'INTERNAL'],
  ])('then %p becomes %i %s', (input, status, code) => {
    const e = toAppError(input);
    expect(e).toBeInstanceOf(AppError);
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
  });

  it('then an internal error never leaks its message', () => {
    expect(toAppError(new Error('password=hunter2')).message).toBe('Internal error');
  });
});
