import type { Connection } from 'mongoose';
import { pingMongo } from '../infra/mongo';
import type { Readiness } from './readiness';

export type CheckStatus = 'ok' | 'fail' | 'disabled';

export interface TimedCheck {
  status: CheckStatus;
  latencyMs?: number;
  /** a fixed word, never the driver's text (which can name hosts, ports and users) */
  error?: CheckFailure;
  /** Redis only: the fail-fast client's circuit breaker */
  breaker?: 'closed' | 'open' | 'half-open';
}

export interface SocketCheck {
  status: CheckStatus;
  connections: number;
  /** the adapter this instance publishes on alone */
  adapter: string;
  /** a live adapter move in progress, else null */
  migration: { from: string; to: string; stage: string } | null;
  /** shadow delivery of the latest adapter move (absent before any) */
  shadow?: ShadowDelivery;
}

/** What arrived here over both transports, the old only or the new only during an adapter move. */
export interface ShadowDelivery {
  from: string | null;
  to: string | null;
  both: number;
  oldOnly: number;
  newOnly: number;
  latencyDeltaMs: number | null;
  since: string | null;
}

export type LimitStore = 'redis' | 'memory';

/** Where each limit counts: in Redis (one budget for every instance) or per instance. */
export interface RateLimitsCheck {
  /** disabled: rateLimit.enabled is off (the sockets-per-user cap still holds) */
  status: 'ok' | 'disabled';
  /** rateLimit.store in force: where the flagged limits count */
  store: LimitStore;
  /** by limit: httpAuth, httpApi, socketHandshakes, socketEvents, socketsPerUser, … */
  limits: Record<string, LimitStore>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'fail';
  timestamp: string;
  instance: string;
  version: string;
  uptimeSeconds: number;
  checks: { database: TimedCheck; redis: TimedCheck; socket: SocketCheck; rateLimits?: RateLimitsCheck };
}

/** What anonymous callers of /health learn. */
export type HealthStatus = Pick<HealthReport, 'status' | 'timestamp'>;

/** Probes the parts other issues add (Redis, Socket.IO) plug in here without touching routes. */
export interface HealthProbes {
  /** undefined = nothing uses Redis: reported as disabled */
  redis?: () => Promise<TimedCheck & { hasFallback?: boolean }>;
  socket?: () => SocketCheck;
  rateLimits?: () => RateLimitsCheck;
}

const CHECK_TIMEOUT_MS = 1500;
/** The anonymous /health answer comes from a probe at most this old (the contract). */
export const STATUS_MAX_AGE_MS = 1000;

export type CheckFailure = 'timeout' | 'unavailable';

/** What a failed check may say publicly; the driver's message goes to the log only. */
export function checkFailure(err: unknown): CheckFailure {
  return err instanceof Error && /timed out|timeout/i.test(err.message) ? 'timeout' : 'unavailable';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class HealthService {
  private readonly startedAt = Date.now();
  /** the latest probe and when it started: what anonymous callers are answered from */
  private latest: { startedAt: number; report: HealthReport } | undefined;
  private probing: Promise<HealthReport> | undefined;

  constructor(
    private readonly deps: {
      mongo: Connection;
      readiness: Readiness;
      instanceId: string;
      version: string;
      probes: HealthProbes;
    },
  ) {}

  /** For probes of what starts after the services: server.ts adds the Socket.IO one. */
  setProbe<K extends keyof HealthProbes>(name: K, probe: HealthProbes[K]): void {
    this.deps.probes[name] = probe;
  }

  async database(): Promise<TimedCheck> {
    try {
      const latencyMs = await withTimeout(pingMongo(this.deps.mongo), CHECK_TIMEOUT_MS);
      return { status: 'ok', latencyMs: Math.round(latencyMs * 100) / 100 };
    } catch (err) {
      return { status: 'fail', error: checkFailure(err) };
    }
  }

  async ready(): Promise<{ ready: boolean; reason?: string }> {
    if (this.deps.readiness.shuttingDown) return { ready: false, reason: 'shutting down' };
    const db = await this.database();
    if (db.status !== 'ok') return { ready: false, reason: 'database unavailable' };
    return { ready: true };
  }

  /**
   * The anonymous answer, from a probe at most STATUS_MAX_AGE_MS old, and one probe at a time:
   * public callers, however many, cost the database and Redis one ping each per second.
   */
  async status(): Promise<HealthStatus> {
    const latest = this.latest;
    if (latest && Date.now() - latest.startedAt < STATUS_MAX_AGE_MS)
      return { status: latest.report.status, timestamp: latest.report.timestamp };
    this.probing ??= this.report().finally(() => {
      this.probing = undefined;
    });
    const report = await this.probing;
    return { status: report.status, timestamp: report.timestamp };
  }

  /** Every check, probed now (the admin report); also refreshes what status() answers. */
  async report(): Promise<HealthReport> {
    const startedAt = Date.now();
    const [database, redis] = await Promise.all([
      this.database(),
      this.deps.probes.redis
        ? withTimeout(this.deps.probes.redis(), CHECK_TIMEOUT_MS).catch(
            (err: Error): TimedCheck & { hasFallback?: boolean } => ({
              status: 'fail',
              error: checkFailure(err),
            }),
          )
        : Promise.resolve<TimedCheck & { hasFallback?: boolean }>({ status: 'disabled' }),
    ]);
    const socket = this.deps.probes.socket?.() ?? {
      status: 'ok',
      connections: 0,
      adapter: 'none',
      migration: null,
    };
    const { hasFallback, ...redisCheck } = redis;
    let status: HealthReport['status'] = 'ok';
    if (database.status === 'fail' || socket.status === 'fail') status = 'fail';
    // Redis down is survivable only when every Redis-backed feature in force can fall back.
    else if (redis.status === 'fail') status = hasFallback ? 'degraded' : 'fail';
    const rateLimits = this.deps.probes.rateLimits?.();
    const report: HealthReport = {
      status,
      timestamp: new Date().toISOString(),
      instance: this.deps.instanceId,
      version: this.deps.version,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      checks: { database, redis: redisCheck, socket, ...(rateLimits ? { rateLimits } : {}) },
    };
    if (!this.latest || startedAt >= this.latest.startedAt) this.latest = { startedAt, report };
    return report;
  }
}
