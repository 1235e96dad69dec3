import { z } from 'zod';
import type { UserDoc } from './user-model';

export const publicUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    name: z.string(),
    bio: z.string(),
    followersCount: z.number().int(),
    followingCount: z.number().int(),
    createdAt: z.string(),
    isFollowing: z.boolean().optional().meta({ description: 'whether the caller follows this user' }),
    email: z.string().optional().meta({ description: "the caller's own profile only" }),
  })
  .meta({ id: 'User' });

export type PublicUser = z.infer<typeof publicUserSchema>;

export function toPublicUser(
  u: Omit<UserDoc, 'passwordHash' | 'updatedAt'>,
  opts: { isFollowing?: boolean; withEmail?: boolean } = {},
): PublicUser {
  return {
    id: u._id.toHexString(),
    username: u.username,
    name: u.name,
    bio: u.bio,
    followersCount: u.followersCount,
    followingCount: u.followingCount,
    createdAt: u.createdAt.toISOString(),
    ...(opts.isFollowing !== undefined ? { isFollowing: opts.isFollowing } : {}),
    ...(opts.withEmail ? { email: u.email } : {}),
  };
}
