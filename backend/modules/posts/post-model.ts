import { type Connection, type Model, Schema, type Types } from 'mongoose';

export interface PostDoc {
  _id: Types.ObjectId;
  postedBy: Types.ObjectId;
  text: string;
  likesCount: number;
  repliesCount: number;
  createdAt: Date;
}

export type PostModel = Model<PostDoc>;

const postSchema = new Schema<PostDoc>(
  {
    postedBy: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    text: { type: String, required: true, maxlength: 500 },
    likesCount: { type: Number, default: 0, min: 0 },
    repliesCount: { type: Number, default: 0, min: 0 },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

// Serves both the profile page (one author) and the feed ($in over followed authors),
// in cursor order; _id breaks createdAt ties.
postSchema.index({ postedBy: 1, createdAt: -1, _id: -1 });

export function getPostModel(conn: Connection): PostModel {
  return (conn.models.Post as PostModel | undefined) ?? conn.model<PostDoc>('Post', postSchema);
}
