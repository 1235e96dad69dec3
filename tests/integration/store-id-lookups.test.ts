import mongoose, { type Connection, Types } from 'mongoose';
import { freshMongoUrl } from '../support/test-env';

/**
 * The message path updates conversations by `_id` with a guard on other fields
 * (`{_id, applied: {$ne: id}}`), a batch at a time in one bulkWrite, and a feed page reads its
 * posts by a list of `_id`s (`$in`). All must hold on every
 * store the project runs on: on FerretDB they hold through the project's patches
 * (scripts/ferretdb/patches.json), which these tests pin.
 */
let conn: Connection;
let ferret = false;
beforeAll(async () => {
  conn = await mongoose.createConnection(freshMongoUrl('idlookup')).asPromise();
  const info = await conn.db!.admin().command({ buildInfo: 1 });
  ferret = 'ferretdbVersion' in info;
});
afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

type Doc = { _id: Types.ObjectId; n: number; applied: Types.ObjectId[] };

/** what the store says it does for a find with this filter: an index search or a scan */
async function lookupPlan(filter: object): Promise<'index' | 'scan'> {
  const plan = JSON.stringify(await conn.collection('plans').find(filter).explain());
  if (ferret) return /USING (COVERING )?INDEX/.test(plan) ? 'index' : 'scan';
  return /IDHACK|EXPRESS_IXSCAN|"IXSCAN"/.test(plan) ? 'index' : 'scan';
}

describe('When a filter gives an _id', () => {
  let id: Types.ObjectId;
  beforeAll(async () => {
    const docs = Array.from({ length: 200 }, (_, n) => ({ _id: new Types.ObjectId(), n, applied: [] }));
    await conn.collection<Doc>('plans').insertMany(docs);
    id = docs[120]!._id;
  });

  it('then the store finds the document through the _id index, not a scan', async () => {
    expect(await lookupPlan({ _id: id })).toBe('index');
  });

  it('then it still does when the filter also guards other fields', async () => {
    expect(await lookupPlan({ _id: id, applied: { $ne: new Types.ObjectId() } })).toBe('index');
  });

  it('then a find by a list of _ids searches the _id index too', async () => {
    expect(await lookupPlan({ _id: { $in: [id, new Types.ObjectId()] } })).toBe('index');
  });

  it('then a find by a list of _ids returns exactly the listed documents that exist', async () => {
    const plans = conn.collection<Doc>('plans');
    const some = await plans.find({}, { sort: { n: 1 }, limit: 5 }).toArray();
    const wanted = [some[3]!._id, some[0]!._id, new Types.ObjectId()];
    const found = await plans.find({ _id: { $in: wanted } }).toArray();
    expect(found.map((d) => d.n).sort()).toEqual([some[0]!.n, some[3]!.n].sort());
    const guarded = await plans.find({ _id: { $in: wanted }, n: { $gt: some[0]!.n } }).toArray();
    expect(guarded.map((d) => d.n)).toEqual([some[3]!.n]);
  });

  it('then the guard still decides: a guarded update that must not match changes nothing', async () => {
    const marker = new Types.ObjectId();
    const plans = conn.collection<Doc>('plans');
    const first = await plans.updateOne(
      { _id: id, applied: { $ne: marker } },
      { $push: { applied: marker } },
    );
    const again = await plans.updateOne(
      { _id: id, applied: { $ne: marker } },
      { $push: { applied: marker } },
    );
    expect([first.modifiedCount, again.matchedCount]).toEqual([1, 0]);
    expect((await plans.findOne({ _id: id }))?.applied).toHaveLength(1);
  });
});

describe('When one bulkWrite carries more guarded updates than the store has connections', () => {
  it('then every update is applied and the command returns', async () => {
    const col = conn.collection<Doc>('many');
    const docs = Array.from({ length: 150 }, (_, n) => ({ _id: new Types.ObjectId(), n, applied: [] }));
    await col.insertMany(docs);
    const result = await col.bulkWrite(
      docs.map((d) => ({
        updateOne: {
          filter: { _id: d._id, applied: { $ne: d._id } },
          update: { $inc: { n: 1 }, $push: { applied: d._id } },
        },
      })),
      { ordered: false },
    );
    expect(result.modifiedCount).toBe(150);
    expect(await col.countDocuments({ applied: { $size: 1 } })).toBe(150);
  }, 30_000);
});
