import mongoose, { Types } from 'mongoose';
import { indexServes, queryShape, queryShapes } from '../../scripts/indexes/index-coverage';

const feedIndex = { postedBy: 1, createdAt: -1, _id: -1 };

describe('When an index is checked against a query shape', () => {
  it('then equality fields then sort keys in direction are served', () => {
    expect(indexServes(feedIndex, { equality: ['postedBy'], sort: { createdAt: -1, _id: -1 } })).toBe(true);
  });

  it('then a fully reversed sort is served too', () => {
    expect(indexServes(feedIndex, { equality: ['postedBy'], sort: { createdAt: 1, _id: 1 } })).toBe(true);
  });

  it('then a mixed-direction sort, a missing equality prefix, or a wrong order is not served', () => {
    expect(indexServes(feedIndex, { equality: ['postedBy'], sort: { createdAt: -1, _id: 1 } })).toBe(false);
    expect(indexServes(feedIndex, { equality: [], sort: { createdAt: -1 } })).toBe(false);
    expect(indexServes(feedIndex, { equality: ['text'], sort: {} })).toBe(false);
    expect(
      indexServes({ createdAt: -1, postedBy: 1 }, { equality: ['postedBy'], sort: { createdAt: -1 } }),
    ).toBe(false);
  });

  it('then equality fields may come in any order', () => {
    expect(indexServes({ follower: 1, followee: 1 }, { equality: ['followee', 'follower'], sort: {} })).toBe(
      true,
    );
  });

  it('then a sort longer than the index is not served', () => {
    expect(indexServes({ username: 1 }, { equality: ['username'], sort: { createdAt: -1 } })).toBe(false);
  });
});

describe('When a filter is turned into a query shape', () => {
  it('then $in and plain values are equality, the cursor $or is ignored, and ids are values', () => {
    const id = new Types.ObjectId();
    const shape = queryShape(
      {
        postedBy: mongoose.trusted({ $in: [id] }),
        author: id,
        $or: [{ createdAt: { $lt: new Date() } }],
        createdAt: { $gt: new Date() },
      },
      { createdAt: -1, _id: -1 },
    );
    expect(shape).toEqual({ equality: ['postedBy', 'author'], sort: { createdAt: -1, _id: -1 } });
  });
});

describe('When a filter has a top-level $or', () => {
  it('then alternatives on other fields become one shape per branch', () => {
    const shapes = queryShapes(
      { $or: [{ recipient: 'a' }, { sender: 'a' }], createdAt: { $gt: new Date() } },
      { createdAt: 1, _id: 1 },
    );
    expect(shapes).toEqual([
      { equality: ['recipient'], sort: { createdAt: 1, _id: 1 } },
      { equality: ['sender'], sort: { createdAt: 1, _id: 1 } },
    ]);
    expect(shapes.every((sh) => indexServes({ recipient: 1, createdAt: 1, _id: 1 }, sh))).toBe(false);
  });

  it('then a cursor bound over the sort keys adds no shape', () => {
    const shapes = queryShapes(
      { participants: 'u', $or: [{ lastMessageAt: { $lt: 1 } }, { lastMessageAt: 1, _id: { $lt: 2 } }] },
      { lastMessageAt: -1, _id: -1 },
    );
    expect(shapes).toEqual([{ equality: ['participants'], sort: { lastMessageAt: -1, _id: -1 } }]);
  });
});
