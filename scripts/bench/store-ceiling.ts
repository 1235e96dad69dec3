import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

export interface StoreCeiling {
  /** one insertOne at a time */
  sequentialInsertsPerSecond: number;
  /** insertOne with `concurrency` in flight */
  concurrentInsertsPerSecond: number;
  concurrency: number;
  /** insertMany of 50 documents, one batch at a time: documents per second */
  insertManyDocsPerSecond: number;
  /** updateOne({_id}) with $inc, one at a time, on a collection of `updateCollectionDocs` */
  updatesByIdPerSecond: number;
  updateCollectionDocs: number;
  phaseMs: number;
}

/** Runs op back to back (with `inFlight` workers) for ms; returns how many completed. */
async function saturate(ms: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  let n = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await op(n++);
        done++;
      }
    }),
  );
  return done;
}

/**
 * The store's own write ceiling, measured with the same driver the servers use, on a scratch
 * database dropped afterwards: what any message path on this store can at best reach.
 */
export async function measureStoreCeiling(
  mongoUrl: string,
  opts: { phaseMs: number; updateDocs: number; log: (line: string) => void },
): Promise<StoreCeiling> {
  const url = new URL(mongoUrl);
  url.pathname = `/bench_store_${randomBytes(3).toString('hex')}`;
  const conn = await mongoose.createConnection(url.toString(), { maxPoolSize: 32 }).asPromise();
  const db = conn.getClient().db(url.pathname.slice(1));
  const doc = (i: number) => ({
    sender: new mongoose.Types.ObjectId(),
    recipient: new mongoose.Types.ObjectId(),
    text: `ceiling message ${i}`,
    clientId: `c${i}`,
    createdAt: new Date(),
  });
  const rate = (n: number) => Math.round((n * 1000) / opts.phaseMs);
  try {
    const seq = db.collection('seq');
    await seq.insertOne(doc(-1)); // creates the collection outside the timed window
    const sequential = rate(await saturate(opts.phaseMs, 1, (i) => seq.insertOne(doc(i))));
    opts.log(`store ceiling: sequential insertOne ${sequential}/s`);

    const conc = db.collection('conc');
    await conc.insertOne(doc(-1));
    const concurrency = 16;
    const concurrent = rate(await saturate(opts.phaseMs, concurrency, (i) => conc.insertOne(doc(i))));
    opts.log(`store ceiling: insertOne, ${concurrency} in flight ${concurrent}/s`);

    const many = db.collection('many');
    await many.insertOne(doc(-1));
    const batches = await saturate(opts.phaseMs, 1, (b) =>
      many.insertMany(
        Array.from({ length: 50 }, (_, k) => doc(b * 50 + k)),
        { ordered: false },
      ),
    );
    const manyDocs = rate(batches * 50);
    opts.log(`store ceiling: insertMany ×50 ${manyDocs} docs/s`);

    // a fixed-size collection, so the figure compares across runs (FerretDB v1 scans for every
    // filter, so updates by _id slow down as a collection grows)
    const upd = db.collection('upd');
    const docs = Array.from({ length: opts.updateDocs }, (_, i) => doc(i));
    for (let k = 0; k < docs.length; k += 50) await upd.insertMany(docs.slice(k, k + 50));
    const ids = (await upd.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
    const total = ids.length;
    const updates = rate(
      await saturate(opts.phaseMs, 1, (i) => upd.updateOne({ _id: ids[i % ids.length] }, { $inc: { n: 1 } })),
    );
    opts.log(`store ceiling: updateOne by _id (${total} docs) ${updates}/s`);
    return {
      sequentialInsertsPerSecond: sequential,
      concurrentInsertsPerSecond: concurrent,
      concurrency,
      insertManyDocsPerSecond: manyDocs,
      updatesByIdPerSecond: updates,
      updateCollectionDocs: total,
      phaseMs: opts.phaseMs,
    };
  } finally {
    await db.dropDatabase().catch(() => {});
    await conn.close();
  }
}
