import { type Connection, type Model, Schema, type Types } from 'mongoose';

/**
 * One document per follow edge instead of follower/following arrays on the user: arrays grow
 * without bound (a popular account hits the 16 MB document limit), and the unique
 * (follower, followee) index makes a follow idempotent under concurrency.
 */
export interface FollowDoc {
  _id: Types.ObjectId;
  follower: Types.ObjectId;
  followee: Types.ObjectId;
  /** false until the counters moved (integrity/apply-counters-once); absent on old edges = applied */
  countersApplied?: boolean;
  createdAt: Date;
}

export type FollowModel = Model<FollowDoc>;

const followSchema = new Schema<FollowDoc>(
  {
    follower: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    followee: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    countersApplied: { type: Boolean },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

followSchema.index({ follower: 1, followee: 1 }, { unique: true });
// "followers of X" and "whom X follows", newest first, cursor-paged
followSchema.index({ followee: 1, createdAt: -1, _id: -1 });
followSchema.index({ follower: 1, createdAt: -1, _id: -1 });

export function getFollowModel(conn: Connection): FollowModel {
  return (conn.models.Follow as FollowModel | undefined) ?? conn.model<FollowDoc>('Follow', followSchema);
}
