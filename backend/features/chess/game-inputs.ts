import { z } from 'zod';
import { pageQuery } from '../../pagination/page-request';
import { objectId } from '../../validation/object-id';
import { gameStatuses } from './game-model';

const square = z.string().regex(/^[a-h][1-8]$/, 'a square, a1–h8');

/**
 * SAN as chess.js reads it ("e4", "Nxf7+", "O-O", "e8=Q"; its permissive parser also takes
 * "e2e4"), or squares. The pattern only keeps junk away from chess.js; legality is its call.
 */
export const moveInput = z.union([
  z
    .string()
    .trim()
    .regex(/^[a-hxKQRBNOo0-8=+#-]{2,10}$/, 'a move in SAN, like e4 or Nf3'),
  z.strictObject({ from: square, to: square, promotion: z.enum(['q', 'r', 'b', 'n']).optional() }),
]);

const version = z.number().int().min(0).optional();

export const createGameInput = z.strictObject({
  opponentId: objectId,
  color: z.enum(['white', 'black', 'random']).optional(),
});

export const moveBody = z.strictObject({ move: moveInput, version });

export const gameListQuery = pageQuery.extend({ status: z.enum(gameStatuses).optional() });

/**
 * The events drop unknown keys instead of refusing them, like message:send: a spoofed
 * `userId` or `color` is ignored, the mover is always the socket's user.
 */
export const gameIdInput = z.object({ gameId: objectId });
export const moveEventInput = z.object({ gameId: objectId, move: moveInput, version });
