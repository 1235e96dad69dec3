import { requestJson } from '../support/http-json';
import { twoInstances } from '../support/two-instances';

/**
 * Per-user quotas on what reaches other people (docs/security.md "Limits"): posts and follows
 * per minute, new conversations per hour. Over a quota the answer is 429 RATE_LIMITED with
 * retryAfterSeconds and nothing is written. Two real server processes share one Redis
 * (rateLimit.store=redis), so a user spreading requests over both instances gets no more.
 */
const POSTS = 4;
const FOLLOWS = 5;
const CONVERSATIONS = 3;

const two = twoInstances(() => ({
  RATE_LIMIT_STORE: 'redis',
  QUOTA_POSTS_PER_MINUTE: String(POSTS),
  QUOTA_FOLLOWS_PER_MINUTE: String(FOLLOWS),
  QUOTA_CONVERSATIONS_PER_HOUR: String(CONVERSATIONS),
}));

let n = 0;
async function register(url: string): Promise<{ id: string; token: string }> {
  n += 1;
  const name = `uq${n}_${Math.random().toString(36).slice(2, 8)}`;
  const res = await requestJson(`${url}/api/auth/register`, {
    body: { username: name, email: `${name}@example.test`, password: 'correct horse battery' },
  });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, token: res.body.token };
}

/** alternates the two instances: request i goes to A when i is even, to B when odd */
const on = (i: number) => (i % 2 === 0 ? two.A : two.B);

function expectRateLimited(res: {
  status: number;
  body: { error?: { code?: string; retryAfterSeconds?: number } };
}) {
  expect(res.status).toBe(429);
  expect(res.body.error?.code).toBe('RATE_LIMITED');
  expect(res.body.error?.retryAfterSeconds).toEqual(expect.any(Number));
  expect(res.body.error!.retryAfterSeconds!).toBeGreaterThan(0);
}

describe('When one user posts more than the per-minute quota, spread over two instances', () => {
  it('then the posts over it are 429 RATE_LIMITED with retryAfterSeconds and none is stored', async () => {
    const author = await register(two.A);
    const statuses: number[] = [];
    for (let i = 0; i < POSTS + 3; i++) {
      const res = await requestJson(`${on(i)}/api/posts`, { token: author.token, body: { text: `p${i}` } });
      statuses.push(res.status);
      if (i >= POSTS) expectRateLimited(res);
    }
    expect(statuses).toEqual([...Array(POSTS).fill(201), 429, 429, 429]);
    const posts = await requestJson(`${two.B}/api/users/${author.id}/posts?limit=50`, {
      token: author.token,
    });
    expect(posts.status).toBe(200);
    expect(posts.body.posts).toHaveLength(POSTS);
  });
});

describe('When one user follows more people than the per-minute quota, spread over two instances', () => {
  it('then the follows over it are 429 with retryAfterSeconds, and no edge or notification is written', async () => {
    const follower = await register(two.A);
    const targets = await Promise.all(Array.from({ length: FOLLOWS + 2 }, () => register(two.B)));
    const statuses: number[] = [];
    for (const [i, target] of targets.entries()) {
      const res = await requestJson(`${on(i)}/api/users/${target.id}/follow`, {
        method: 'PUT',
        token: follower.token,
      });
      statuses.push(res.status);
      if (i >= FOLLOWS) expectRateLimited(res);
    }
    expect(statuses.slice(0, FOLLOWS).every((s) => s >= 200 && s < 300)).toBe(true);
    expect(statuses.slice(FOLLOWS)).toEqual([429, 429]);
    const following = await requestJson(`${two.A}/api/users/${follower.id}/following?limit=50`, {
      token: follower.token,
    });
    expect(following.status).toBe(200);
    expect(following.body.users).toHaveLength(FOLLOWS);
    const refused = targets[FOLLOWS]!;
    const notes = await requestJson(`${two.B}/api/notifications`, { token: refused.token });
    expect(notes.body.notifications).toEqual([]);
  });
});

describe('When one user starts more conversations than the hourly quota, spread over two instances', () => {
  it('then first messages over it are 429 with retryAfterSeconds and nothing is stored, while existing conversations go on', async () => {
    const sender = await register(two.A);
    const recipients = await Promise.all(Array.from({ length: CONVERSATIONS + 2 }, () => register(two.B)));
    const statuses: number[] = [];
    for (const [i, r] of recipients.entries()) {
      const res = await requestJson(`${on(i)}/api/messages`, {
        token: sender.token,
        body: { recipientId: r.id, text: `hello ${i}` },
      });
      statuses.push(res.status);
      if (i >= CONVERSATIONS) expectRateLimited(res);
    }
    expect(statuses).toEqual([...Array(CONVERSATIONS).fill(201), 429, 429]);
    // a conversation that exists costs nothing more, on either instance
    for (const i of [0, 1, 2, 3]) {
      const again = await requestJson(`${on(i)}/api/messages`, {
        token: sender.token,
        body: { recipientId: recipients[0]!.id, text: `again ${i}` },
      });
      expect(again.status).toBe(201);
    }
    const conversations = await requestJson(`${two.A}/api/conversations?limit=50`, { token: sender.token });
    expect(conversations.body.conversations).toHaveLength(CONVERSATIONS);
    const refused = recipients[CONVERSATIONS]!;
    const theirs = await requestJson(`${two.B}/api/conversations?limit=50`, { token: refused.token });
    expect(theirs.body.conversations).toEqual([]);
  });
});
