/**
 * The port through which follows and unfollows reach the feed's timelines (a follow backfills
 * the followee's recent posts, an unfollow removes them). Called after the edge is written;
 * it never fails the follow.
 */
export interface FollowEdges {
  followed(followerId: string, followeeId: string): Promise<void>;
  unfollowed(followerId: string, followeeId: string): Promise<void>;
}
