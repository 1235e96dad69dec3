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
    for (const bad of ['127.0.0.1', 'redis://h:7000', 'h:0', 'h:70000', 'a:1,,b:2'])
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: bad })).toThrow(
        /REDIS_CLUSTER_NODES: comma-separated host:port/,
      );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'h:7000', REDIS_KEY_PREFIX: 'app{1}:' })).toThrow(
      /REDIS_KEY_PREFIX: no \{ or \}/,
    );
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
    expect(features['socket.adapter'].restartRequired).toBe(true);
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
