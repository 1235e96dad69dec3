import { requestJson } from '../support/http-json';
import { nextEvent, request } from '../support/socket-clients';
import type { DeliveryKit } from './realtime-delivery.contract';

/**
 * Chess's part of the realtime delivery contract, run by it on each adapter: the game room is
 * the one room besides the users' (the sharded adapter subscribes per room on join).
 */
export function deliveryCases({ urls, clients, users }: DeliveryKit): void {
  it('then a game move on A reaches the opponent and a spectator on B as game:updated, and game:join on B answers it', async () => {
    const { A, B } = urls();
    const [white, black, watcher] = await users(3);
    const created = await requestJson(`${A}/api/games`, {
      token: white.token,
      body: { opponentId: black.id, color: 'white' },
    });
    const accepted = await requestJson(`${B}/api/games/${created.body.game.id}/accept`, {
      token: black.token,
      body: {},
    });
    const game = accepted.body.game;
    const whiteOnA = await clients.connect(white.token, { url: A });
    const blackOnB = await clients.connect(black.token, { url: B });
    const watcherOnB = await clients.connect(watcher.token, { url: B });
    expect(await request(watcherOnB, 'game:join', { gameId: game.id })).toEqual({ ok: true, game });
    const moved = (s: typeof blackOnB) =>
      nextEvent<{ game: { version: number } }>(s, 'game:updated', {
        where: (p) => p.game.version === game.version + 1,
      });
    const [toBlack, toWatcher] = [moved(blackOnB), moved(watcherOnB)];
    const ack = await request(whiteOnA, 'game:move', { gameId: game.id, move: 'e4', version: game.version });
    expect(ack.ok).toBe(true);
    expect(await toBlack).toEqual({ game: ack.game });
    expect(await toWatcher).toEqual({ game: ack.game });
    expect(await request(blackOnB, 'game:join', { gameId: game.id })).toEqual({ ok: true, game: ack.game });
  });
}
