import { type Connection, type Model, Schema } from 'mongoose';

export interface FlagOverrideDoc {
  /** the flag name: one document per flag */
  _id: string;
  value: unknown;
  active: boolean;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

export type FlagOverrideModel = Model<FlagOverrideDoc>;

const flagOverrideSchema = new Schema<FlagOverrideDoc>(
  {
    _id: { type: String, required: true },
    value: { type: Schema.Types.Mixed, default: null },
    active: { type: Boolean, required: true },
    version: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, required: true },
  },
  // minimize off: a stored value of {} or false must stay a value, not vanish
  { strict: 'throw', versionKey: false, minimize: false, collection: 'flag_overrides' },
);

export function getFlagOverrideModel(conn: Connection): FlagOverrideModel {
  return (
    (conn.models.FlagOverride as FlagOverrideModel | undefined) ??
    conn.model<FlagOverrideDoc>('FlagOverride', flagOverrideSchema)
  );
}
