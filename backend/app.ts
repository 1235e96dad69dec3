import { randomUUID } from 'node:crypto';
import compression from 'compression';
import cors from 'cors';
import express, { type Express, Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { adminRoutes } from './admin/admin-routes';
import type { ApiSurface } from './api-docs/api-surface';
import { createApiDocs } from './api-docs/create-api-docs';
import type { Config } from './config/config';
import { compileTrustProxy } from './config/trust-proxy';
import type { RouteMount } from './features/feature';
import type { FlagAdmin } from './flags/flag-admin';
import type { FlagReader } from './flags/flag-reader';
import { healthRoutes } from './health/health-routes';
import type { HealthService } from './health/health-service';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import { httpMetrics } from './http/http-metrics';
import { metricsRoute } from './http/metrics-route';
import { requireAdmin, tokenMatcher } from './http/require-admin';
import { bearerToken, requireAuth } from './http/require-auth';
import type { Logger } from './infra/logger';
import type { Metrics } from './infra/metrics';
import type { InstanceInfo } from './instances/instance-heartbeat';
import type { AccountDeletion } from './modules/accounts/account-deletion';
import type { MessageService } from './modules/messages/message-service';
import { conversationsRoutes, messagesRoutes } from './modules/messages/messages-routes';
import type { NotificationService } from './modules/notifications/notification-service';
import { notificationsRoutes } from './modules/notifications/notifications-routes';
import { authorPostsRoutes } from './modules/posts/author-posts-routes';
import { feedAdminRoutes } from './modules/posts/feed-admin-routes';
import { feedRoutes } from './modules/posts/feed-routes';
import type { FeedTimelines } from './modules/posts/feed-timelines';
import type { PostService } from './modules/posts/post-service';
import { postsRoutes } from './modules/posts/posts-routes';
import { authRoutes } from './modules/users/auth-routes';
import type { AuthService } from './modules/users/auth-service';
import type { UserService } from './modules/users/user-service';
import { usersRoutes } from './modules/users/users-routes';
import { presenceAdminRoutes } from './presence/presence-admin-routes';
import type { ShadowTally } from './presence/shadow-tally';
import type { RateLimits } from './rate-limits/create-rate-limits';
import type { Authenticate } from './sessions/authenticator';

/** What the HTTP app uses of the core, and the routers installed features mount. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  flags: FlagReader;
  flagAdmin: FlagAdmin;
  instances(): Promise<InstanceInfo[]>;
  presenceTally: ShadowTally;
  /** the feed's timelines (undefined without Redis) */
  feedTimelines?: Pick<FeedTimelines, 'consistency'> | undefined;
  health: HealthService;
  /** current flag values, as /health/features reports them */
  flagValues(): Record<string, unknown>;
  rateLimits: RateLimits;
  authenticate: Authenticate;
  auth: AuthService;
  accounts: AccountDeletion;
  users: UserService;
  posts: PostService;
  messages: MessageService;
  notifications: NotificationService;
  /** what /openapi.json and /asyncapi.json describe: the core's and the features' */
  surface: ApiSurface;
  /** each installed feature's routers, mounted after the core's */
  featureRoutes: readonly RouteMount[];
}

const REQUEST_ID = /^[\w.-]{1,100}$/;

/** Builds the Express app from services; does no I/O, so tests can build many. */
export function createApp(services: AppDeps): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  // one trust for req.ip (HTTP limits) and the socket handshakes (realtime/client-address.ts)
  app.set('trust proxy', compileTrustProxy(config.trustProxy));
  app.set('query parser', 'simple');

  app.use(httpMetrics(services.metrics));
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
  app.use(helmet());
  app.use(compression());
  app.use(
    cors({
      // an empty allowlist answers no CORS headers: same-origin and non-browser clients only
      origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
      credentials: true,
    }),
  );
  app.use(express.json({ limit: '100kb', strict: true }));

  app.use(createApiDocs({ version: config.version, surface: services.surface }));

  const adminOnly = requireAdmin(config.adminTokens);
  const adminName = tokenMatcher(config.adminTokens);
  app.use(
    '/health',
    healthRoutes({
      health: services.health,
      features: services.flagValues,
      instanceId: config.instanceId,
      isAdmin: (req) => adminName(bearerToken(req.headers.authorization)) !== undefined,
      requireAdmin: adminOnly,
    }),
  );

  const metricsTokens = config.metricsToken
    ? [...config.adminTokens, { name: 'metrics', token: config.metricsToken }]
    : config.adminTokens;
  app.get(
    '/metrics',
    metricsRoute({
      metrics: services.metrics,
      flags: services.flags,
      tokenName: tokenMatcher(metricsTokens),
    }),
  );
  // one admin chain: the token is checked once for every /admin route
  const admin = Router();
  admin.use(adminOnly);
  admin.use(adminRoutes({ flags: services.flagAdmin, instances: services.instances }));
  admin.use(
    '/presence',
    presenceAdminRoutes({ tally: services.presenceTally, instanceId: config.instanceId }),
  );
  admin.use(
    '/feed',
    feedAdminRoutes({
      timelines: services.feedTimelines,
      mode: () => services.flags.get('feed.mode'),
      instanceId: config.instanceId,
    }),
  );
  app.use('/admin', admin);

  app.use('/api', services.rateLimits.api);
  app.use('/api/auth', services.rateLimits.auth);
  app.use('/api/auth/register', services.rateLimits.register);
  const auth = requireAuth(services.authenticate);
  app.use('/api/auth', authRoutes({ auth: services.auth, accounts: services.accounts, requireAuth: auth }));
  app.use('/api/users', auth, usersRoutes({ users: services.users }));
  app.use('/api/users', auth, authorPostsRoutes({ posts: services.posts }));
  app.use('/api/posts', auth, postsRoutes({ posts: services.posts }));
  app.use('/api/feed', auth, feedRoutes({ posts: services.posts }));
  app.use('/api/messages', auth, messagesRoutes({ messages: services.messages }));
  app.use('/api/conversations', auth, conversationsRoutes({ messages: services.messages }));
  app.use('/api/notifications', auth, notificationsRoutes({ notifications: services.notifications }));
  const guards = { public: [], user: [auth], admin: [adminOnly] };
  for (const { path, access, router } of services.featureRoutes) app.use(path, ...guards[access], router);

  app.use(notFoundHandler);
  app.use(errorMiddleware(logger));
  return app;
}
