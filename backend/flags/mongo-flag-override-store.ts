import mongoose from 'mongoose';
import { isDuplicateKey } from '../errors/is-duplicate-key';
import type { FlagAuditModel } from './flag-audit-model';
import type { FlagOverrideModel } from './flag-override-model';
import type {
  FlagAuditEntry,
  FlagChange,
  FlagOverrideRecord,
  FlagOverrideStore,
} from './flag-override-store';

const MAX_ATTEMPTS = 20;

/**
 * Overrides in Mongo, shared by every instance. No transactions and no reliance on an atomic
 * counter (FerretDB's $inc under concurrency hands two writers one value): a change claims the
 * next version by inserting its audit line under a unique index and retries on E11000, then
 * writes the override only if no newer version is already there. A crash between the two
 * leaves an audit line whose override was not applied; the poll never sees a half change.
 */
export class MongoFlagOverrideStore implements FlagOverrideStore {
  constructor(private readonly models: { overrides: FlagOverrideModel; audit: FlagAuditModel }) {}

  async list(): Promise<FlagOverrideRecord[]> {
    const docs = await this.models.overrides.find({}).lean();
    return docs.map((d) => ({
      name: d._id,
      value: d.value,
      active: d.active,
      version: d.version,
      updatedAt: d.updatedAt,
      updatedBy: d.updatedBy,
    }));
  }

  async apply(change: FlagChange): Promise<FlagOverrideRecord> {
    const at = new Date();
    const version = await this.appendAudit(change, at);
    const record: FlagOverrideRecord = {
      name: change.flag,
      value: change.action === 'set' ? change.value : null,
      active: change.action === 'set',
      version,
      updatedAt: at,
      updatedBy: change.actor,
    };
    const $set = {
      value: record.value,
      active: record.active,
      version,
      updatedAt: at,
      updatedBy: record.updatedBy,
    };
    const newer = { _id: change.flag, version: mongoose.trusted({ $lt: version }) };
    try {
      await this.models.overrides.updateOne(newer, { $set }, { upsert: true });
    } catch (err) {
      // the document exists with a version >= ours (the upsert's insert collided), or a
      // concurrent first insert won: apply only if ours is still the newer change
      if (!isDuplicateKey(err)) throw err;
      await this.models.overrides.updateOne(newer, { $set });
    }
    return record;
  }

  async history(query: { limit: number; flag?: string }): Promise<FlagAuditEntry[]> {
    const filter = query.flag === undefined ? {} : { flag: query.flag };
    const docs = await this.models.audit.find(filter).sort({ version: -1 }).limit(query.limit).lean();
    return docs.map((d) => ({
      version: d.version,
      flag: d.flag,
      action: d.action,
      oldValue: d.oldValue,
      newValue: d.newValue,
      actor: d.actor,
      at: d.at,
    }));
  }

  private async appendAudit(change: FlagChange, at: Date): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const last = await this.models.audit.findOne({}, { version: 1 }).sort({ version: -1 }).lean();
      const version = (last?.version ?? 0) + 1;
      try {
        await this.models.audit.create({
          version,
          flag: change.flag,
          action: change.action,
          oldValue: change.oldValue ?? null,
          newValue: change.newValue ?? null,
          actor: change.actor,
          at,
        });
        return version;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }
}
