import { problemsOf } from '../support/api-conformance';

const game = {
  id: '65f000000000000000000001',
  white: '65f000000000000000000002',
  black: '65f000000000000000000003',
  challenger: '65f000000000000000000002',
  status: 'active',
  fen: 'rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1',
  moves: ['e4'],
  turn: 'black',
  inCheck: false,
  winner: null,
  drawReason: null,
  version: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
};

const seen = problemsOf('/api/games/65f000000000000000000001', { game });

describe('chess in /openapi.json', () => {
  it('When a game matches the documented Game, then there is no problem', () => {
    expect(seen({})).toEqual([]);
    expect(seen({ body: { games: [game], nextCursor: null }, url: '/api/games' })).toEqual([]);
  });

  it('When a game has a wrong type, a missing field or an unknown status, then it is reported', () => {
    expect(seen({ body: { game: { ...game, version: 'two' } } }).join('\n')).toMatch(
      /\/game\/version must be integer/,
    );
    const { fen: _fen, ...withoutFen } = game;
    expect(seen({ body: { game: withoutFen } }).join('\n')).toMatch(/required.*fen/);
    expect(seen({ body: { game: { ...game, status: 'paused' } } }).join('\n')).toMatch(/\/game\/status/);
  });

  it("When a notification is one of chess's kinds, then it is documented with its gameId", () => {
    const notification = (kind: string, extra: Record<string, unknown>) => ({
      id: '65f000000000000000000004',
      kind,
      actor: { id: game.white, username: 'ada', name: 'Ada' },
      text: 'e4',
      read: false,
      createdAt: game.createdAt,
      ...extra,
    });
    const page = (n: unknown) => ({
      url: '/api/notifications',
      body: { notifications: [n], unreadCount: 1, nextCursor: null },
    });
    for (const kind of ['game_invite', 'game_move', 'game_over'])
      expect(seen(page(notification(kind, { gameId: game.id })))).toEqual([]);
    expect(seen(page(notification('game_move', { gameId: 7 }))).join('\n')).toMatch(/gameId/);
  });
});
