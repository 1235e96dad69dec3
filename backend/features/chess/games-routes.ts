import { z } from 'zod';
import { userIdOf } from '../../modules/users/user-id-of';
import { pageOf } from '../../pagination/page-of';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { idParams } from '../../validation/object-id';
import { createGameInput, gameListQuery, moveBody } from './game-inputs';
import type { GameService } from './game-service';
import { publicGameSchema } from './game-view';

const oneGame = { description: 'the game', schema: z.object({ game: publicGameSchema }) };

/** /api/games: each answer is `{game}`, the list `{games, nextCursor}`. */
export const gamesApi = defineApi({
  prefix: '/api/games',
  tag: 'games',
  access: 'user',
  routes: {
    create: {
      method: 'post',
      path: '/',
      summary: 'Invite a user to a game (pending until they accept)',
      body: createGameInput,
      responses: { 201: oneGame },
    },
    list: {
      method: 'get',
      path: '/',
      summary: "The caller's games, newest first",
      query: gameListQuery,
      responses: { 200: { description: 'a page of games', schema: pageOf('games', publicGameSchema) } },
    },
    get: {
      method: 'get',
      path: '/:id',
      summary: 'A game (players, or anyone while it is active)',
      params: idParams,
      responses: { 200: oneGame },
    },
    accept: {
      method: 'post',
      path: '/:id/accept',
      summary: 'Accept an invitation (the invited player)',
      params: idParams,
      responses: { 200: oneGame },
    },
    move: {
      method: 'post',
      path: '/:id/moves',
      summary: 'Play a move (the side to move); a stale version is 409',
      params: idParams,
      body: moveBody,
      responses: { 200: oneGame },
    },
    resign: {
      method: 'post',
      path: '/:id/resign',
      summary: 'Resign',
      params: idParams,
      responses: { 200: oneGame },
    },
  },
});

export function gamesRoutes(deps: { games: GameService }) {
  return routerFor(gamesApi, {
    create: async (req, res, { body }) => {
      res.status(201).json({ game: await deps.games.create(userIdOf(req), body) });
    },
    list: async (req, res, { query }) => {
      const page = await deps.games.list(userIdOf(req), query);
      res.json({ games: page.items, nextCursor: page.nextCursor });
    },
    get: async (req, res, { params }) => {
      res.json({ game: await deps.games.get(userIdOf(req), params.id) });
    },
    accept: async (req, res, { params }) => {
      res.json({ game: await deps.games.accept(userIdOf(req), params.id) });
    },
    move: async (req, res, { params, body }) => {
      res.json({ game: await deps.games.move(userIdOf(req), params.id, body) });
    },
    resign: async (req, res, { params }) => {
      res.json({ game: await deps.games.resign(userIdOf(req), params.id) });
    },
  });
}
