import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../backend/config/config';
import { features, flagNames, readFlagsFromEnv } from '../../backend/config/features';

describe('When env is parsed', () => {
  it('then defaults give a working development config', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 5000,
      env: 'development',
      trustProxy: 0,
      logLevel: 'info',
      corsOrigins: [],
    });
    expect(c.jwt.secret).toHaveLength(64);
    expect(c.flags['presence.mode']).toBe('memory');
    expect(c.flagSources['presence.mode']).toBe('default');
  });

  it('then every problem is reported at once', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', PRESENCE_MODE: 'sometimes' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).message;
      expect(text).toContain('PORT');
      expect(text).toContain('LOG_LEVEL');
      expect(text).toContain('PRESENCE_MODE=sometimes');
    }
  });

  it('then production refuses embedded databases and dev secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MONGO_URL: required in production/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', MONGO_URL: 'mongodb://db/app', JWT_SECRET: 'secret' }),
    ).toThrow(/JWT_SECRET/);
    const ok = loadConfig({
      NODE_ENV: 'production',
      MONGO_URL: 'mongodb://db/app',
      JWT_SECRET: '9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e',
    });
    expect(ok.env).toBe('production');
  });

  it('then a Redis-backed flag without REDIS_URL fails the start', () => {
    expect(() => loadConfig({ SOCKET_ADAPTER: 'redis' })).toThrow(
      /REDIS_URL: required when socket.adapter=redis/,
    );
    expect(
      loadConfig({ SOCKET_ADAPTER: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }).flags['socket.adapter'],
    ).toBe('redis');
  });

  it('then REDIS_CLUSTER_NODES is a list of seed nodes that stands in for REDIS_URL, never beside it', () => {
    const config = loadConfig({
      SOCKET_ADAPTER: 'redis-sharded',
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001 ,[::1]:7002',
    });
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(config.redisUrl).toBeUndefined();
    expect(loadConfig({}).redisClusterNodes).toBeUndefined();
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }),
    ).toThrow(/REDIS_CLUSTER_NODES: set either it or REDIS_URL, not both/);
    for (const bad of ['127.0.0.1', 'redis://h', 'redis://h:7000/1', 'h:0', 'h:70000', 'a:1,,b:2'])
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: bad })).toThrow(
        /REDIS_CLUSTER_NODES: comma-separated host:port/,
      );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'h:7000', REDIS_KEY_PREFIX: 'app{1}:' })).toThrow(
      /REDIS_KEY_PREFIX: no \{ or \}/,
    );
  });

  it('then Redis credentials and TLS come from the URL form or the REDIS_* variables, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'social-config-ca-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    try {
      // in the URL: user:password@ (percent-encoded) and rediss://; the kept URL has no password
      const fromUrl = loadConfig({ REDIS_URL: 'rediss://app:p%40ss%3Aw0rd@redis.example:6380/2' });
      expect(fromUrl.redisUrl).toBe('rediss://redis.example:6380/2');
      expect(fromUrl.redisConnection).toEqual({
        username: 'app',
        password: 'p@ss:w0rd',
        tls: { ca: undefined, servername: undefined },
      });
      // the seeds' URL form, or host:port seeds plus the variables: the same connection
      const seeds = 'rediss://app:pw@10.0.0.1:7000,rediss://app:pw@10.0.0.2:7000';
      const fromSeeds = loadConfig({ REDIS_CLUSTER_NODES: seeds, REDIS_TLS_CA_FILE: ca });
      const fromVariables = loadConfig({
        REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000',
        REDIS_USERNAME: 'app',
        REDIS_PASSWORD: 'pw',
        REDIS_TLS: 'true',
        REDIS_TLS_CA_FILE: ca,
        REDIS_TLS_SERVERNAME: 'redis.internal',
      });
      expect(fromSeeds.redisClusterNodes).toEqual(fromVariables.redisClusterNodes);
      expect(fromSeeds.redisConnection).toEqual({
        username: 'app',
        password: 'pw',
        tls: { ca: expect.stringContaining('BEGIN CERTIFICATE'), servername: undefined },
      });
      expect(fromVariables.redisConnection.tls?.servername).toBe('redis.internal');
      // requirepass alone: no user, no TLS
      expect(
        loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PASSWORD: 'pw' }).redisConnection,
      ).toMatchObject({ username: undefined, password: 'pw', tls: undefined });
      // serialized (a logged config, a health body), the password is redacted
      expect(JSON.stringify(fromSeeds)).not.toContain('"pw"');
      expect(JSON.stringify(fromUrl)).not.toContain('p@ss');

      const refused: Array<[Record<string, string>, RegExp]> = [
        [
          { REDIS_URL: 'redis://:a@h:1', REDIS_PASSWORD: 'b' },
          /REDIS_PASSWORD: the user:password is in REDIS_URL already/,
        ],
        [{ REDIS_URL: 'redis://h:1', REDIS_USERNAME: 'app' }, /REDIS_USERNAME: needs REDIS_PASSWORD/],
        [{ REDIS_URL: 'redis://app@h:1' }, /REDIS_URL: a user name without a password/],
        [
          { REDIS_URL: 'rediss://h:1', REDIS_TLS: 'false' },
          /REDIS_TLS: false, but REDIS_URL says rediss:\/\//,
        ],
        [{ REDIS_URL: 'redis://h:1', REDIS_TLS_CA_FILE: ca }, /REDIS_TLS_CA_FILE: needs TLS/],
        [{ REDIS_URL: 'redis://h:1', REDIS_TLS_SERVERNAME: 'x' }, /REDIS_TLS_SERVERNAME: needs TLS/],
        [
          { REDIS_URL: 'rediss://h:1', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') },
          /cannot read it \(ENOENT\)/,
        ],
        [{ REDIS_URL: 'redis://h:1', REDIS_TLS: 'yes' }, /REDIS_TLS/],
        [
          { REDIS_CLUSTER_NODES: 'rediss://a:pw@h:1,redis://a:pw@h:2' },
          /REDIS_CLUSTER_NODES: every redis:\/\/ or rediss:\/\/ seed must name the same/,
        ],
      ];
      for (const [env, message] of refused) {
        let text = '';
        try {
          loadConfig(env);
        } catch (err) {
          text = (err as Error).message;
        }
        expect(text).toMatch(message);
        // a problem never quotes a value (it may be a password)
        expect(text).not.toMatch(/:a@|pw@/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('then CORS_ORIGIN is a trimmed list', () => {
    expect(loadConfig({ CORS_ORIGIN: ' https://a.example ,https://b.example,, ' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
  });
});

describe('When flags are read from env', () => {
  it('then every contract flag is defined with an env variable and a description', () => {
    expect(flagNames.sort()).toEqual(
      [
        'cache.enabled',
        'cache.ttlSeconds',
        'feed.mode',
        'feed.timelineReadPercent',
        // beyond the contract's list: docs/realtime.md "Deferred conversation writes"
        'messages.conversationWrites',
        'metrics.enabled',
        'presence.mode',
        'presence.redisReadPercent',
        'presence.shadowRead',
        'rateLimit.enabled',
        'rateLimit.store',
        'socket.adapter',
      ].sort(),
    );
    for (const name of flagNames) {
      expect(features[name].env).toMatch(/^[A-Z_]+$/);
      expect(features[name].description.length).toBeGreaterThan(10);
    }
    expect(features['socket.adapter'].restartRequired).toBe(false);
  });

  it('then the seed names map to their values and the primary variable wins', () => {
    const seeds = readFlagsFromEnv({
      USE_REDIS: 'true',
      USE_REDIS_ADAPTER: 'true',
      USE_CACHE: 'true',
      USE_REDIS_PERCENTAGE: '25',
    });
    expect(seeds.values).toMatchObject({
      'presence.mode': 'dual-write',
      'socket.adapter': 'redis',
      'cache.enabled': true,
      'presence.redisReadPercent': 25,
    });
    expect(readFlagsFromEnv({ USE_REDIS: 'true', PRESENCE_MODE: 'redis' }).values['presence.mode']).toBe(
      'redis',
    );
    expect(readFlagsFromEnv({ USE_REDIS: 'false' }).values['presence.mode']).toBe('memory');
  });

  it('then out-of-range and mistyped values are errors, not silent defaults', () => {
    expect(readFlagsFromEnv({ USE_REDIS_PERCENTAGE: '101' }).errors).toHaveLength(1);
    expect(readFlagsFromEnv({ CACHE_TTL_SECONDS: '0' }).errors).toHaveLength(1);
    expect(readFlagsFromEnv({ USE_CACHE: 'maybe' }).errors).toHaveLength(1);
    expect(readFlagsFromEnv({ METRICS_ENABLED: 'off' }).values['metrics.enabled']).toBe(false);
  });
});

describe('When the HTTP edge is configured (HOST, TRUST_PROXY, slow-client timeouts)', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return '';
    } catch (err) {
      return (err as ConfigError).message;
    }
  };

  it('then HOST is the address to bind, every interface when unset', () => {
    expect(loadConfig({}).host).toBeUndefined();
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::1' }).host).toBe('::1');
    expect(problems({ HOST: 'http://x' })).toContain('HOST');
  });

  it("then TRUST_PROXY takes Express's forms: off by default, a hop count, or the proxies' addresses", () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.5, 172.16.0.0/12 ,loopback,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.5',
      '172.16.0.0/12',
      'loopback',
      'fd00::/8',
    ]);
    // trusting every hop lets any client pick its own address
    expect(problems({ TRUST_PROXY: 'true' })).toMatch(/TRUST_PROXY: true trusts every hop/);
    for (const bad of ['11', '10.0.0.300', '10.0.0.0/40', 'nginx', '10.0.0.1;rm'])
      expect(problems({ TRUST_PROXY: bad })).toContain('TRUST_PROXY');
  });

  it('then the slow-client timeouts default to 20 s and 30 s with keep-alive at 65 s, headers never above the request', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '500' }).http.headersTimeoutMs,
    ).toBe(500);
    expect(problems({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toMatch(
      /HTTP_HEADERS_TIMEOUT_MS: at most HTTP_REQUEST_TIMEOUT_MS/,
    );
  });
});

