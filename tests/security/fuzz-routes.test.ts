import fc from 'fast-check';
import { registerUser } from '../support/api-users';
import { errorShapeProblem } from './support/contract-shape';
import { hostileBody, hostileQuery, paramValue, rawBodies } from './support/hostile-values';
import { fuzzRuns, rawRequest } from './support/raw-request';
import { isAdminRoute, isPublic, type RouteEntry, routeName } from './support/route-table';
import { createSecurityScene, fillPath, type SecurityScene } from './support/security-scene';

/**
 * Every route the app serves (read from its router), fuzzed with generated params, queries
 * and bodies: wrong types, huge strings, deep nesting, operator objects, prototype-pollution
 * keys, malformed JSON and invalid UTF-8. Callers are authorised (bob, or the admin token on
 * admin routes), so the input gets past authentication to the validators and services.
 * Invariants: no status >= 500, every error in the contract's shape, and a rejected request
 * changes nothing in the database.
 */
let scene: SecurityScene;
const runs = fuzzRuns();
const tally = new Map<string, Record<string, number>>();

beforeAll(async () => {
  scene = await createSecurityScene();
});
afterAll(async () => {
  const lines = [...tally].map(([route, by]) => `${route}: ${JSON.stringify(by)}`);
  process.stderr.write(`fuzz-routes: ${runs} cases per route\n${lines.join('\n')}\n`);
  await scene.close();
});

/**
 * The fuzzing user: a fresh one per route, signed in again whenever a case ended its session
 * (a generated body can be a valid logout or password change), so the route's other cases
 * still reach the validators.
 */
let fuzzer: { auth: Record<string, string>; username: string; password: string };
async function freshFuzzer(): Promise<void> {
  const u = await registerUser(scene.t.http);
  fuzzer = { auth: u.auth, username: u.username, password: 'correct horse battery' };
}
async function signInAgain(): Promise<void> {
  const res = await scene.t.http
    .post('/api/auth/login')
    .send({ login: fuzzer.username, password: fuzzer.password });
  if (res.status === 200) fuzzer.auth = { Authorization: `Bearer ${res.body.token}` };
  else await freshFuzzer();
}

function authFor(route: RouteEntry): Record<string, string> {
  if (isAdminRoute(route)) return scene.adminAuth;
  if (isPublic(route)) return {};
  return fuzzer.auth;
}

const fuzzCase = (route: RouteEntry) =>
  fc.record({
    params: fc.tuple(
      ...route.params.map(() =>
        paramValue([
          scene.ids.alicePost,
          scene.alice.id,
          scene.ids.aliceCarolConversation,
          scene.ids.bobPost,
        ]),
      ),
    ),
    query: fc.oneof(fc.constant(''), hostileQuery),
    body: fc.oneof(
      {
        weight: 5,
        arbitrary: hostileBody.map((b) => ({ json: b as unknown, raw: undefined as Buffer | undefined })),
      },
      { weight: 1, arbitrary: rawBodies.map((raw) => ({ json: undefined as unknown, raw })) },
    ),
  });

describe('When every route is fuzzed', () => {
  it('then the router lists the contract routes, so new routes are fuzzed without edits here', () => {
    const names = scene.routes.map(routeName);
    for (const must of [
      'POST /api/auth/login',
      'POST /api/auth/logout',
      'GET /api/users/:idOrUsername',
      'PUT /api/posts/:id/like',
      'POST /api/messages',
      'GET /api/conversations/:id/messages',
      'POST /api/notifications/read',
      'POST /admin/flags',
      'GET /metrics',
      'GET /health/features',
    ])
      expect(names).toContain(must);
    expect(scene.routes.length).toBeGreaterThanOrEqual(30);
  });

  it('then no input gives a 5xx, errors keep the contract shape, and rejected requests write nothing', async () => {
    const failures: string[] = [];
    for (const route of scene.routes) {
      await freshFuzzer();
      const counts: Record<string, number> = {};
      await fc
        .assert(
          fc.asyncProperty(fuzzCase(route), async (c) => {
            const values = Object.fromEntries(route.params.map((p, i) => [p, c.params[i]!]));
            const path = fillPath(route, values) + (c.query ? `?${c.query}` : '');
            const body = c.body.raw ?? (c.body.json === undefined ? undefined : JSON.stringify(c.body.json));
            const before = scene.writes.total;
            const res = await rawRequest(`${scene.url}${path}`, {
              method: route.method,
              headers: { ...authFor(route), 'content-type': 'application/json' },
              body,
            });
            const wrote = scene.writes.total - before;
            counts[res.status] = (counts[res.status] ?? 0) + 1;
            if (route.path.startsWith('/api/auth/') && res.status < 300 && !isPublic(route))
              await signInAgain();
            const problem =
              res.status >= 500
                ? `status ${res.status}: ${res.text.slice(0, 200)}`
                : res.status >= 400 && errorShapeProblem(res.body)
                  ? `bad error shape (${errorShapeProblem(res.body)})`
                  : res.status >= 400 && wrote > 0
                    ? `a ${res.status} wrote ${wrote} time(s)`
                    : undefined;
            if (problem) {
              failures.push(`${route.method} ${path.slice(0, 200)}: ${problem}`);
              return false;
            }
            return true;
          }),
          { numRuns: runs, endOnFailure: true },
        )
        .catch(() => {
          // collected above with the request that failed; go on with the other routes
        });
      tally.set(routeName(route), counts);
    }
    expect(failures).toEqual([]);
  });
});
