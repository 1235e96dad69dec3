import { Types } from 'mongoose';
import { AppError } from '../../backend/errors/app-error';
import { decodeCursor, encodeCursor, toPage } from '../../backend/pagination/page-cursor';

describe('When a page cursor round-trips', () => {
  it('then it decodes to the same time and id', () => {
    const row = { createdAt: new Date('2026-01-02T03:04:05.678Z'), _id: new Types.ObjectId() };
    const back = decodeCursor(encodeCursor(row));
    expect(back?.createdAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(back?.id.equals(row._id)).toBe(true);
  });

  it.each([
    'garbage',
    Buffer.from('123.nothex').toString('base64url'),
    Buffer.from('{"$gt":1}').toString('base64url'),
  ])('then %s is a 400', (raw) => {
    try {
      decodeCursor(raw);
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(400);
    }
  });

  it('then no cursor means the first page', () => {
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
  });
});

describe('When rows are paged', () => {
  const rows = Array.from({ length: 3 }, (_, i) => ({
    createdAt: new Date(1000 - i),
    _id: new Types.ObjectId(),
  }));
  it('then an extra row means a next cursor pointing at the last row kept', () => {
    const page = toPage(rows, 2, (r) => r._id.toHexString());
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor!)?.id.equals(rows[1]!._id)).toBe(true);
  });
  it('then no extra row means the end', () => {
    expect(toPage(rows, 3, (r) => r).nextCursor).toBeNull();
  });
});
