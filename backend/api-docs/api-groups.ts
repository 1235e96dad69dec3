import { adminApi } from '../admin/admin-routes';
import { healthApi } from '../health/health-routes';
import { metricsApi } from '../http/metrics-route';
import { gamesApi } from '../modules/games/games-routes';
import { conversationsApi, messagesApi } from '../modules/messages/messages-routes';
import { notificationsApi } from '../modules/notifications/notifications-routes';
import { feedApi } from '../modules/posts/feed-routes';
import { postsApi } from '../modules/posts/posts-routes';
import { authApi } from '../modules/users/auth-routes';
import { usersApi } from '../modules/users/users-routes';
import { presenceAdminApi } from '../presence/presence-admin-routes';
import type { ApiGroup } from '../routing/route-spec';
import { docsApi } from './docs-api';

/**
 * Every router's spec, in the order createApp mounts them. A router added to createApp but
 * not here is caught by tests/integration/api-docs-coverage.test.ts.
 */
export const apiGroups: ApiGroup[] = [
  docsApi,
  healthApi,
  metricsApi,
  adminApi,
  presenceAdminApi,
  authApi,
  usersApi,
  postsApi,
  feedApi,
  messagesApi,
  conversationsApi,
  notificationsApi,
  gamesApi,
];
