import { planVerdict } from '../../scripts/indexes/plan-verdict';

// Shapes as MongoDB 7 documents them: classic engine (explainVersion 1) and slot-based (2).
const classicIxscan = {
  explainVersion: '1',
  queryPlanner: {
    namespace: 'app.posts',
    winningPlan: {
      stage: 'LIMIT',
      limitAmount: 21,
      inputStage: {
        stage: 'FETCH',
        inputStage: {
          stage: 'IXSCAN',
          keyPattern: { postedBy: 1, createdAt: -1, _id: -1 },
          indexName: 'postedBy_1_createdAt_-1__id_-1',
          direction: 'forward',
        },
      },
    },
    rejectedPlans: [],
  },
  ok: 1,
};

const classicCollscan = {
  explainVersion: '1',
  queryPlanner: {
    winningPlan: {
      stage: 'SORT',
      sortPattern: { createdAt: -1 },
      inputStage: { stage: 'COLLSCAN', filter: { postedBy: { $eq: 'x' } }, direction: 'forward' },
    },
    rejectedPlans: [],
  },
};

const sbeIxscan = {
  explainVersion: '2',
  queryPlanner: {
    winningPlan: {
      queryPlan: {
        stage: 'FETCH',
        planNodeId: 2,
        inputStage: { stage: 'IXSCAN', planNodeId: 1, keyPattern: { username: 1 }, indexName: 'username_1' },
      },
      slotBasedPlan: { slots: '$$RESULT=s5', stages: '[2] nlj inner [] [s1]' },
    },
    rejectedPlans: [],
  },
};

const sbeCollscan = {
  explainVersion: '2',
  queryPlanner: { winningPlan: { queryPlan: { stage: 'COLLSCAN', planNodeId: 1 }, slotBasedPlan: {} } },
};

const sortMerge = {
  queryPlanner: {
    winningPlan: {
      stage: 'LIMIT',
      inputStage: {
        stage: 'FETCH',
        inputStage: {
          stage: 'SORT_MERGE',
          inputStages: [
            { stage: 'IXSCAN', indexName: 'postedBy_1_createdAt_-1__id_-1' },
            { stage: 'IXSCAN', indexName: 'postedBy_1_createdAt_-1__id_-1' },
          ],
        },
      },
    },
  },
};

const orWithOneCollscan = {
  queryPlanner: {
    winningPlan: {
      stage: 'SUBPLAN',
      inputStage: {
        stage: 'OR',
        inputStages: [{ stage: 'IXSCAN', indexName: 'a_1' }, { stage: 'COLLSCAN' }],
      },
    },
  },
};

const express = {
  queryPlanner: {
    winningPlan: { stage: 'EXPRESS_IXSCAN', keyPattern: '{ email: 1 }', indexName: 'email_1' },
  },
};

const sharded = {
  queryPlanner: {
    winningPlan: {
      stage: 'SINGLE_SHARD',
      shards: [
        {
          shardName: 's0',
          winningPlan: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'x_1' } },
        },
      ],
    },
  },
};

const aggregate = {
  stages: [
    { $cursor: { queryPlanner: { winningPlan: { stage: 'IXSCAN', indexName: 'post_1' } } } },
    { $group: {} },
  ],
};

describe('When an explain document is read', () => {
  it.each([
    ['classic IXSCAN', classicIxscan, true, 'postedBy_1_createdAt_-1__id_-1'],
    ['slot-based IXSCAN', sbeIxscan, true, 'username_1'],
    ['SORT_MERGE over IXSCANs', sortMerge, true, 'postedBy_1_createdAt_-1__id_-1'],
    ['MongoDB 8 EXPRESS_IXSCAN', express, true, 'email_1'],
    ['a sharded plan', sharded, true, 'x_1'],
    ['an aggregate $cursor', aggregate, true, 'post_1'],
  ])('then %s counts as index use', (_name, doc, uses, index) => {
    const v = planVerdict(doc);
    expect(v.usesIndex).toBe(uses);
    expect(v.indexes).toContain(index);
  });

  it.each([
    ['classic COLLSCAN under SORT', classicCollscan],
    ['slot-based COLLSCAN', sbeCollscan],
    ['an OR with one COLLSCAN branch', orWithOneCollscan],
  ])('then %s fails', (_name, doc) => {
    const v = planVerdict(doc);
    expect(v.usesIndex).toBe(false);
    expect(v.summary).toContain('collection scan');
  });

  it('then a document without a winning plan (FerretDB) is not index use', () => {
    const ferret = {
      queryPlanner: { Plan: ['id=2 parent=0 notused=0 detail=SCAN posts_4c2edfdc'] },
      explainVersion: '1',
    };
    expect(planVerdict(ferret).usesIndex).toBe(false);
  });

  it('then the summary names the stage chain', () => {
    expect(planVerdict(classicIxscan).summary).toBe(
      'LIMIT > FETCH > IXSCAN using postedBy_1_createdAt_-1__id_-1',
    );
  });
});
