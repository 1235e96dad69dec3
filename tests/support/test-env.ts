import { randomBytes } from 'node:crypto';

/** Shared secrets so tokens minted by one test instance verify on another. */
// strong enough for NODE_ENV=production (staging and pm2 suites run that way)
export const TEST_JWT_SECRET = 'tst-jwt-Kq7vX2pL9mZr4tW8nB3yH6jD1fS5gC0a-shared-by-instances';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export function testMongoBaseUrl(): string {
  const url = process.env.TEST_MONGO_URL;
  if (!url)
    throw new Error('TEST_MONGO_URL is not set: run tests through jest (global setup starts the databases)');
  return url;
}

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run tests through jest');
  return url;
}

/** A fresh database per call, so test files (and instances of one test) never share data by accident. */
export function freshMongoUrl(label = 't'): string {
  const base = new URL(testMongoBaseUrl());
  base.pathname = `/${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(5).toString('hex')}`;
  return base.toString();
}

/**
 * Per-user quotas out of the way: tests (and load runs) post, follow, message and challenge
 * many times quickly from few users; the quota tests set their own.
 */
export const TEST_QUOTAS = {
  QUOTA_POSTS_PER_MINUTE: '100000',
  QUOTA_FOLLOWS_PER_MINUTE: '100000',
  QUOTA_CONVERSATIONS_PER_HOUR: '100000',
  QUOTA_OPEN_INVITES: '100000',
  QUOTA_OPEN_INVITES_PER_RECIPIENT: '100000',
  QUOTA_ROOMS_PER_SOCKET: '100000',
};

/** Env for a server under test: cheap password hashing, quiet logs, shared secrets. */
export function testServerEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PASSWORD_MEMORY_KIB: '1024',
    PASSWORD_TIME_COST: '1',
    SHUTDOWN_DRAIN_MS: '0',
    // tests register many users from one IP; rate-limit tests set their own small limits
    RATE_LIMIT_AUTH_MAX: '100000',
    RATE_LIMIT_API_MAX: '100000',
    REGISTER_LIMIT_PER_HOUR: '100000',
    SOCKET_HANDSHAKE_MAX: '100000',
    // many tests keep a user's sockets open across cases; the abuse tests set their own cap
    SOCKET_MAX_PER_USER: '1000',
    ...TEST_QUOTAS,
    PORT: '0',
    ...overrides,
  };
}

/** The Authorization header of the test admin token (admin API, /health details, /metrics). */
export const ADMIN_AUTH = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
