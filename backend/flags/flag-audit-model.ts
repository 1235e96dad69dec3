import { type Connection, type Model, Schema, type Types } from 'mongoose';
import type { FlagAuditEntry } from './flag-override-store';

/** An audit entry as stored: the store's entry plus its document id. */
export interface FlagAuditDoc extends FlagAuditEntry {
  _id: Types.ObjectId;
}

export type FlagAuditModel = Model<FlagAuditDoc>;

const flagAuditSchema = new Schema<FlagAuditDoc>(
  {
    version: { type: Number, required: true },
    flag: { type: String, required: true },
    action: { type: String, enum: ['set', 'reset'], required: true },
    oldValue: { type: Schema.Types.Mixed, default: null },
    newValue: { type: Schema.Types.Mixed, default: null },
    actor: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false, minimize: false, collection: 'flag_audit' },
);

// Versions come from one counter, so a duplicate means a bug: the unique index makes it loud.
flagAuditSchema.index({ version: -1 }, { unique: true });
flagAuditSchema.index({ flag: 1, version: -1 });

export function getFlagAuditModel(conn: Connection): FlagAuditModel {
  return (
    (conn.models.FlagAudit as FlagAuditModel | undefined) ??
    conn.model<FlagAuditDoc>('FlagAudit', flagAuditSchema)
  );
}