const production = {
  NODE_ENV: 'production',
  MONGO_URL: 'mongodb://db/app',
  JWT_SECRET: '9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e',
};

describe('When the rate-limit store is not named', () => {
  it('then production with Redis counts every limit in Redis, as a default', () => {
    for (const redis of [{ REDIS_URL: 'redis://r:6379' }, { REDIS_CLUSTER_NODES: 'r1:7000,r2:7001' }]) {
      const c = loadConfig({ ...production, ...redis });
      expect(c.flags['rateLimit.store']).toBe('redis');
      expect(c.flagSources['rateLimit.store']).toBe('default');
      expect(c.flagDefaults['rateLimit.store']).toBe('redis');
    }
  });

  it('then RATE_LIMIT_STORE=memory still keeps them per instance', () => {
    const c = loadConfig({ ...production, REDIS_URL: 'redis://r:6379', RATE_LIMIT_STORE: 'memory' });
    expect(c.flags['rateLimit.store']).toBe('memory');
    expect(c.flagSources['rateLimit.store']).toBe('env');
  });

  it('then without Redis, or outside production, they stay per instance', () => {
    expect(loadConfig(production).flags['rateLimit.store']).toBe('memory');
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' }).flags['rateLimit.store']).toBe('memory');
    expect(
      loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis://r:6379' }).flagDefaults['rateLimit.store'],
    ).toBe('memory');
  });
});

describe('When the conversation-write mode is not named', () => {
  it('then production with Redis defers conversation writes under load, as a default', () => {
    const c = loadConfig({ ...production, REDIS_URL: 'redis://r:6379' });
    expect(c.flags['messages.conversationWrites']).toBe('deferred');
    expect(c.flagSources['messages.conversationWrites']).toBe('default');
  });

  it('then MESSAGE_CONVERSATION_WRITES=inline, no Redis, or another mode keeps them before the ack', () => {
    expect(
      loadConfig({ ...production, REDIS_URL: 'redis://r:6379', MESSAGE_CONVERSATION_WRITES: 'inline' }).flags[
        'messages.conversationWrites'
      ],
    ).toBe('inline');
    expect(loadConfig(production).flags['messages.conversationWrites']).toBe('inline');
    expect(
      loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis://r:6379' }).flags['messages.conversationWrites'],
    ).toBe('inline');
  });
});
