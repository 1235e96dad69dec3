import { type Connection, type Model, Schema, type Types } from 'mongoose';

export interface ReplyDoc {
  _id: Types.ObjectId;
  post: Types.ObjectId;
  postedBy: Types.ObjectId;
  text: string;
  /** false until repliesCount moved (integrity/apply-counters-once); absent on old replies = applied */
  countersApplied?: boolean;
  createdAt: Date;
}

export type ReplyModel = Model<ReplyDoc>;

const replySchema = new Schema<ReplyDoc>(
  {
    post: { type: Schema.Types.ObjectId, required: true, ref: 'Post' },
    postedBy: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    text: { type: String, required: true, maxlength: 500 },
    countersApplied: { type: Boolean },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

replySchema.index({ post: 1, createdAt: -1, _id: -1 });

export function getReplyModel(conn: Connection): ReplyModel {
  return (conn.models.Reply as ReplyModel | undefined) ?? conn.model<ReplyDoc>('Reply', replySchema);
}
