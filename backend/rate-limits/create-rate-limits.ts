import type { Request, RequestHandler } from 'express';
import { MemoryStore, type RateLimitRequestHandler, rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { RateLimitedError } from '../errors/app-error';
import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisGuard } from '../infra/redis-guard';
import { FailoverRateLimitStore } from './failover-rate-limit-store';
import { redisSendCommand } from './redis-send-command';
import { createUserQuotas, type UserQuotas } from './user-quotas';

export interface RateLimitSettings {
  windowMs: number;
  /** per client IP per window on POSTs to /api/auth (login, register); GET /me is ordinary API */
  authLimit: number;
  /** per client IP per window on all of /api */
  apiLimit: number;
  /**
   * per client IP per hour on POST /api/auth/register (on top of authLimit): sign-ups are the
   * cheapest way to mint identities and to probe which emails are taken
   */
  registerPerHour: number;
}

export interface RateLimits {
  auth: RequestHandler;
  api: RequestHandler;
  register: RequestHandler;
  /** per-user quotas (posts, follows, new conversations), on the same flags and stores */
  quotas: UserQuotas;
  /** where each limiter counts now (the flags choose; Redis only when configured) */
  stores(): Record<'httpAuth' | 'httpApi' | 'httpRegister' | 'userQuotas', 'redis' | 'memory'>;
}

const HOUR_MS = 3_600_000;

/**
 * Every limiter exists with both stores from the start; each request uses the one the flags
 * choose now (rateLimit.enabled, rateLimit.store), so switching is live and costs nothing.
 * Redis away: the API limiter lets requests pass (an outage must not become a 429 storm);
 * the auth and register limiters count in this instance's memory instead, so login and
 * sign-up never open wide. A 429 carries retryAfterSeconds, the same as Retry-After.
 */
export function createRateLimits(deps: {
  settings: RateLimitSettings;
  flags: FlagReader;
  metrics: Pick<Metrics, 'rateLimited'>;
  logger: Logger;
  redis?: { guard: RedisGuard; prefix: string };
}): RateLimits {
  const make = (
    name: 'auth' | 'api' | 'register',
    limit: number,
    failover: 'memory' | 'pass',
    windowMs = deps.settings.windowMs,
  ) => {
    const common = {
      windowMs,
      limit,
      skip: (req: Request) => name !== 'api' && req.method !== 'POST',
      standardHeaders: 'draft-7' as const,
      legacyHeaders: false,
      handler: ((_req, res, next) => {
        deps.metrics.rateLimited.inc({ limiter: name });
        // the limiter has set Retry-After from the client's window; the body says the same
        const retryAfter = Number(res.getHeader('Retry-After'));
        const seconds =
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : Math.ceil(windowMs / 1000);
        next(new RateLimitedError('Too many requests; retry after the time in Retry-After', seconds));
      }) as RequestHandler,
    };
    const memory = rateLimit({ ...common, store: new MemoryStore() });
    let shared: RateLimitRequestHandler | undefined;
    if (deps.redis) {
      let warnedAt = 0;
      const warnOnce = (err: unknown, message: string) => {
        if (Date.now() - warnedAt < 10_000) return;
        warnedAt = Date.now();
        deps.logger.warn({ limiter: name, err: (err as Error)?.message }, message);
      };
      const store = new FailoverRateLimitStore(
        new RedisStore({
          sendCommand: redisSendCommand(deps.redis.guard),
          prefix: `${deps.redis.prefix}rl:${name}:`,
        }),
        failover === 'memory' ? new MemoryStore() : undefined,
        (err) => warnOnce(err, 'rate limit: Redis away, counting locally'),
      );
      shared = rateLimit({
        ...common,
        store,
        passOnStoreError: true,
        logger: {
          // passOnStoreError: the request passes; one line per outage is enough (breaker logs the rest)
          error: (err: unknown) => warnOnce(err, 'rate limit: Redis away, passing'),
          warn: (err: unknown, message?: string) =>
            deps.logger.warn({ limiter: name, err: (err as Error)?.message ?? err }, message ?? 'rate limit'),
        },
      });
    }
    const limiter: RequestHandler = (req, res, next) => {
      if (!deps.flags.get('rateLimit.enabled')) return next();
      const use = deps.flags.get('rateLimit.store') === 'redis' && shared ? shared : memory;
      return use(req, res, next);
    };
    return limiter;
  };
  return {
    auth: make('auth', deps.settings.authLimit, 'memory'),
    api: make('api', deps.settings.apiLimit, 'pass'),
    register: make('register', deps.settings.registerPerHour, 'memory', HOUR_MS),
    quotas: createUserQuotas(deps),
    stores: () => {
      const store = deps.flags.get('rateLimit.store') === 'redis' && deps.redis ? 'redis' : 'memory';
      return { httpAuth: store, httpApi: store, httpRegister: store, userQuotas: store };
    },
  };
}
