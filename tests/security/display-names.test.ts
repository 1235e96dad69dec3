import { registerUser, type TestUser, uniqueName } from '../support/api-users';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Identity and abuse limits, names: what one person shows to others (display name, bio) is
 * stored in NFC and refused when it carries controls, bidirectional overrides or stacked
 * combining marks; a username can never take the form of an id.
 */
const RLO = '\u202E';
const HOSTILE_NAMES: Array<[string, string]> = [
  ['a right-to-left override (U+202E)', `ali${RLO}ecila`],
  ['a left-to-right isolate (U+2066)', 'mallory\u2066admin'],
  ['a right-to-left mark (U+200F)', 'eve\u200F'],
  ['a NUL', 'bob\u0000'],
  ['an escape (U+001B)', 'x\u001b[31mred'],
  ['a line break', 'two\nlines'],
  ['a line separator (U+2028)', 'two\u2028lines'],
  ['four stacked combining marks', 'Z\u0351\u0352\u0353\u0354algo'],
  ['a lone surrogate', 'half\uD800'],
  ['only invisible characters', '\u200B\u200B'],
];

let t: TestServer;
let user: TestUser;
beforeAll(async () => {
  t = await startTestServer();
  user = await registerUser(t.http);
});
afterAll(() => t.close());

function register(fields: { name?: string; username?: string }) {
  const username = fields.username ?? uniqueName('nm');
  return t.http.post('/api/auth/register').send({
    username,
    email: `${uniqueName('mail')}@example.test`,
    password: 'correct horse battery',
    ...(fields.name !== undefined ? { name: fields.name } : {}),
  });
}

function expectRefused(
  res: { status: number; body: { error: { code: string; details?: Array<{ path?: string }> } } },
  path: string,
) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  expect(res.body.error.details?.map((d) => d.path)).toContain(path);
}

describe.each(HOSTILE_NAMES)('When a display name carries %s', (_what, name) => {
  it('then registration and PATCH /users/me answer 400 VALIDATION_FAILED and store nothing', async () => {
    expectRefused(await register({ name }), 'name');
    expectRefused(await t.http.patch('/api/users/me').set(user.auth).send({ name }), 'name');
    const me = await t.http.get('/api/auth/me').set(user.auth).expect(200);
    expect(me.body.user.name).toBe(user.username);
  });
});

describe('When a bio carries a bidirectional override, a NUL or stacked combining marks', () => {
  it('then PATCH /users/me answers 400 VALIDATION_FAILED, and a bio with line breaks is fine', async () => {
    for (const bio of [`about ${RLO}me`, 'about\u0000me', 'o\u0351\u0352\u0353\u0354k']) {
      expectRefused(await t.http.patch('/api/users/me').set(user.auth).send({ bio }), 'bio');
    }
    const ok = await t.http
      .patch('/api/users/me')
      .set(user.auth)
      .send({ bio: 'first line\nsecond line' })
      .expect(200);
    expect(ok.body.user.bio).toBe('first line\nsecond line');
  });
});

describe('When a display name is written in decomposed form', () => {
  it('then it is stored and shown in NFC, at sign-up and on PATCH', async () => {
    const decomposed = 'Zoe\u0308 Ame\u0301lie';
    const composed = 'Zo\u00EB Am\u00E9lie';
    const res = await register({ name: decomposed });
    expect(res.status).toBe(201);
    expect(res.body.user.name).toBe(composed);
    const patched = await t.http.patch('/api/users/me').set(user.auth).send({ name: decomposed }).expect(200);
    expect(patched.body.user.name).toBe(composed);
    const doc = await t.server.services.userModel.findById(user.id).lean();
    expect(doc?.name).toBe(composed);
  });
});

describe('When a name uses combining marks as a language does', () => {
  it('then up to three in a row are accepted (Hindi पढ़ें, Vietnamese, Hebrew with points)', async () => {
    for (const name of ['पढ़ें', 'Nguyễn Thị Ánh', 'שָׁלוֹם', 'Ayşe 👩‍👩‍👧']) {
      const res = await t.http.patch('/api/users/me').set(user.auth).send({ name });
      expect(res.status).toBe(200);
      expect(res.body.user.name).toBe(name.normalize('NFC'));
    }
  });
});

describe('When a username is 24 hex digits', () => {
  it('then registration answers 400 VALIDATION_FAILED, even when it is another user’s id in any case', async () => {
    expectRefused(await register({ username: '0123456789abcdef01234567' }), 'username');
    expectRefused(await register({ username: user.id }), 'username');
    expectRefused(await register({ username: user.id.toUpperCase() }), 'username');
    // the id still resolves to its owner
    const profile = await t.http.get(`/api/users/${user.id}`).set(user.auth).expect(200);
    expect(profile.body.user.username).toBe(user.username);
    // 23 or 25 hex digits, or 24 with a non-hex letter, are ordinary names
    for (const username of [
      '0123456789abcdef0123456',
      '0123456789abcdef012345678',
      '0123456789abcdef0123456g',
    ]) {
      expect((await register({ username })).status).toBe(201);
    }
  });
});
