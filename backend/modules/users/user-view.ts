import type { UserDoc } from './user-model';

export interface PublicUser {
  id: string;
  username: string;
  name: string;
  bio: string;
  followersCount: number;
  followingCount: number;
  createdAt: string;
  isFollowing?: boolean;
  email?: string;
}

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
