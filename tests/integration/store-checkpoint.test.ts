import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { startFerretDb } from '../../scripts/databases/ferretdb';
import { waitFor } from '../support/wait-for';

/**
 * SQLite checkpoints a WAL database on the write whose commit crosses wal_autocheckpoint
 * (10,000 pages here), and every write behind the wrapper's serializer waits 70–90 ms with it.
 * The wrapper checkpoints in the background instead and restarts the WAL from its beginning
 * once it holds 5,000 frames (scripts/ferretdb/wal_checkpointer.go). The WAL's header counts
 * restarts (its checkpoint sequence number), which is what this reads.
 */
const FRAME_BYTES = 24 + 4096;
const AUTOCHECKPOINT_FRAMES = 10_000;

function walSequence(wal: string): number {
  const fd = openSync(wal, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

let dir: string;
let store: Awaited<ReturnType<typeof startFerretDb>>;
let conn: Connection;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-checkpoint-'));
  store = await startFerretDb({ dataDir: dir });
  conn = await mongoose.createConnection(`${store.url}/ckpt`).asPromise();
});
afterAll(async () => {
  await conn.close();
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("When writes fill a database's WAL on the development store", () => {
  it('then the store restarts the WAL in the background, long before a write would checkpoint it', async () => {
    const docs = conn.collection('docs');
    await docs.insertOne({ text: 'first' });
    const wal = join(dir, 'ckpt.sqlite-wal');
    const started = walSequence(wal);
    // about a page per document: some 6,500 frames, well under the autocheckpoint's 10,000
    const page = 'x'.repeat(3500);
    for (let i = 0; i < 62; i++)
      await docs.insertMany(Array.from({ length: 100 }, (_, n) => ({ i, n, page })));
    // the restarted WAL's header is written with the next commit
    await waitFor(
      'the WAL restarted',
      async () => {
        await docs.insertOne({ text: 'later' });
        return walSequence(wal);
      },
      (sequence) => sequence !== started,
      10_000,
      100,
    );
    expect(statSync(wal).size).toBeLessThan(32 + AUTOCHECKPOINT_FRAMES * FRAME_BYTES);
  });
});
