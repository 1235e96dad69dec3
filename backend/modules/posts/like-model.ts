import { type Connection, type Model, Schema, type Types } from 'mongoose';

/** One document per (post, user): the unique index makes a like idempotent under races. */
export interface LikeDoc {
  _id: Types.ObjectId;
  post: Types.ObjectId;
  user: Types.ObjectId;
  /** false until the counters moved (integrity/apply-counters-once); absent on old edges = applied */
  countersApplied?: boolean;
  createdAt: Date;
}

export type LikeModel = Model<LikeDoc>;

const likeSchema = new Schema<LikeDoc>(
  {
    post: { type: Schema.Types.ObjectId, required: true, ref: 'Post' },
    user: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    countersApplied: { type: Boolean },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

likeSchema.index({ post: 1, user: 1 }, { unique: true });
// "which of these posts did I like" for a page of posts
likeSchema.index({ user: 1, post: 1 });

export function getLikeModel(conn: Connection): LikeModel {
  return (conn.models.Like as LikeModel | undefined) ?? conn.model<LikeDoc>('Like', likeSchema);
}
