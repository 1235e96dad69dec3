import mongoose, { type Connection } from 'mongoose';
import { getFlagAuditModel } from '../../backend/flags/flag-audit-model';
import { getFlagOverrideModel } from '../../backend/flags/flag-override-model';
import { MongoFlagOverrideStore } from '../../backend/flags/mongo-flag-override-store';
import { flagOverrideStoreContract } from '../contracts/flag-override-store.contract';
import { freshMongoUrl } from '../support/test-env';

let conn: Connection;
beforeAll(async () => {
  conn = await mongoose.createConnection(freshMongoUrl('flagstore')).asPromise();
});
afterAll(async () => {
  await conn.dropDatabase().catch(() => {});
  await conn.close();
});

// The memory store runs the same contract in tests/unit/flag-override-store.test.ts.
flagOverrideStoreContract('mongo', async () => {
  // a fresh set of collections per test: same connection, models per name
  await Promise.all(['flag_overrides', 'flag_audit'].map((c) => conn.dropCollection(c).catch(() => {})));
  const audit = getFlagAuditModel(conn);
  await audit.createIndexes();
  return new MongoFlagOverrideStore({
    overrides: getFlagOverrideModel(conn),
    audit,
  });
});
