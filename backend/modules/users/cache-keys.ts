// Keys of the cached reads that user and post writes invalidate. The feed's key lives here, not
// in posts/, because follow and unfollow change a feed and posts/ depends on users/, not back.
// v1: a release that changes a cached shape bumps it, so during a rolling deploy neither
// release reads the other's entries.

/** a user's public profile document, without the viewer-specific isFollowing */
export const profileCacheKey = (userId: string) => `profile:v1:${userId}`;

/** the ids of a user's first feed window and whether more posts follow it */
export const feedCacheKey = (userId: string) => `feed:v1:${userId}`;
