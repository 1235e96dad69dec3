import { type Connection, type HydratedDocument, type Model, Schema, type Types } from 'mongoose';

export interface UserDoc {
  _id: Types.ObjectId;
  username: string;
  email: string;
  passwordHash: string;
  name: string;
  bio: string;
  followersCount: number;
  followingCount: number;
  /** session version: every token carries it; logout and password changes move it */
  tokenVersion?: number;
  /** set when an account deletion started (modules/accounts): a retry finishes what it began */
  deletingAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type UserModel = Model<UserDoc>;
export type UserDocument = HydratedDocument<UserDoc>;

const userSchema = new Schema<UserDoc>(
  {
    username: { type: String, required: true, lowercase: true, trim: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    passwordHash: { type: String, required: true, select: false },
    name: { type: String, default: '' },
    bio: { type: String, default: '' },
    // Denormalised: FerretDB has no $size in projections or $lookup, and counting
    // follow edges per profile view does not scale on MongoDB either.
    followersCount: { type: Number, default: 0, min: 0 },
    followingCount: { type: Number, default: 0, min: 0 },
    tokenVersion: { type: Number, default: 0, min: 0 },
    deletingAt: { type: Date },
  },
  { timestamps: true, strict: 'throw' },
);

// Login looks users up by either; both unique, stored lower-case so "Alice" and "alice" collide.
userSchema.index({ username: 1 }, { unique: true });
userSchema.index({ email: 1 }, { unique: true });

export function getUserModel(conn: Connection): UserModel {
  return (conn.models.User as UserModel | undefined) ?? conn.model<UserDoc>('User', userSchema);
}
