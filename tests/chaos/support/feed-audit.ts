import mongoose, { Types } from 'mongoose';
import type { VirtualUser } from '../../../scripts/load/virtual-users';
import { requestJson } from '../../support/http-json';
import { scrapeMetric } from '../../support/scrape-metrics';
import { TEST_ADMIN_TOKEN } from '../../support/test-env';
import { waitFor } from '../../support/wait-for';

export interface FeedAudit {
  /** posts the author's POST /api/posts answered 201 to during the run */
  acked: number;
  /** the author's posts stored during the run without a 201 (their instance died, or timed out) */
  unacked: number;
  /** ms from the run's end to the fan-out journal being empty */
  backlogEmptyAfterMs: number;
  /** first pages served from a timeline and compared with the read-time query, per reader and instance */
  compared: number;
  /** pages that differed from the query: reader, instance, both id lists */
  mismatches: string[];
  /** acknowledged posts that belong on a first page served from a timeline and were not on it */
  missing: string[];
  /** reader and instance pairs whose feed never came from the timeline */
  neverFromTimeline: string[];
  /** feed answers other than 200 during the audit */
  errors: string[];
}

/** The read-time query's answer, from the store itself: posts by the reader's followees and the reader. */
async function queryFirstPage(db: mongoose.Connection, readerId: string, limit: number): Promise<string[]> {
  const reader = new Types.ObjectId(readerId);
  const follows = await db
    .collection('follows')
    .find({ follower: reader }, { projection: { followee: 1 } })
    .toArray();
  const authors = [reader, ...follows.map((f) => f.followee as Types.ObjectId)];
  const rows = await db
    .collection('posts')
    .find({ postedBy: { $in: authors } }, { projection: { _id: 1 } })
    .sort({ createdAt: -1, _id: -1 })
    .limit(limit)
    .toArray();
  return rows.map((r) => String(r._id));
}

/**
 * The feed's invariant after faults, with `feed.mode` timeline: once the fan-out journal is
 * empty (a dead worker's jobs reclaimed, missed fan-outs repaired or the timeline rebuilt), each
 * reader's first page, served from the timeline on every live instance, is the read-time
 * query's first page, and every acknowledged post that belongs on it is there. Posts stored
 * without an acknowledgement (the instance died between the insert and the answer) are left out
 * of both sides: their fan-out may never have been journaled, and nobody was told they exist.
 */
export async function auditFeed(opts: {
  mongoUrl: string;
  urls: () => string[];
  author: VirtualUser;
  readers: VirtualUser[];
  acked: ReadonlySet<string>;
  since: Date;
  limit?: number;
}): Promise<FeedAudit> {
  const limit = opts.limit ?? 50;
  const ended = Date.now();
  await waitFor(
    'the fan-out journal empty',
    async () => {
      const res = await requestJson(`${opts.urls()[0]}/admin/feed/consistency`, { token: TEST_ADMIN_TOKEN });
      return res.status === 200 ? (res.body.backlog as number | null) : null;
    },
    (backlog) => backlog === 0,
    // a job held by a killed instance's worker is reclaimed after 30 s
    90_000,
    250,
  );
  const backlogEmptyAfterMs = Date.now() - ended;

  const db = mongoose.createConnection(opts.mongoUrl);
  const audit: FeedAudit = {
    acked: opts.acked.size,
    unacked: 0,
    backlogEmptyAfterMs,
    compared: 0,
    mismatches: [],
    missing: [],
    neverFromTimeline: [],
    errors: [],
  };
  try {
    await db.asPromise();
    const stored = await db
      .collection('posts')
      .find(
        { postedBy: new Types.ObjectId(opts.author.id), createdAt: { $gte: opts.since } },
        { projection: { _id: 1 } },
      )
      .toArray();
    const unacked = new Set(stored.map((r) => String(r._id)).filter((id) => !opts.acked.has(id)));
    audit.unacked = unacked.size;
    const known = (ids: string[]) => ids.filter((id) => !unacked.has(id));

    for (const reader of opts.readers)
      for (const url of opts.urls()) {
        const where = `reader ${reader.id} on ${url}`;
        // a fallback read starts the timeline's rebuild; the next reads come from it
        const served = await waitFor(
          `${where}: a first page from the timeline`,
          async () => {
            const before = await scrapeMetric(url, 'feed_reads_total', { source: 'timeline' });
            const res = await requestJson(`${url}/api/feed?limit=${limit}`, { token: reader.token });
            if (res.status !== 200) {
              audit.errors.push(`${where}: GET /api/feed answered ${res.status}`);
              return undefined;
            }
            const after = await scrapeMetric(url, 'feed_reads_total', { source: 'timeline' });
            return after > before ? (res.body.posts as Array<{ id: string }>).map((p) => p.id) : undefined;
          },
          30_000,
          200,
        ).catch(() => undefined);
        if (!served) {
          audit.neverFromTimeline.push(where);
          continue;
        }
        audit.compared++;
        const query = await queryFirstPage(db, reader.id, limit + unacked.size);
        const page = known(served);
        const expected = known(query).slice(0, page.length);
        if (served.length !== Math.min(limit, query.length) || page.join() !== expected.join())
          audit.mismatches.push(`${where}: timeline [${page.join(' ')}] query [${expected.join(' ')}]`);
        for (const id of known(query).slice(0, limit - unacked.size))
          if (opts.acked.has(id) && !served.includes(id)) audit.missing.push(id);
      }
  } finally {
    await db.close();
  }
  audit.mismatches = audit.mismatches.slice(0, 5);
  audit.missing = [...new Set(audit.missing)].slice(0, 20);
  audit.errors = audit.errors.slice(0, 5);
  return audit;
}
