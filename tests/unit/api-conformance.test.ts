import express from 'express';
import supertest from 'supertest';
import { conforming, problemsOf } from '../support/api-conformance';

const post = {
  id: '65f000000000000000000001',
  author: { id: '65f000000000000000000002', username: 'ada', name: 'Ada' },
  text: 'hello',
  likesCount: 0,
  repliesCount: 0,
  likedByMe: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

const json = 'application/json; charset=utf-8';
const seen = problemsOf('/api/posts/65f000000000000000000001', { post });

describe('response conformance against /openapi.json', () => {
  it('When a body matches its documented schema, then there is no problem', () => {
    expect(seen({})).toEqual([]);
  });

  it('When a field has the wrong type, then the response is reported with the field', () => {
    const problems = seen({ body: { post: { ...post, likesCount: 'two' } } });
    expect(problems.join('\n')).toMatch(/\/post\/likesCount must be integer/);
  });

  it('When a required field is missing or an enum value is unknown, then it is reported', () => {
    const { text: _text, ...withoutText } = post;
    expect(seen({ body: { post: withoutText } }).join('\n')).toMatch(/required.*text/);
    const notification = {
      id: '65f000000000000000000003',
      kind: 'follow',
      actor: post.author,
      read: false,
      createdAt: post.createdAt,
    };
    const page = (kind: string) => ({
      url: '/api/notifications',
      body: { notifications: [{ ...notification, kind }], unreadCount: 1, nextCursor: null },
    });
    expect(seen(page('follow'))).toEqual([]);
    expect(seen(page('paused')).join('\n')).toMatch(/\/notifications\/0\/kind/);
  });

  it('When a status is not documented for the route, then it is reported', () => {
    expect(seen({ status: 201 })).toEqual([
      'GET /api/posts/65f000000000000000000001 → 201: status 201 is not documented for GET /api/posts/{id}',
    ]);
  });

  it('When an error answers, then it must be the error envelope', () => {
    const envelope = { error: { code: 'NOT_FOUND', message: 'Post not found' } };
    expect(seen({ status: 404, body: envelope })).toEqual([]);
    expect(seen({ status: 404, body: { message: 'nope' } }).length).toBeGreaterThan(0);
  });

  it('When a success answers on a route the document lacks, then it is reported', () => {
    expect(seen({ url: '/api/undocumented', status: 200, body: {} })).toEqual([
      'GET /api/undocumented → 200: no documented operation answers this',
    ]);
  });

  it('When a literal path and a templated one both match, then the literal route is used', () => {
    const user = {
      id: '65f000000000000000000002',
      username: 'ada',
      name: 'Ada',
      bio: '',
      followersCount: 0,
      followingCount: 0,
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    expect(seen({ method: 'PATCH', url: '/api/users/me', body: { user } })).toEqual([]);
    expect(seen({ method: 'PATCH', url: '/api/users/me', body: { user: { ...user, bio: 3 } } }).length).toBe(
      1,
    );
  });

  it('When a 204 carries no body, then it conforms; a text route wants text', () => {
    expect(
      seen({ method: 'DELETE', url: '/api/posts/65f000000000000000000001', status: 204, body: '' }),
    ).toEqual([]);
    expect(seen({ url: '/metrics', contentType: 'text/plain; version=0.0.4', body: '# HELP x\n' })).toEqual(
      [],
    );
    expect(seen({ url: '/metrics', contentType: json, body: {} }).length).toBe(1);
  });
});

describe('the test clients check what they receive', () => {
  it('When a route answers a body its schema does not allow, then the test request itself fails', async () => {
    // a stand-in app whose post answer drifted from the documented view
    const drifted = express();
    drifted.get('/api/posts/:id', (_req, res) => {
      res.json({ post: { ...post, likesCount: 'two' } });
    });
    drifted.get('/api/users/:id', (_req, res) => {
      res.status(202).json({});
    });
    const http = conforming(supertest(drifted));
    await expect(http.get('/api/posts/65f000000000000000000001')).rejects.toThrow(/\/post\/likesCount/);
    await expect(http.get('/api/users/65f000000000000000000001')).rejects.toThrow(
      /status 202 is not documented/,
    );
    drifted.get('/api/feed', (_req, res) => {
      res.json({ posts: [], nextCursor: null });
    });
    await expect(http.get('/api/feed').then((r) => r.status)).resolves.toBe(200);
  });
});
