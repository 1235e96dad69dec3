import mongoose, { type Connection } from 'mongoose';
import { freshMongoUrl } from '../support/test-env';

/**
 * The counters (followers, likes, unread) rely on MongoDB's per-document atomicity. FerretDB
 * v1 alone loses concurrent updates; the project's wrapper (scripts/ferretdb) serializes
 * writes so the development server keeps the guarantee. This pins it for both servers.
 */
let a: Connection;
let b: Connection;
beforeAll(async () => {
  const url = freshMongoUrl('atomic');
  a = await mongoose.createConnection(url).asPromise();
  b = await mongoose.createConnection(url).asPromise();
});
afterAll(async () => {
  await a.dropDatabase();
  await Promise.all([a.close(), b.close()]);
});

describe('When many clients update one document at once', () => {
  it('then no $inc is lost, across connections', async () => {
    const col = a.collection<{ _id: number; n: number }>('counters');
    await col.insertOne({ _id: 1, n: 0 });
    await Promise.all(
      [a, b].flatMap((conn) =>
        Array.from({ length: 25 }, () =>
          conn.collection<{ _id: number; n: number }>('counters').updateOne({ _id: 1 }, { $inc: { n: 1 } }),
        ),
      ),
    );
    expect((await col.findOne({ _id: 1 }))?.n).toBe(50);
  });

  it('then a compare-and-set on a version has exactly one winner', async () => {
    const col = a.collection<{ _id: number; v: number }>('versions');
    await col.insertOne({ _id: 1, v: 0 });
    const results = await Promise.all(
      [a, b].flatMap((conn) =>
        Array.from({ length: 10 }, () =>
          conn
            .collection<{ _id: number; v: number }>('versions')
            .updateOne({ _id: 1, v: 0 }, { $inc: { v: 1 } }),
        ),
      ),
    );
    expect(results.reduce((sum, r) => sum + r.modifiedCount, 0)).toBe(1);
    expect((await col.findOne({ _id: 1 }))?.v).toBe(1);
  });
});
