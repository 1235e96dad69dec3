import { getGameModel } from '../../backend/features/chess/game-model';
import { type IndexKey, indexServes, queryShapes } from '../../scripts/indexes/index-coverage';
import { registerUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('When verify:indexes asks chess for its queries', () => {
  it('then it seeds a game and answers the game list, sync and open-challenge queries, each served by an index of games', async () => {
    const [a, b, c] = await Promise.all([registerUser(t.http), registerUser(t.http), registerUser(t.http)]);
    const chess = t.services.features.get('chess');
    const checks = (await chess?.indexChecks?.({ a: a.id, b: b.id, c: c.id })) ?? [];
    expect(checks.map((q) => q.name)).toEqual([
      'my games',
      'my games by status',
      'my games (next page)',
      'sync games',
      'open challenges',
      'open challenges to one opponent',
    ]);
    const games = getGameModel(t.services.mongo);
    expect(await games.countDocuments({ players: a.id, status: 'active' })).toBe(1);
    const keys = ((await games.collection.indexes()) as Array<{ key: IndexKey }>).map((i) => i.key);
    for (const { name, query } of checks) {
      expect({ name, collection: query.model.collection.collectionName }).toEqual({
        name,
        collection: 'games',
      });
      for (const shape of queryShapes(query.getFilter(), query.getOptions().sort))
        expect({ name, served: keys.some((key) => indexServes(key, shape)) }).toEqual({ name, served: true });
    }
  });
});
