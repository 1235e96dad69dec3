import { Router } from 'express';
import { idParams } from '../../validation/object-id';
import { parseInput } from '../../validation/parse-input';
import { userIdOf } from '../users/user-id-of';
import { createGameInput, gameListQuery, moveBody } from './game-inputs';
import type { GameService } from './game-service';

/** /api/games: each answer is `{game}`, the list `{games, nextCursor}`. */
export function gamesRoutes(deps: { games: GameService }): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const body = parseInput(createGameInput, req.body, 'body');
    res.status(201).json({ game: await deps.games.create(userIdOf(req), body) });
  });
  r.get('/', async (req, res) => {
    const page = await deps.games.list(userIdOf(req), parseInput(gameListQuery, req.query, 'query'));
    res.json({ games: page.items, nextCursor: page.nextCursor });
  });
  r.get('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json({ game: await deps.games.get(userIdOf(req), id) });
  });
  r.post('/:id/accept', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json({ game: await deps.games.accept(userIdOf(req), id) });
  });
  r.post('/:id/moves', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const body = parseInput(moveBody, req.body, 'body');
    res.json({ game: await deps.games.move(userIdOf(req), id, body) });
  });
  r.post('/:id/resign', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json({ game: await deps.games.resign(userIdOf(req), id) });
  });
  return r;
}
